package publishing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
		post := map[string]any{
			"author": author, "commentary": a.Text, "visibility": "PUBLIC", "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": false,
			"distribution": map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
		}
		if len(a.MediaRefs) > 0 {
			content, cerr := linkedInContent(a)
			if cerr != nil {
				return Result{}, cerr
			}
			post["content"] = content
		}
		req, err = jsonRequest(http.MethodPost, base+"/rest/posts", post)
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

// linkedInContent is a post's content: one image or video as media (an
// image with its alt text, a video titled with it), several images as a
// multiImage. A post takes one video, alone.
func linkedInContent(a Action) (map[string]any, error) {
	alt := func(i int) string {
		if i < len(a.Media) {
			return a.Media[i].AltText
		}
		return ""
	}
	if len(a.MediaRefs) == 1 {
		m := map[string]any{"id": a.MediaRefs[0]}
		if strings.HasPrefix(a.MediaRefs[0], "urn:li:video:") {
			m["title"] = alt(0)
		} else {
			m["altText"] = alt(0)
		}
		return map[string]any{"media": m}, nil
	}
	images := make([]map[string]string, len(a.MediaRefs))
	for i, ref := range a.MediaRefs {
		if !strings.HasPrefix(ref, "urn:li:image:") {
			return nil, &NetworkError{Code: "unsupported", Permanent: true, Reason: "a LinkedIn post takes one video alone, or images"}
		}
		images[i] = map[string]string{"id": ref, "altText": alt(i)}
	}
	return map[string]any{"multiImage": map[string]any{"images": images}}, nil
}

// linkedInUpload is the answer of an initializeUpload.
type linkedInUpload struct {
	Value struct {
		UploadURL    string `json:"uploadUrl"`
		Image        string `json:"image"`
		Video        string `json:"video"`
		UploadToken  string `json:"uploadToken"`
		Instructions []struct {
			UploadURL string `json:"uploadUrl"`
			FirstByte int64  `json:"firstByte"`
			LastByte  int64  `json:"lastByte"`
		} `json:"uploadInstructions"`
	} `json:"value"`
}

// rest sends a JSON call of the REST API; out, when not nil, gets the
// answer.
func (l *LinkedIn) rest(ctx context.Context, acct Account, method, path string, body, out any) error {
	req, err := jsonRequest(method, linkedInBase(acct)+path, body)
	if err != nil {
		return err
	}
	linkedInHeaders(acct)(req)
	answer, err := l.call(ctx, req, ParseLinkedInError)
	if err != nil || out == nil {
		return err
	}
	return decodeBody(answer, out)
}

// put uploads data to an upload URL LinkedIn gave, and returns the part's
// ETag. The token goes only to LinkedIn's own hosts (or the API's).
func (l *LinkedIn) put(ctx context.Context, acct Account, uploadURL string, data []byte) (string, error) {
	u, err := url.Parse(uploadURL)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		return "", &NetworkError{Code: "bad_response", Reason: fmt.Sprintf("upload url %q", uploadURL)}
	}
	req, err := http.NewRequest(http.MethodPut, uploadURL, bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if api, _ := url.Parse(linkedInBase(acct)); u.Hostname() == "linkedin.com" || strings.HasSuffix(u.Hostname(), ".linkedin.com") || api != nil && u.Host == api.Host {
		req.Header.Set("Authorization", "Bearer "+acct.Token)
	}
	h, _, err := l.callWithHeaders(ctx, req, ParseLinkedInError)
	if err != nil {
		return "", err
	}
	return h.Get("ETag"), nil
}

// UploadMedia implements MediaUploader. An image (JPEG, PNG, GIF): POST
// /rest/images?action=initializeUpload with the organization as owner,
// then a PUT of the bytes to its uploadUrl; the reference is the image
// URN. A video: POST /rest/videos?action=initializeUpload with its size,
// a PUT of each part its uploadInstructions name (byte ranges), then
// POST /rest/videos?action=finalizeUpload with the parts' ETags, and GET
// /rest/videos/{urn} until it is AVAILABLE (PROCESSING_FAILED is
// permanent), within ctx. LinkedIn keys no upload: a retry after a lost
// answer leaves an unused asset, which LinkedIn expires.
func (l *LinkedIn) UploadMedia(ctx context.Context, acct Account, f MediaFile, _ string) (string, error) {
	owner := acct.Settings[SettingAuthor]
	var up linkedInUpload
	if f.Kind != "video" {
		if err := l.rest(ctx, acct, http.MethodPost, "/rest/images?action=initializeUpload",
			map[string]any{"initializeUploadRequest": map[string]string{"owner": owner}}, &up); err != nil {
			return "", err
		}
		if up.Value.Image == "" || up.Value.UploadURL == "" {
			return "", &NetworkError{Code: "bad_response", Reason: "the image upload has no urn or url"}
		}
		_, err := l.put(ctx, acct, up.Value.UploadURL, f.Data)
		return up.Value.Image, err
	}
	if err := l.rest(ctx, acct, http.MethodPost, "/rest/videos?action=initializeUpload", map[string]any{"initializeUploadRequest": map[string]any{
		"owner": owner, "fileSizeBytes": len(f.Data), "uploadCaptions": false, "uploadThumbnail": false}}, &up); err != nil {
		return "", err
	}
	urn := up.Value.Video
	if urn == "" || len(up.Value.Instructions) == 0 {
		return "", &NetworkError{Code: "bad_response", Reason: "the video upload has no urn or instructions"}
	}
	etags := make([]string, 0, len(up.Value.Instructions))
	for _, in := range up.Value.Instructions {
		if in.FirstByte < 0 || in.LastByte < in.FirstByte || in.LastByte >= int64(len(f.Data)) {
			return "", &NetworkError{Code: "bad_response", Reason: fmt.Sprintf("upload instruction for bytes %d-%d of %d", in.FirstByte, in.LastByte, len(f.Data))}
		}
		etag, err := l.put(ctx, acct, in.UploadURL, f.Data[in.FirstByte:in.LastByte+1])
		if err != nil {
			return "", err
		}
		etags = append(etags, etag)
	}
	if err := l.rest(ctx, acct, http.MethodPost, "/rest/videos?action=finalizeUpload", map[string]any{"finalizeUploadRequest": map[string]any{
		"video": urn, "uploadToken": up.Value.UploadToken, "uploadedPartIds": etags}}, nil); err != nil {
		return "", err
	}
	for {
		var v struct {
			Status string `json:"status"`
		}
		if err := l.rest(ctx, acct, http.MethodGet, "/rest/videos/"+url.PathEscape(urn), nil, &v); err != nil {
			return "", err
		}
		switch v.Status {
		case "AVAILABLE":
			return urn, nil
		case "PROCESSING_FAILED":
			return "", &NetworkError{Code: "media_processing_failed", Reason: "LinkedIn could not process the video " + urn, Permanent: true}
		}
		select {
		case <-ctx.Done():
			return "", &NetworkError{Code: "timeout", Reason: "video " + urn + " still processing: " + ctx.Err().Error()}
		case <-time.After(mediaPoll):
		}
	}
}
