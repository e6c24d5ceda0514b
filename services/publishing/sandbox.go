package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// SettingURL is the account setting holding a network's API base URL
// (the sandbox's, a Mastodon instance's).
const SettingURL = "url"

// Sandbox publishes on the built-in simulated network over its HTTP API
// (served by `ruche up`): posts and replies with an Idempotency-Key it
// honours, hide, unhide, delete, and a lookup of a publication by key.
type Sandbox struct{ endpoint }

// NewSandbox returns the sandbox connector.
func NewSandbox(client *http.Client) *Sandbox { return &Sandbox{newEndpoint(client)} }

// Name implements Network.
func (*Sandbox) Name() string { return "sandbox" }

type sandboxItem struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Hidden bool   `json:"hidden"`
}

// Do implements Network.
func (s *Sandbox) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	var (
		req *http.Request
		err error
	)
	switch a.Kind {
	case publishv1.KindPost:
		body := map[string]any{"text": a.Text, "lang": a.Lang}
		if len(a.MediaRefs) > 0 {
			body["media_ids"] = a.MediaRefs
		}
		req, err = jsonRequest(http.MethodPost, base+"/api/v1/posts", body)
	case publishv1.KindReply:
		req, err = jsonRequest(http.MethodPost, base+"/api/v1/replies", map[string]string{"text": a.Text, "lang": a.Lang, "in_reply_to_id": a.TargetID})
	case publishv1.KindHide, publishv1.KindUnhide:
		req, err = jsonRequest(http.MethodPost, base+"/api/v1/comments/"+url.PathEscape(a.TargetID)+"/"+string(a.Kind), nil)
	case publishv1.KindDelete:
		req, err = jsonRequest(http.MethodDelete, base+"/api/v1/items/"+url.PathEscape(a.TargetID), nil)
	default:
		return Result{}, Unsupported("sandbox", a.Kind, "unknown action")
	}
	if err != nil {
		return Result{}, err
	}
	s.authorize(req, acct, a.Key)
	body, err := s.call(ctx, req, parseSandboxError)
	if goneAfterRetry(a, err, func(ne *NetworkError) bool { return ne.Status == http.StatusNotFound }) {
		return Result{PlatformID: a.TargetID}, nil
	}
	if err != nil {
		return Result{}, err
	}
	var it sandboxItem
	if err := decodeBody(body, &it); err != nil {
		return Result{}, err
	}
	return Result{PlatformID: it.ID, URL: it.URL}, nil
}

// UploadMedia implements MediaUploader: POST /api/v1/media, multipart
// "file" and "description", with an Idempotency-Key the sandbox honours.
func (s *Sandbox) UploadMedia(ctx context.Context, acct Account, f MediaFile, key string) (string, error) {
	req, err := multipartMedia(strings.TrimRight(acct.Settings[SettingURL], "/")+"/api/v1/media", f, "file", "description")
	if err != nil {
		return "", err
	}
	s.authorize(req, acct, key)
	body, err := s.call(ctx, req, parseSandboxError)
	if err != nil {
		return "", err
	}
	var it sandboxItem
	if err := decodeBody(body, &it); err != nil {
		return "", err
	}
	if it.ID == "" {
		return "", &NetworkError{Code: "bad_response", Reason: "the media has no id"}
	}
	return it.ID, nil
}

// Find implements Network: the sandbox answers the item a key created.
func (s *Sandbox) Find(ctx context.Context, acct Account, a Action) (Result, bool, error) {
	if a.Kind != publishv1.KindPost && a.Kind != publishv1.KindReply {
		return Result{}, false, ErrCannotFind
	}
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	q := url.Values{"idempotency_key": {a.Key}, "kind": {string(a.Kind)}}
	req, err := jsonRequest(http.MethodGet, base+"/api/v1/publications?"+q.Encode(), nil)
	if err != nil {
		return Result{}, false, err
	}
	s.authorize(req, acct, "")
	body, err := s.call(ctx, req, parseSandboxError)
	var ne *NetworkError
	switch {
	case errors.As(err, &ne) && ne.Status == http.StatusNotFound:
		return Result{}, false, nil
	case err != nil:
		return Result{}, false, err
	}
	var it sandboxItem
	if err := decodeBody(body, &it); err != nil {
		return Result{}, false, err
	}
	return Result{PlatformID: it.ID, URL: it.URL}, true, nil
}

func (s *Sandbox) authorize(req *http.Request, acct Account, key string) {
	if acct.Token != "" {
		req.Header.Set("Authorization", "Bearer "+acct.Token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
}

// parseSandboxError reads the sandbox's error body {"error","code"}.
func parseSandboxError(body []byte) (code, reason string) {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	return e.Code, e.Error
}

// PostCounts implements MetricsReader: GET /api/v1/metrics?ids= (100 ids
// a request); the sandbox gives every count.
func (s *Sandbox) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	out := map[string]Counts{}
	for _, part := range chunks(ids, 100) {
		var page struct {
			Metrics []struct {
				ID                                           string
				Impressions, Likes, Comments, Shares, Clicks int64
			} `json:"metrics"`
		}
		u := base + "/api/v1/metrics?" + url.Values{"ids": {strings.Join(part, ",")}}.Encode()
		if err := s.getJSON(ctx, u, func(r *http.Request) { s.authorize(r, acct, "") }, parseSandboxError, &page); err != nil {
			return nil, err
		}
		for _, m := range page.Metrics {
			out[m.ID] = Counts{Impressions: count(m.Impressions), Reactions: count(m.Likes), Comments: count(m.Comments),
				Shares: count(m.Shares), Clicks: count(m.Clicks)}
		}
	}
	return out, nil
}

// Audience implements MetricsReader: the account's followers_count (the
// sandbox's account is named by the handle, else the brand).
func (s *Sandbox) Audience(ctx context.Context, acct Account) (Audience, error) {
	name := acct.Handle
	if name == "" {
		name = acct.Brand
	}
	var u struct {
		FollowersCount int64 `json:"followers_count"`
	}
	err := s.getJSON(ctx, strings.TrimRight(acct.Settings[SettingURL], "/")+"/api/v1/accounts/"+url.PathEscape(name),
		func(r *http.Request) { s.authorize(r, acct, "") }, parseSandboxError, &u)
	return Audience{Followers: u.FollowersCount}, err
}
