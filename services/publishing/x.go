package publishing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	base := xBase(acct)
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
		if len(a.MediaRefs) > 0 {
			body["media"] = map[string][]string{"media_ids": a.MediaRefs}
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

func xBase(acct Account) string {
	if base := strings.TrimRight(acct.Settings[SettingURL], "/"); base != "" {
		return base
	}
	return "https://api.x.com"
}

func (x *X) get(ctx context.Context, acct Account, path string, q url.Values, out any) error {
	return x.getJSON(ctx, xBase(acct)+path+"?"+q.Encode(), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+acct.Token) }, ParseXError, out)
}

// xChunk is the size of one APPEND segment (X takes up to 5 MB).
const xChunk = 4 << 20

// xMediaCategory is the media_category of each kind.
var xMediaCategory = map[string]string{"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}

// xMedia is the data of X's media upload answers.
type xMedia struct {
	Data struct {
		ID         string `json:"id"`
		Processing *struct {
			State      string `json:"state"`
			CheckAfter int    `json:"check_after_secs"`
			Error      *struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

// post sends one media upload request and decodes its answer into out
// (nil: none read).
func (x *X) post(ctx context.Context, acct Account, req *http.Request, out any) error {
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	body, err := x.call(ctx, req, ParseXError)
	if err != nil || out == nil {
		return err
	}
	return decodeBody(body, out)
}

// UploadMedia implements MediaUploader with the v2 chunked upload: POST
// /2/media/upload/initialize (media_type, total_bytes, media_category),
// POST /2/media/upload/{id}/append for each segment of 4 MiB (multipart
// "media" and "segment_index"), POST /2/media/upload/{id}/finalize, then,
// while its processing_info says pending or in_progress (videos, GIFs),
// GET /2/media/upload?command=STATUS&media_id= after check_after_secs,
// within ctx; a processing that failed is permanent. The alt text is set
// with POST /2/media/metadata. The media id goes in the post's
// media.media_ids. X keys no upload: a retry after a lost answer may leave
// an unattached media, which X expires.
func (x *X) UploadMedia(ctx context.Context, acct Account, f MediaFile, _ string) (string, error) {
	base := xBase(acct)
	req, err := jsonRequest(http.MethodPost, base+"/2/media/upload/initialize",
		map[string]any{"media_type": f.Type, "total_bytes": len(f.Data), "media_category": xMediaCategory[f.Kind]})
	if err != nil {
		return "", err
	}
	var m xMedia
	if err := x.post(ctx, acct, req, &m); err != nil {
		return "", err
	}
	id := m.Data.ID
	if id == "" {
		return "", &NetworkError{Code: "bad_response", Reason: "the media upload has no id"}
	}
	for i, off := 0, 0; off < len(f.Data); i, off = i+1, off+xChunk {
		req, err := multipartPost(base+"/2/media/upload/"+url.PathEscape(id)+"/append", [][2]string{{"segment_index", strconv.Itoa(i)}},
			"media", "chunk", "application/octet-stream", f.Data[off:min(off+xChunk, len(f.Data))])
		if err != nil {
			return "", err
		}
		if err := x.post(ctx, acct, req, nil); err != nil {
			return "", err
		}
	}
	req, err = jsonRequest(http.MethodPost, base+"/2/media/upload/"+url.PathEscape(id)+"/finalize", nil)
	if err != nil {
		return "", err
	}
	m = xMedia{}
	if err := x.post(ctx, acct, req, &m); err != nil {
		return "", err
	}
	for p := m.Data.Processing; p != nil && p.State != "succeeded"; p = m.Data.Processing {
		if p.State == "failed" {
			reason := "X could not process the media"
			if p.Error != nil {
				reason += ": " + p.Error.Message
			}
			return "", &NetworkError{Code: "media_processing_failed", Reason: reason, Permanent: true}
		}
		select {
		case <-ctx.Done():
			return "", &NetworkError{Code: "timeout", Reason: "media " + id + " still processing: " + ctx.Err().Error()}
		case <-time.After(max(time.Duration(p.CheckAfter)*time.Second, mediaPoll)):
		}
		m = xMedia{}
		if err := x.get(ctx, acct, "/2/media/upload", url.Values{"command": {"STATUS"}, "media_id": {id}}, &m); err != nil {
			return "", err
		}
	}
	if f.AltText != "" {
		req, err := jsonRequest(http.MethodPost, base+"/2/media/metadata",
			map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": f.AltText}}})
		if err != nil {
			return "", err
		}
		if err := x.post(ctx, acct, req, nil); err != nil {
			return "", err
		}
	}
	return id, nil
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
