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
	base := youTubeBase(acct)
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
	y.quota(err)
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

func youTubeBase(acct Account) string {
	if base := strings.TrimRight(acct.Settings[SettingURL], "/"); base != "" {
		return base
	}
	return "https://www.googleapis.com/youtube/v3"
}

// quota makes a spent daily quota (403 quotaExceeded) retryable at its
// reset, midnight Pacific time.
func (y *YouTube) quota(err error) {
	var ne *NetworkError
	if errors.As(err, &ne) && ne.Code == "quotaExceeded" {
		ne.Permanent, ne.RetryAt = false, nextPacificMidnight(y.now())
	}
}

func (y *YouTube) get(ctx context.Context, acct Account, path string, q url.Values, out any) error {
	err := y.getJSON(ctx, youTubeBase(acct)+path+"?"+q.Encode(), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+acct.Token) }, ParseGoogleError, out)
	y.quota(err)
	return err
}

// googleCount is a count of the Data API, which sends 64-bit counts as
// strings; absent (hidden likes, disabled comments) is nil.
func googleCount(s *string) (*int64, error) {
	if s == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(*s, 10, 64)
	if err != nil {
		return nil, &NetworkError{Code: "bad_response", Reason: fmt.Sprintf("count %q: %v", *s, err)}
	}
	return &v, nil
}

// PostCounts implements MetricsReader for the channel's videos: GET
// /videos?part=statistics&id=a,b (50 a request): viewCount (as
// impressions: the Data API has no impressions), likeCount, commentCount;
// no shares or clicks. A video the answer leaves out (deleted, private) is
// absent.
func (y *YouTube) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	out := map[string]Counts{}
	for _, part := range chunks(ids, 50) {
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				Stats struct {
					Views    *string `json:"viewCount"`
					Likes    *string `json:"likeCount"`
					Comments *string `json:"commentCount"`
				} `json:"statistics"`
			} `json:"items"`
		}
		if err := y.get(ctx, acct, "/videos", url.Values{"part": {"statistics"}, "id": {strings.Join(part, ",")}}, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var c Counts
			var errs [3]error
			c.Impressions, errs[0] = googleCount(it.Stats.Views)
			c.Reactions, errs[1] = googleCount(it.Stats.Likes)
			c.Comments, errs[2] = googleCount(it.Stats.Comments)
			if err := errors.Join(errs[:]...); err != nil {
				return nil, err
			}
			out[it.ID] = c
		}
	}
	return out, nil
}

// Audience implements MetricsReader: GET /channels?part=statistics&mine=true,
// the channel's subscriberCount (rounded by YouTube to three significant
// figures). An answer without it (a hidden count) is an error saying so,
// never a count of 0.
func (y *YouTube) Audience(ctx context.Context, acct Account) (Audience, error) {
	var page struct {
		Items []struct {
			Stats struct {
				Subscribers *string `json:"subscriberCount"`
			} `json:"statistics"`
		} `json:"items"`
	}
	if err := y.get(ctx, acct, "/channels", url.Values{"part": {"statistics"}, "mine": {"true"}}, &page); err != nil {
		return Audience{}, err
	}
	if len(page.Items) == 0 {
		return Audience{}, &NetworkError{Code: "channelNotFound", Reason: "the token's account has no YouTube channel", Permanent: true}
	}
	st := page.Items[0].Stats
	n, err := googleCount(st.Subscribers)
	if err != nil {
		return Audience{}, err
	}
	if n == nil {
		return Audience{}, &NetworkError{Code: "subscriberCountHidden", Reason: "the channel hides its subscriber count", Permanent: true}
	}
	return Audience{Followers: *n}, nil
}
