package publishing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"time"

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
		body := map[string]any{"status": a.Text, "visibility": "public"}
		if len(a.MediaRefs) > 0 {
			body["media_ids"] = a.MediaRefs
		}
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

type mastodonMedia struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// mediaPoll is how often a media still processing is asked about.
const mediaPoll = 250 * time.Millisecond

// UploadMedia implements MediaUploader: POST /api/v2/media (multipart
// "file" and "description", the alt text). 200 is a processed media; 202
// one still processing, asked about with GET /api/v1/media/:id (206 while
// processing) until it has a url, within ctx: a status may attach it only
// then. Mastodon keys no media upload: a retry after a lost answer may
// leave an unattached media, which the instance removes after a day.
func (m *Mastodon) UploadMedia(ctx context.Context, acct Account, f MediaFile, _ string) (string, error) {
	base := strings.TrimRight(acct.Settings[SettingURL], "/")
	req, err := multipartMedia(base+"/api/v2/media", f, "file", "description")
	if err != nil {
		return "", err
	}
	m.authorize(acct)(req)
	body, err := m.call(ctx, req, ParseMastodonError)
	if err != nil {
		return "", err
	}
	var md mastodonMedia
	if err := decodeBody(body, &md); err != nil {
		return "", err
	}
	if md.ID == "" {
		return "", &NetworkError{Code: "bad_response", Reason: "the media has no id"}
	}
	for md.URL == nil || *md.URL == "" {
		select {
		case <-ctx.Done():
			return "", &NetworkError{Code: "timeout", Reason: "media " + md.ID + " still processing: " + ctx.Err().Error()}
		case <-time.After(mediaPoll):
		}
		if err := m.getJSON(ctx, base+"/api/v1/media/"+url.PathEscape(md.ID), m.authorize(acct), ParseMastodonError, &md); err != nil {
			return "", err
		}
	}
	return md.ID, nil
}

// multipartMedia is a POST of f as a multipart form: the file in field
// fileField, its alt text in altField.
func multipartMedia(rawURL string, f MediaFile, fileField, altField string) (*http.Request, error) {
	return multipartPost(rawURL, [][2]string{{altField, f.AltText}}, fileField, mediaFilename(f), f.Type, f.Data)
}

// multipartPost is a POST of a multipart form: data as the file field
// fileField (named filename, of type contentType), then the fields.
func multipartPost(rawURL string, fields [][2]string, fileField, filename, contentType string, data []byte) (*http.Request, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, fileField, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	for _, f := range fields {
		if err == nil {
			err = w.WriteField(f[0], f[1])
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, rawURL, &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req, nil
}

// mediaFilename is the name a media is uploaded under: its URL's last
// segment, or its kind.
func mediaFilename(f MediaFile) string {
	if u, err := url.Parse(f.URL); err == nil {
		if name := path.Base(u.Path); name != "." && name != "/" {
			return name
		}
	}
	return f.Kind
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
