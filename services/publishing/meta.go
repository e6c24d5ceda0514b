package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// Meta publishes on a Facebook Page through the Graph API (account setting
// "url", default https://graph.facebook.com/v21.0; setting "page_id"; token:
// a Page access token). Posts go to /{page-id}/feed, replies to
// /{comment-id}/comments, hide and unhide set is_hidden on the comment,
// delete is DELETE /{id}. The Graph API has no idempotency key and no
// lookup of a lost call, so a post or reply whose answer was lost is
// reported unverifiable rather than risk a second one.
type Meta struct{ endpoint }

// SettingPageID is the Meta account setting naming the Page.
const SettingPageID = "page_id"

// NewMeta returns the Meta connector.
func NewMeta(client *http.Client) *Meta { return &Meta{newEndpoint(client)} }

// Name implements Network.
func (*Meta) Name() string { return "meta" }

// Do implements Network.
func (m *Meta) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := graphBase(acct)
	form := url.Values{}
	method, path := http.MethodPost, ""
	target := url.PathEscape(a.TargetID)
	switch a.Kind {
	case publishv1.KindPost:
		path = "/" + url.PathEscape(acct.Settings[SettingPageID]) + "/feed"
		form.Set("message", a.Text)
		for i, ref := range a.MediaRefs {
			b, _ := json.Marshal(map[string]string{"media_fbid": ref})
			form.Set(fmt.Sprintf("attached_media[%d]", i), string(b))
		}
	case publishv1.KindReply:
		path = "/" + target + "/comments"
		form.Set("message", a.Text)
	case publishv1.KindHide, publishv1.KindUnhide:
		path = "/" + target
		form.Set("is_hidden", strconv.FormatBool(a.Kind == publishv1.KindHide))
	case publishv1.KindDelete:
		method, path = http.MethodDelete, "/"+target
	default:
		return Result{}, Unsupported("meta", a.Kind, "unknown action")
	}
	req, err := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	body, err := m.call(ctx, req, ParseGraphError)
	var ne *NetworkError
	if errors.As(err, &ne) {
		classifyGraph(ne, m.now())
	}
	if goneAfterRetry(a, err, func(ne *NetworkError) bool { return ne.Code == "100" }) {
		return Result{PlatformID: a.TargetID}, nil
	}
	if err != nil {
		return Result{}, err
	}
	var out struct {
		ID      string `json:"id"`
		Success bool   `json:"success"`
	}
	if err := decodeBody(body, &out); err != nil {
		return Result{}, err
	}
	if out.ID == "" {
		out.ID = a.TargetID
	}
	return Result{PlatformID: out.ID, URL: "https://www.facebook.com/" + out.ID}, nil
}

// Find implements Network: the Graph API cannot look a lost call up.
func (*Meta) Find(context.Context, Account, Action) (Result, bool, error) {
	return Result{}, false, ErrCannotFind
}

// classifyGraph applies the Graph API's error codes: 4, 17, 32 and 613 are
// rate limits (retryable, an hour when no header says otherwise), 1 and 2
// transient, 190 an expired or revoked token (permanent).
func classifyGraph(ne *NetworkError, now time.Time) {
	switch ne.Code {
	case "4", "17", "32", "613", "80001":
		ne.Permanent = false
		if ne.RetryAt.IsZero() {
			ne.RetryAt = now.Add(time.Hour)
		}
	case "1", "2":
		ne.Permanent = false
	}
}

// ParseGraphError reads the Graph API's error body: {"error": {"message",
// "type", "code", "error_subcode", "fbtrace_id"}}; the code is the numeric
// code as a string.
func ParseGraphError(body []byte) (code, reason string) {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	return strconv.Itoa(e.Error.Code), e.Error.Message
}

// metaPostFields are a Page post's counts read as fields: reactions and
// comments as summaries (no items), shares as the shares object.
const metaPostFields = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"

// metaPostInsights are the Page post insights read beside them: views
// (post_media_view, which replaced post_impressions in November 2025) and
// clicks (post_clicks), over the post's lifetime.
const metaPostInsights = "post_media_view,post_clicks"

// graphGet calls a Graph API GET with the Page token, its errors
// classified (rate limits retryable).
func (m *Meta) graphGet(ctx context.Context, acct Account, path string, q url.Values, out any) error {
	err := m.getJSON(ctx, graphBase(acct)+path+"?"+q.Encode(), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+acct.Token) }, ParseGraphError, out)
	var ne *NetworkError
	if errors.As(err, &ne) {
		classifyGraph(ne, m.now())
	}
	return err
}

// PostCounts implements MetricsReader: per post, GET /{post-id}?fields=
// (reactions, comments, shares) then GET /{post-id}/insights (views and
// clicks). A post that no longer exists (code 100) is left out; insights a
// Page cannot have (under 100 likes, a metric refused) leave impressions
// and clicks absent.
func (m *Meta) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	out := map[string]Counts{}
	for _, id := range ids {
		var post struct {
			Shares    struct{ Count int64 } `json:"shares"`
			Reactions struct {
				Summary struct {
					Total int64 `json:"total_count"`
				} `json:"summary"`
			} `json:"reactions"`
			Comments struct {
				Summary struct {
					Total int64 `json:"total_count"`
				} `json:"summary"`
			} `json:"comments"`
		}
		err := m.graphGet(ctx, acct, "/"+url.PathEscape(id), url.Values{"fields": {metaPostFields}}, &post)
		var ne *NetworkError
		switch {
		case errors.As(err, &ne) && ne.Code == "100":
			continue
		case err != nil:
			return nil, err
		}
		c := Counts{Reactions: count(post.Reactions.Summary.Total), Comments: count(post.Comments.Summary.Total), Shares: count(post.Shares.Count)}
		var ins struct {
			Data []struct {
				Name   string `json:"name"`
				Values []struct {
					Value int64 `json:"value"`
				} `json:"values"`
			} `json:"data"`
		}
		err = m.graphGet(ctx, acct, "/"+url.PathEscape(id)+"/insights", url.Values{"metric": {metaPostInsights}, "period": {"lifetime"}}, &ins)
		switch {
		case errors.As(err, &ne) && ne.Permanent:
			// no insights for this post: the fields' counts stand alone
		case err != nil:
			return nil, err
		}
		for _, d := range ins.Data {
			if len(d.Values) == 0 {
				continue
			}
			switch v := d.Values[len(d.Values)-1].Value; d.Name {
			case "post_media_view":
				c.Impressions = count(v)
			case "post_clicks":
				c.Clicks = count(v)
			}
		}
		out[id] = c
	}
	return out, nil
}

// Audience implements MetricsReader: GET /{page-id}?fields=followers_count.
func (m *Meta) Audience(ctx context.Context, acct Account) (Audience, error) {
	var p struct {
		Followers int64 `json:"followers_count"`
	}
	err := m.graphGet(ctx, acct, "/"+url.PathEscape(acct.Settings[SettingPageID]), url.Values{"fields": {"followers_count"}}, &p)
	return Audience{Followers: p.Followers}, err
}

func graphBase(acct Account) string {
	if base := strings.TrimRight(acct.Settings[SettingURL], "/"); base != "" {
		return base
	}
	return "https://graph.facebook.com/v21.0"
}

// UploadMedia implements MediaUploader for images: POST
// /{page-id}/photos (multipart "source", published=false, the alt text as
// alt_text_custom) makes an unpublished photo whose id the post attaches
// (attached_media[i]={"media_fbid":id}). A Page video is a post of its own
// (/{page-id}/videos), not a media of a feed post: refused, saying so. The
// Graph API keys no upload: a retry after a lost answer may leave an
// unpublished photo, which stays invisible.
func (m *Meta) UploadMedia(ctx context.Context, acct Account, f MediaFile, _ string) (string, error) {
	if f.Kind == "video" {
		return "", Unsupported("meta", publishv1.KindPost, "a Page video is a post of its own (/{page-id}/videos), not a media a feed post attaches")
	}
	req, err := multipartPost(graphBase(acct)+"/"+url.PathEscape(acct.Settings[SettingPageID])+"/photos",
		[][2]string{{"published", "false"}, {"alt_text_custom", f.AltText}}, "source", mediaFilename(f), f.Type, f.Data)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	body, err := m.call(ctx, req, ParseGraphError)
	var ne *NetworkError
	if errors.As(err, &ne) {
		classifyGraph(ne, m.now())
	}
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := decodeBody(body, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &NetworkError{Code: "bad_response", Reason: "the photo has no id"}
	}
	return out.ID, nil
}
