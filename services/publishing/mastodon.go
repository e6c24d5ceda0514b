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

// Mastodon publishes statuses on a Mastodon instance (account setting
// "url", token: an access token with write:statuses). Posts and replies
// (in_reply_to_id) carry an Idempotency-Key, which Mastodon keeps for an
// hour; deletes are DELETE /api/v1/statuses/:id. Mastodon has no native
// hide for replies to the brand's statuses, and no lookup by idempotency
// key: within the hour, sending again with the same key returns the same
// status; after it, a lost answer is reported as unverifiable.
type Mastodon struct{ endpoint }

// NewMastodon returns the Mastodon connector.
func NewMastodon(client *http.Client) *Mastodon { return &Mastodon{newEndpoint(client)} }

// Name implements Network.
func (*Mastodon) Name() string { return "mastodon" }

type mastodonStatus struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Do implements Network.
func (m *Mastodon) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	var (
		req *http.Request
		err error
	)
	switch a.Kind {
	case publishv1.KindPost, publishv1.KindReply:
		body := map[string]string{"status": a.Text, "visibility": "public"}
		if a.Lang != "" {
			body["language"] = a.Lang
		}
		if a.Kind == publishv1.KindReply {
			body["in_reply_to_id"] = statusID(a.TargetID)
		}
		req, err = jsonRequest(http.MethodPost, base+"/api/v1/statuses", body)
	case publishv1.KindDelete:
		req, err = jsonRequest(http.MethodDelete, base+"/api/v1/statuses/"+url.PathEscape(statusID(a.TargetID)), nil)
	default:
		return Result{}, Unsupported("mastodon", a.Kind,
			"Mastodon has no native hide for replies to the brand's statuses (mute, block or report the author instead)")
	}
	if err != nil {
		return Result{}, err
	}
	if acct.Token != "" {
		req.Header.Set("Authorization", "Bearer "+acct.Token)
	}
	if a.Kind != publishv1.KindDelete {
		req.Header.Set("Idempotency-Key", a.Key)
	}
	body, err := m.call(ctx, req, ParseMastodonError)
	if goneAfterRetry(a, err, func(ne *NetworkError) bool { return ne.Status == http.StatusNotFound }) {
		return Result{PlatformID: a.TargetID}, nil
	}
	if err != nil {
		return Result{}, err
	}
	var st mastodonStatus
	if err := decodeBody(body, &st); err != nil {
		return Result{}, err
	}
	if st.ID == "" {
		return Result{}, &NetworkError{Code: "bad_response", Reason: "the status has no id"}
	}
	return Result{PlatformID: st.ID, URL: st.URL}, nil
}

// statusID is a status's id on its instance: ingest's platform ids carry
// the server ("piaille.fr/1098").
func statusID(platformID string) string {
	return platformID[strings.LastIndexByte(platformID, '/')+1:]
}

// Find implements Network: Mastodon cannot look a status up by key.
func (*Mastodon) Find(context.Context, Account, Action) (Result, bool, error) {
	return Result{}, false, ErrCannotFind
}

// ParseMastodonError reads Mastodon's error body: {"error": "...",
// "error_description": "..."} (OAuth errors carry both).
func ParseMastodonError(body []byte) (code, reason string) {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	if e.Description != "" {
		return e.Error, e.Description
	}
	return "", e.Error
}

func (m *Mastodon) authorize(acct Account) func(*http.Request) {
	return func(r *http.Request) {
		if acct.Token != "" {
			r.Header.Set("Authorization", "Bearer "+acct.Token)
		}
	}
}

// PostCounts implements MetricsReader: GET /api/v1/statuses/:id, one
// status a request (favourites_count, replies_count, reblogs_count);
// Mastodon counts no impressions or clicks. A 404 is a deleted status.
func (m *Mastodon) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	out := map[string]Counts{}
	for _, id := range ids {
		var st struct {
			Replies    int64 `json:"replies_count"`
			Reblogs    int64 `json:"reblogs_count"`
			Favourites int64 `json:"favourites_count"`
		}
		err := m.getJSON(ctx, base+"/api/v1/statuses/"+url.PathEscape(statusID(id)), m.authorize(acct), ParseMastodonError, &st)
		var ne *NetworkError
		switch {
		case errors.As(err, &ne) && ne.Status == http.StatusNotFound:
			continue
		case err != nil:
			return nil, err
		}
		out[id] = Counts{Reactions: count(st.Favourites), Comments: count(st.Replies), Shares: count(st.Reblogs)}
	}
	return out, nil
}

// Audience implements MetricsReader: GET /api/v1/accounts/verify_credentials
// (the token's own account).
func (m *Mastodon) Audience(ctx context.Context, acct Account) (Audience, error) {
	var a struct {
		Followers int64 `json:"followers_count"`
		Following int64 `json:"following_count"`
	}
	err := m.getJSON(ctx, strings.TrimRight(acct.Settings[SettingURL], "/")+"/api/v1/accounts/verify_credentials", m.authorize(acct), ParseMastodonError, &a)
	return Audience{Followers: a.Followers, Following: a.Following}, err
}
