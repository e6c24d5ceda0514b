package publishing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// LinkedIn publishes on a LinkedIn organization page through the
// versioned REST API (account setting "url", default
// https://api.linkedin.com; "author", the organization's URN,
// urn:li:organization:<id>; "linkedin_version", the monthly API version
// sent as LinkedIn-Version, default LinkedInVersion; token: a member
// access token with w_organization_social). Posts are POST /rest/posts
// (the post's URN comes back in the x-restli-id header), replies POST
// /rest/socialActions/{urn}/comments (a reply to a comment names it as
// parentComment), deletes DELETE /rest/posts/{urn}. LinkedIn has no hide
// for comments, no idempotency key and no lookup of a lost call: a post
// whose answer was lost is unverifiable.
type LinkedIn struct{ endpoint }

// LinkedIn settings.
const (
	SettingAuthor          = "author"
	SettingLinkedInVersion = "linkedin_version"
	// LinkedInVersion is the LinkedIn-Version sent when the account sets none.
	LinkedInVersion = "202511"
)

// NewLinkedIn returns the LinkedIn connector.
func NewLinkedIn(client *http.Client) *LinkedIn { return &LinkedIn{newEndpoint(client)} }

// Name implements Network.
func (*LinkedIn) Name() string { return "linkedin" }

// Do implements Network.
func (l *LinkedIn) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := linkedInBase(acct)
	author := acct.Settings[SettingAuthor]
	var (
		req *http.Request
		err error
	)
	switch a.Kind {
	case publishv1.KindPost:
		req, err = jsonRequest(http.MethodPost, base+"/rest/posts", map[string]any{
			"author": author, "commentary": a.Text, "visibility": "PUBLIC", "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": false,
			"distribution": map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
		})
	case publishv1.KindReply:
		object, parent := linkedInThread(a.TargetID)
		body := map[string]any{"actor": author, "object": object, "message": map[string]string{"text": a.Text}}
		if parent != "" {
			body["parentComment"] = parent
		}
		req, err = jsonRequest(http.MethodPost, base+"/rest/socialActions/"+url.PathEscape(a.TargetID)+"/comments", body)
	case publishv1.KindDelete:
		if !strings.HasPrefix(a.TargetID, "urn:li:share:") && !strings.HasPrefix(a.TargetID, "urn:li:ugcPost:") {
			return Result{}, Unsupported("linkedin", a.Kind, "only the brand's own posts (urn:li:share, urn:li:ugcPost) can be deleted")
		}
		req, err = jsonRequest(http.MethodDelete, base+"/rest/posts/"+url.PathEscape(a.TargetID), nil)
	default:
		return Result{}, Unsupported("linkedin", a.Kind, "LinkedIn's API cannot hide a comment (delete it, or report it on LinkedIn)")
	}
	if err != nil {
		return Result{}, err
	}
	linkedInHeaders(acct)(req)
	resp, body, err := l.callWithHeaders(ctx, req, ParseLinkedInError)
	if goneAfterRetry(a, err, func(ne *NetworkError) bool { return ne.Status == http.StatusNotFound }) {
		return Result{PlatformID: a.TargetID}, nil
	}
	if err != nil {
		return Result{}, err
	}
	switch a.Kind {
	case publishv1.KindPost:
		urn := resp.Get("x-restli-id")
		if urn == "" {
			return Result{}, &NetworkError{Code: "bad_response", Reason: "the created post has no x-restli-id"}
		}
		return Result{PlatformID: urn, URL: "https://www.linkedin.com/feed/update/" + urn}, nil
	case publishv1.KindReply:
		var c struct {
			ID  string `json:"id"`
			URN string `json:"$URN"`
		}
		if err := decodeBody(body, &c); err != nil {
			return Result{}, err
		}
		id := c.URN
		if id == "" {
			id = resp.Get("x-restli-id")
		}
		if id == "" {
			return Result{}, &NetworkError{Code: "bad_response", Reason: "the created comment has no URN"}
		}
		return Result{PlatformID: id}, nil
	}
	return Result{PlatformID: a.TargetID}, nil
}

// linkedInThread is the object a reply comments on and, for a reply to a
// comment (urn:li:comment:(<object>,<id>)), the parent comment.
func linkedInThread(target string) (object, parent string) {
	if inner, ok := strings.CutPrefix(target, "urn:li:comment:("); ok {
		if i := strings.LastIndexByte(inner, ','); i > 0 {
			return inner[:i], target
		}
	}
	return target, ""
}

// Find implements Network: LinkedIn cannot look a lost call up.
func (*LinkedIn) Find(context.Context, Account, Action) (Result, bool, error) {
	return Result{}, false, ErrCannotFind
}

// ParseLinkedInError reads LinkedIn's error body: {"status", "serviceErrorCode",
// "code", "message"}.
func ParseLinkedInError(body []byte) (code, reason string) {
	var e struct {
		Status           int    `json:"status"`
		ServiceErrorCode int    `json:"serviceErrorCode"`
		Code             string `json:"code"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	if e.Code == "" && e.ServiceErrorCode != 0 {
		e.Code = strconv.Itoa(e.ServiceErrorCode)
	}
	return e.Code, e.Message
}

// linkedInHeaders authorizes a LinkedIn REST request and names its
// versions.
func linkedInHeaders(acct Account) func(*http.Request) {
	return func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+acct.Token)
		version := acct.Settings[SettingLinkedInVersion]
		if version == "" {
			version = LinkedInVersion
		}
		req.Header.Set("LinkedIn-Version", version)
		req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	}
}

func linkedInBase(acct Account) string {
	if base := strings.TrimRight(acct.Settings[SettingURL], "/"); base != "" {
		return base
	}
	return "https://api.linkedin.com"
}

// linkedInStatsBatch is how many posts one share statistics request asks
// about.
const linkedInStatsBatch = 20

// restliList is a Rest.li 2.0 list query value: List(a,b), each element
// URL-encoded (a URN's colons and commas are escaped), the parentheses and
// separators not.
func restliList(urns []string) string {
	enc := make([]string, len(urns))
	for i, u := range urns {
		enc[i] = url.QueryEscape(u)
	}
	return "List(" + strings.Join(enc, ",") + ")"
}

// PostCounts implements MetricsReader: GET
// /rest/organizationalEntityShareStatistics?q=organizationalEntity with the
// organization and its posts as shares=List(...) (urn:li:share) or
// ugcPosts=List(...) (urn:li:ugcPost), lifetime statistics (no
// timeIntervals): impressionCount, likeCount (reactions), commentCount,
// shareCount (reshares), clickCount. A post the answer leaves out (deleted,
// or older than the endpoint's rolling 12 months) is absent.
func (l *LinkedIn) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	var shares, ugc []string
	for _, id := range ids {
		if strings.HasPrefix(id, "urn:li:ugcPost:") {
			ugc = append(ugc, id)
		} else {
			shares = append(shares, id)
		}
	}
	out := map[string]Counts{}
	for _, group := range []struct {
		param string
		urns  []string
	}{{"shares", shares}, {"ugcPosts", ugc}} {
		for _, part := range chunks(group.urns, linkedInStatsBatch) {
			q := "q=organizationalEntity&organizationalEntity=" + url.QueryEscape(acct.Settings[SettingAuthor]) + "&" + group.param + "=" + restliList(part)
			var page struct {
				Elements []struct {
					Share   string `json:"share"`
					UGCPost string `json:"ugcPost"`
					Stats   struct {
						Impressions int64 `json:"impressionCount"`
						Likes       int64 `json:"likeCount"`
						Comments    int64 `json:"commentCount"`
						Shares      int64 `json:"shareCount"`
						Clicks      int64 `json:"clickCount"`
					} `json:"totalShareStatistics"`
				} `json:"elements"`
			}
			if err := l.getJSON(ctx, linkedInBase(acct)+"/rest/organizationalEntityShareStatistics?"+q, linkedInHeaders(acct), ParseLinkedInError, &page); err != nil {
				return nil, err
			}
			for _, el := range page.Elements {
				id := el.Share
				if id == "" {
					id = el.UGCPost
				}
				if id == "" {
					continue // the organization's aggregate, not a post
				}
				s := el.Stats
				out[id] = Counts{Impressions: count(s.Impressions), Reactions: count(s.Likes), Comments: count(s.Comments),
					Shares: count(s.Shares), Clicks: count(s.Clicks)}
			}
		}
	}
	return out, nil
}

// Audience implements MetricsReader: GET /rest/networkSizes/{organization
// urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER, whose firstDegreeSize is the
// organization's follower count (an organization follows no one).
func (l *LinkedIn) Audience(ctx context.Context, acct Account) (Audience, error) {
	var n struct {
		FirstDegreeSize int64 `json:"firstDegreeSize"`
	}
	err := l.getJSON(ctx, linkedInBase(acct)+"/rest/networkSizes/"+url.PathEscape(acct.Settings[SettingAuthor])+"?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
		linkedInHeaders(acct), ParseLinkedInError, &n)
	return Audience{Followers: n.FirstDegreeSize}, err
}
