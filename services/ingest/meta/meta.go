// Package meta receives Facebook Page and Instagram comments and mentions
// through Meta's Webhooks.
package meta

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Meta source secrets: the app secret signs deliveries; the verify token is
// the one typed in the app's webhook settings.
const (
	AppSecret   = "app_secret"
	VerifyToken = "verify_token"
	// MetaSignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>".
	SignatureHeader = "X-Hub-Signature-256"
)

// Webhook receives Facebook Page feed comments and Instagram comments and
// mentions through Meta's Webhooks (Graph API).
type Webhook struct{}

// RequiredSecrets implements connector.Webhook.
func (Webhook) RequiredSecrets() []string { return []string{AppSecret, VerifyToken} }

// Name implements connector.Webhook.
func (Webhook) Name() string { return "meta" }

// Challenge implements connector.Webhook: Meta's verification request
// (hub.mode=subscribe, hub.verify_token, hub.challenge) is answered with the
// challenge when the token matches.
func (Webhook) Challenge(q url.Values, src connector.Source) ([]byte, string, error) {
	token := src.Secret(VerifyToken)
	if q.Get("hub.mode") != "subscribe" || len(token) == 0 ||
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), token) != 1 || q.Get("hub.challenge") == "" {
		return nil, "", connector.ErrBadChallenge
	}
	return []byte(q.Get("hub.challenge")), "text/plain; charset=utf-8", nil
}

// Verify implements connector.Webhook: X-Hub-Signature-256 is the hex HMAC-SHA256 of
// the raw body keyed with the app secret.
func (Webhook) Verify(h http.Header, body []byte, src connector.Source) error {
	secret := src.Secret(AppSecret)
	if len(secret) == 0 || !connector.VerifySignature(secret, body, h.Get(SignatureHeader)) {
		return connector.ErrBadSignature
	}
	return nil
}

type metaDelivery struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string          `json:"id"`
		Time    int64           `json:"time"`
		Changes []metaChange    `json:"changes"`
		Raw     json.RawMessage `json:"-"`
	} `json:"entry"`
}

type metaChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// metaFeedValue is a Page "feed" change.
type metaFeedValue struct {
	Item        string `json:"item"`
	Verb        string `json:"verb"`
	CommentID   string `json:"comment_id"`
	PostID      string `json:"post_id"`
	ParentID    string `json:"parent_id"`
	Message     string `json:"message"`
	CreatedTime int64  `json:"created_time"`
	From        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

// metaIGComment is an Instagram "comments" change; "mentions" changes carry
// only media_id and comment_id.
type metaIGComment struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	ParentID string `json:"parent_id"`
	From     struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	Media struct {
		ID string `json:"id"`
	} `json:"media"`
	MediaID   string `json:"media_id"`
	CommentID string `json:"comment_id"`
}

// Parse implements connector.Webhook. Changes that are not interactions
// (reactions, the page's own comments) are ignored; unreadable ones are
// skipped with their reason. A Page comment's "edited" change is the
// comment (published if it was never received) and an edit of it; a
// "remove" change is a deletion.
func (Webhook) Parse(body []byte, src connector.Source, now time.Time) (connector.Delivery, error) {
	var d metaDelivery
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&d); err != nil {
		return connector.Delivery{}, connector.DescribeJSONError(err)
	}
	network := map[string]string{"page": "facebook", "instagram": "instagram"}[d.Object]
	if network == "" {
		return connector.Delivery{}, httpx.BadRequest("object", "must be page or instagram, got %q", d.Object)
	}
	var out connector.Delivery
	index := -1
	for _, e := range d.Entry {
		for _, ch := range e.Changes {
			index++
			var r v1.Received
			var keep bool
			var err error
			var verb string
			switch {
			case network == "facebook" && ch.Field == "feed":
				r, verb, keep, err = metaFeed(ch.Value, e.ID)
			case network == "instagram" && (ch.Field == "comments" || ch.Field == "mentions"):
				r, keep, err = metaInstagram(ch.Field, ch.Value, e.ID, e.Time, now)
			}
			if err != nil {
				out.Skipped = append(out.Skipped, connector.Skipped{Index: index, Reason: err.Error()})
				continue
			}
			if !keep {
				continue
			}
			r.Network, r.Brand, r.Account = network, src.Brand, e.ID
			r.ID = v1.InteractionID(network, r.PlatformID)
			r.ReceivedAt, r.Source, r.SourceID = now, v1.SourceWebhook, src.ID
			if verb == "remove" {
				d := v1.Deleted{ID: v1.DeletedID(r.ID), InteractionID: r.ID, Brand: src.Brand, Network: network,
					DeletedAt: at(e.Time, now), ReceivedAt: now, Source: v1.SourceWebhook, SourceID: src.ID}
				if err := d.Validate(); err != nil {
					out.Skipped = append(out.Skipped, connector.Skipped{Index: index, Reason: err.Error()})
					continue
				}
				out.Deletions = append(out.Deletions, d)
				continue
			}
			if r.CreatedAt.IsZero() {
				r.CreatedAt = now
			}
			if err := r.Validate(); err != nil {
				out.Skipped = append(out.Skipped, connector.Skipped{Index: index, Reason: err.Error()})
				continue
			}
			out.Items = append(out.Items, r)
			if verb == "edited" {
				out.Updates = append(out.Updates, v1.Updated{ID: v1.UpdatedID(r.ID, r.Text), InteractionID: r.ID, Brand: r.Brand,
					Network: network, Text: r.Text, EditedAt: at(e.Time, now), ReceivedAt: now, Source: v1.SourceWebhook, SourceID: src.ID})
			}
		}
	}
	return out, nil
}

// at is the time of an entry (Unix seconds), now when it has none.
func at(unix int64, now time.Time) time.Time {
	if unix <= 0 {
		return now
	}
	return time.Unix(unix, 0).UTC()
}

// metaFeed reads a Page comment change: its comment and its verb (add,
// edited, remove).
func metaFeed(raw json.RawMessage, pageID string) (v1.Received, string, bool, error) {
	var v metaFeedValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return v1.Received{}, "", false, fmt.Errorf("feed value: %w", err)
	}
	if v.Item != "comment" || (v.Verb != "add" && v.Verb != "edited" && v.Verb != "remove") || v.From.ID == pageID {
		return v1.Received{}, "", false, nil
	}
	r := v1.Received{
		Kind: v1.KindComment, PlatformID: v.CommentID, ThreadID: v.PostID, ParentID: v.ParentID,
		Author: v1.Author{ID: v.From.ID, DisplayName: v.From.Name}, Text: v.Message,
	}
	if v.ParentID != "" && v.ParentID != v.PostID {
		r.Kind = v1.KindReply
	}
	if v.CreatedTime > 0 {
		r.CreatedAt = time.Unix(v.CreatedTime, 0).UTC()
	}
	return r, v.Verb, true, nil
}

func metaInstagram(field string, raw json.RawMessage, accountID string, at int64, now time.Time) (v1.Received, bool, error) {
	var v metaIGComment
	if err := json.Unmarshal(raw, &v); err != nil {
		return v1.Received{}, false, fmt.Errorf("%s value: %w", field, err)
	}
	r := v1.Received{CreatedAt: now}
	if at > 0 {
		r.CreatedAt = time.Unix(at, 0).UTC()
	}
	if field == "mentions" {
		// The mention carries ids only; the text is fetched later.
		r.Kind, r.PlatformID, r.ThreadID = v1.KindMention, v.CommentID, v.MediaID
		if r.PlatformID == "" {
			r.PlatformID = "media-" + v.MediaID
		}
		r.Author = v1.Author{ID: "unknown"}
		return r, v.MediaID != "", nil
	}
	if v.From.ID == accountID {
		return v1.Received{}, false, nil
	}
	r.Kind, r.PlatformID, r.ThreadID, r.ParentID = v1.KindComment, v.ID, v.Media.ID, v.ParentID
	if v.ParentID != "" {
		r.Kind = v1.KindReply
	}
	r.Author = v1.Author{ID: v.From.ID, Handle: "@" + v.From.Username}
	if v.From.Username == "" {
		r.Author.Handle = ""
	}
	r.Text = v.Text
	return r, true, nil
}
