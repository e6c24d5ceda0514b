package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// YouTube acts on the comments of the brand's channel through the YouTube
// Data API v3 (account setting "url", default
// https://www.googleapis.com/youtube/v3; token: an OAuth 2.0 access token
// with youtube.force-ssl). A reply is comments.insert (snippet.parentId:
// YouTube threads one level, so a reply to a reply answers its top-level
// comment, the part of its id before the dot); hide and unhide are
// comments.setModerationStatus (heldForReview, published); delete is
// comments.delete of the brand's own comment. A post would be a video
// upload: not a text publisher's. No idempotency key, no lookup of a lost
// call. The daily quota (403 quotaExceeded) resets at midnight Pacific
// time: retried then, not before.
type YouTube struct{ endpoint }

// NewYouTube returns the YouTube connector.
func NewYouTube(client *http.Client) *YouTube { return &YouTube{newEndpoint(client)} }

// Name implements Network.
func (*YouTube) Name() string { return "youtube" }

// Do implements Network.
func (y *YouTube) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	if base == "" {
		base = "https://www.googleapis.com/youtube/v3"
	}
	var (
		req *http.Request
		err error
	)
	switch a.Kind {
	case publishv1.KindReply:
		parent, _, _ := strings.Cut(a.TargetID, ".")
		req, err = jsonRequest(http.MethodPost, base+"/comments?part=snippet",
			map[string]any{"snippet": map[string]string{"parentId": parent, "textOriginal": a.Text}})
	case publishv1.KindHide, publishv1.KindUnhide:
		status := "heldForReview"
		if a.Kind == publishv1.KindUnhide {
			status = "published"
		}
		req, err = jsonRequest(http.MethodPost, base+"/comments/setModerationStatus?"+url.Values{"id": {a.TargetID}, "moderationStatus": {status}}.Encode(), nil)
	case publishv1.KindDelete:
		req, err = jsonRequest(http.MethodDelete, base+"/comments?"+url.Values{"id": {a.TargetID}}.Encode(), nil)
	default:
		return Result{}, Unsupported("youtube", a.Kind, "a YouTube post is a video upload; Ruche publishes text")
	}
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	body, err := y.call(ctx, req, ParseGoogleError)
	var ne *NetworkError
	if errors.As(err, &ne) && ne.Code == "quotaExceeded" {
		ne.Permanent, ne.RetryAt = false, nextPacificMidnight(y.now())
	}
	if goneAfterRetry(a, err, func(ne *NetworkError) bool { return ne.Status == http.StatusNotFound }) {
		return Result{PlatformID: a.TargetID}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if a.Kind != publishv1.KindReply {
		return Result{PlatformID: a.TargetID}, nil
	}
	var c struct {
		ID      string `json:"id"`
		Snippet struct {
			VideoID string `json:"videoId"`
		} `json:"snippet"`
	}
	if err := decodeBody(body, &c); err != nil {
		return Result{}, err
	}
	if c.ID == "" {
		return Result{}, &NetworkError{Code: "bad_response", Reason: "the created comment has no id"}
	}
	r := Result{PlatformID: c.ID}
	if c.Snippet.VideoID != "" {
		r.URL = "https://www.youtube.com/watch?v=" + url.QueryEscape(c.Snippet.VideoID) + "&lc=" + url.QueryEscape(c.ID)
	}
	return r, nil
}

// nextPacificMidnight is when YouTube's daily quota resets.
func nextPacificMidnight(now time.Time) time.Time {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return now.Add(24 * time.Hour)
	}
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}

// Find implements Network: YouTube cannot look a lost call up.
func (*YouTube) Find(context.Context, Account, Action) (Result, bool, error) {
	return Result{}, false, ErrCannotFind
}

// ParseGoogleError reads a Google API error body: {"error": {"code",
// "message", "errors": [{"reason", "domain", "message"}], "status"}}; the
// code is the first error's reason (quotaExceeded, commentsDisabled...).
func ParseGoogleError(body []byte) (code, reason string) {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	code = e.Error.Status
	if len(e.Error.Errors) > 0 && e.Error.Errors[0].Reason != "" {
		code = e.Error.Errors[0].Reason
	}
	return code, e.Error.Message
}
