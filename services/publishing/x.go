package publishing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// X publishes through the X API v2 (account setting "url", default
// https://api.x.com; token: a user-context OAuth 2.0 access token with
// tweet.write and tweet.moderate.write). Posts and replies are POST
// /2/tweets (reply.in_reply_to_tweet_id), hide and unhide PUT
// /2/tweets/:id/hidden, delete DELETE /2/tweets/:id. X has no idempotency
// key and no lookup of a lost call: a post whose answer was lost is
// unverifiable. 429s carry x-rate-limit-reset (Unix seconds).
type X struct{ endpoint }

// NewX returns the X connector.
func NewX(client *http.Client) *X { return &X{newEndpoint(client)} }

// Name implements Network.
func (*X) Name() string { return "x" }

// Do implements Network.
func (x *X) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	if base == "" {
		base = "https://api.x.com"
	}
	id := url.PathEscape(a.TargetID)
	var (
		req *http.Request
		err error
	)
	switch a.Kind {
	case publishv1.KindPost, publishv1.KindReply:
		body := map[string]any{"text": a.Text}
		if a.Kind == publishv1.KindReply {
			body["reply"] = map[string]string{"in_reply_to_tweet_id": a.TargetID}
		}
		req, err = jsonRequest(http.MethodPost, base+"/2/tweets", body)
	case publishv1.KindHide, publishv1.KindUnhide:
		req, err = jsonRequest(http.MethodPut, base+"/2/tweets/"+id+"/hidden", map[string]bool{"hidden": a.Kind == publishv1.KindHide})
	case publishv1.KindDelete:
		req, err = jsonRequest(http.MethodDelete, base+"/2/tweets/"+id, nil)
	default:
		return Result{}, Unsupported("x", a.Kind, "unknown action")
	}
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	body, err := x.call(ctx, req, ParseXError)
	if err != nil {
		return Result{}, err
	}
	var out struct {
		Data struct {
			ID      string `json:"id"`
			Hidden  *bool  `json:"hidden"`
			Deleted *bool  `json:"deleted"`
		} `json:"data"`
	}
	if err := decodeBody(body, &out); err != nil {
		return Result{}, err
	}
	switch {
	case a.Kind == publishv1.KindPost || a.Kind == publishv1.KindReply:
		if out.Data.ID == "" {
			return Result{}, &NetworkError{Code: "bad_response", Reason: "the created post has no id"}
		}
		return Result{PlatformID: out.Data.ID, URL: "https://x.com/i/web/status/" + out.Data.ID}, nil
	case a.Kind == publishv1.KindDelete && (out.Data.Deleted == nil || !*out.Data.Deleted):
		return Result{}, &NetworkError{Code: "not_deleted", Reason: "X answered deleted=false"}
	case a.Kind != publishv1.KindDelete && (out.Data.Hidden == nil || *out.Data.Hidden != (a.Kind == publishv1.KindHide)):
		return Result{}, &NetworkError{Code: "not_applied", Reason: "X did not change the reply's hidden state"}
	}
	return Result{PlatformID: a.TargetID}, nil
}

// Find implements Network: X cannot look a lost call up.
func (*X) Find(context.Context, Account, Action) (Result, bool, error) {
	return Result{}, false, ErrCannotFind
}

// ParseXError reads X's v2 error bodies: problem details {"title",
// "detail", "type", "status"} or {"errors":[{"message"}]}.
func ParseXError(body []byte) (code, reason string) {
	var e struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	switch {
	case len(e.Errors) > 0 && e.Errors[0].Message != "":
		return e.Title, e.Errors[0].Message // the specific reason
	case e.Detail != "":
		return e.Title, e.Detail
	}
	return e.Title, ""
}

func (x *X) get(ctx context.Context, acct Account, path string, q url.Values, out any) error {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	if base == "" {
		base = "https://api.x.com"
	}
	return x.getJSON(ctx, base+path+"?"+q.Encode(), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+acct.Token) }, ParseXError, out)
}

// PostCounts implements MetricsReader: GET /2/tweets?ids= (100 a request)
// with tweet.fields=public_metrics (impression_count, like_count,
// reply_count, retweet_count, quote_count — shares are retweets and
// quotes). A deleted post comes back in "errors", not in "data": it is
// left out.
func (x *X) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	out := map[string]Counts{}
	for _, part := range chunks(ids, 100) {
		var page struct {
			Data []struct {
				ID      string `json:"id"`
				Metrics struct {
					Retweets    int64 `json:"retweet_count"`
					Replies     int64 `json:"reply_count"`
					Likes       int64 `json:"like_count"`
					Quotes      int64 `json:"quote_count"`
					Impressions int64 `json:"impression_count"`
				} `json:"public_metrics"`
			} `json:"data"`
		}
		if err := x.get(ctx, acct, "/2/tweets", url.Values{"ids": {strings.Join(part, ",")}, "tweet.fields": {"public_metrics"}}, &page); err != nil {
			return nil, err
		}
		for _, d := range page.Data {
			m := d.Metrics
			out[d.ID] = Counts{Impressions: count(m.Impressions), Reactions: count(m.Likes), Comments: count(m.Replies), Shares: count(m.Retweets + m.Quotes)}
		}
	}
	return out, nil
}

// Audience implements MetricsReader: GET /2/users/me with
// user.fields=public_metrics (followers_count, following_count).
func (x *X) Audience(ctx context.Context, acct Account) (Audience, error) {
	var me struct {
		Data struct {
			Metrics struct {
				Followers int64 `json:"followers_count"`
				Following int64 `json:"following_count"`
			} `json:"public_metrics"`
		} `json:"data"`
	}
	err := x.get(ctx, acct, "/2/users/me", url.Values{"user.fields": {"public_metrics"}}, &me)
	return Audience{Followers: me.Data.Metrics.Followers, Following: me.Data.Metrics.Following}, err
}
