// Package generic is the generic signed webhook: any system that can POST one
// JSON interaction signed with HMAC-SHA256.
package generic

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>" keyed
// with the source's secret.
const SignatureHeader = "X-Ruche-Signature"

// GenericNetwork is the name of the generic signed webhook, and the network
// of its items when the payload does not name one.
const Network = "generic"

// GenericSecret names the source secret that signs generic deliveries.
const Secret = "secret"

// Webhook is the generic signed webhook: any system that can POST one JSON
// interaction signed with HMAC-SHA256 (Zapier, a CMS, a forum plug-in).
type Webhook struct{}

// RequiredSecrets implements connector.Webhook.
func (Webhook) RequiredSecrets() []string { return []string{Secret} }

// Name implements connector.Webhook.
func (Webhook) Name() string { return Network }

// Challenge implements connector.Webhook: the generic webhook has no handshake.
func (Webhook) Challenge(url.Values, connector.Source) ([]byte, string, error) {
	return nil, "", connector.ErrBadChallenge
}

// Verify implements connector.Webhook.
func (Webhook) Verify(h http.Header, body []byte, src connector.Source) error {
	if !connector.VerifySignature(src.Secret(Secret), body, h.Get(SignatureHeader)) {
		return connector.ErrBadSignature
	}
	return nil
}

// Parse implements connector.Webhook: one item per delivery, malformed is a 400.
func (Webhook) Parse(body []byte, src connector.Source, now time.Time) (connector.Delivery, error) {
	return ParseDelivery(body, src, now)
}

// Item is the body of the generic signed webhook: one interaction.
type Item struct {
	ID       string     `json:"id"`
	Network  string     `json:"network"`
	Account  string     `json:"account"`
	Kind     v1.Kind    `json:"kind"`
	ThreadID string     `json:"thread_id"`
	ParentID string     `json:"parent_id"`
	Author   v1.Author  `json:"author"`
	Text     string     `json:"text"`
	Lang     string     `json:"lang"`
	URL      string     `json:"url"`
	Media    []v1.Media `json:"media"`
	// CreatedAt is RFC 3339 and required of a new item: with the id it
	// identifies the item, so that a redelivery is stored once.
	CreatedAt *Timestamp `json:"created_at"`
	// Action is "" or "created" for a new item, "edited" for a new text of
	// an item already sent (also implied by EditedAt), "deleted" for an item
	// deleted at the source.
	Action string `json:"action"`
	// EditedAt and DeletedAt are RFC 3339, optional: the time of delivery
	// when absent.
	EditedAt  *EditedAt  `json:"edited_at"`
	DeletedAt *DeletedAt `json:"deleted_at"`
	// Reason says why an item was deleted (optional).
	Reason string `json:"reason"`
}

// Actions of a generic delivery.
const (
	ActionCreated = "created"
	ActionEdited  = "edited"
	ActionDeleted = "deleted"
)

// Timestamp is an RFC 3339 time string. Its decoder refuses any other JSON
// value with a createdAtError, so the answer names created_at whatever the
// encoding/json implementation (v1 and v2 report a time.Time's own error
// differently, and without the field).
type Timestamp struct{ time.Time }

// createdAtError is a time field (created_at unless named) that is not a
// JSON string.
type createdAtError struct{ field, got string }

func (e createdAtError) Error() string { return "must be a JSON string, got " + e.got }

// EditedAt and DeletedAt are Timestamps whose errors name their field.
type (
	EditedAt  struct{ Timestamp }
	DeletedAt struct{ Timestamp }
)

// UnmarshalJSON implements json.Unmarshaler.
func (t *EditedAt) UnmarshalJSON(b []byte) error { return t.decode(b, "edited_at") }

// UnmarshalJSON implements json.Unmarshaler.
func (t *DeletedAt) UnmarshalJSON(b []byte) error { return t.decode(b, "deleted_at") }

// or is the time given, now when the field is absent.
func (t *EditedAt) or(now time.Time) time.Time {
	if t == nil {
		return now
	}
	return t.UTC()
}

// or is the time given, now when the field is absent.
func (t *DeletedAt) or(now time.Time) time.Time {
	if t == nil {
		return now
	}
	return t.UTC()
}

func (t *Timestamp) decode(b []byte, field string) error {
	err := t.UnmarshalJSON(b)
	if ce, ok := err.(createdAtError); ok {
		ce.field = field
		return ce
	}
	return err
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return createdAtError{got: jsonValueKind(b)}
	}
	return t.Time.UnmarshalJSON(b)
}

// jsonValueKind names the JSON value b starts with.
func jsonValueKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}

// ParseDelivery decodes a generic webhook body strictly into a new
// interaction, an edit or a deletion of src's brand; errors name the
// offending field.
func ParseDelivery(body []byte, src connector.Source, now time.Time) (connector.Delivery, error) {
	it, err := decodeItem(body)
	if err != nil {
		return connector.Delivery{}, err
	}
	network := networkOf(it)
	id := v1.InteractionID(network, it.ID)
	if it.ID == "" && (it.Action == ActionEdited || it.Action == ActionDeleted || it.EditedAt != nil) {
		return connector.Delivery{}, httpx.BadRequest("id", "is required")
	}
	switch {
	case it.Action == ActionDeleted:
		d := v1.Deleted{ID: v1.DeletedID(id), InteractionID: id, Brand: src.Brand, Network: network,
			DeletedAt: it.DeletedAt.or(now), ReceivedAt: now, Source: v1.SourceWebhook, SourceID: src.ID, Reason: it.Reason}
		if err := d.Validate(); err != nil {
			return connector.Delivery{}, badItem(err)
		}
		return connector.Delivery{Deletions: []v1.Deleted{d}}, nil
	case it.Action == ActionEdited || it.Action == "" && it.EditedAt != nil:
		u := v1.Updated{ID: v1.UpdatedID(id, it.Text), InteractionID: id, Brand: src.Brand, Network: network,
			Text: it.Text, Lang: it.Lang, EditedAt: it.EditedAt.or(now), ReceivedAt: now, Source: v1.SourceWebhook, SourceID: src.ID}
		if err := u.Validate(); err != nil {
			return connector.Delivery{}, badItem(err)
		}
		return connector.Delivery{Updates: []v1.Updated{u}}, nil
	case it.Action != "" && it.Action != ActionCreated:
		return connector.Delivery{}, httpx.BadRequest("action", "must be %q, %q or %q, got %q", ActionCreated, ActionEdited, ActionDeleted, it.Action)
	}
	r, err := received(it, network, src, now)
	if err != nil {
		return connector.Delivery{}, err
	}
	return connector.Delivery{Items: []v1.Received{r}}, nil
}

// networkOf is the item's network, Network when it names none.
func networkOf(it Item) string {
	if it.Network == "" {
		return Network
	}
	return it.Network
}

// ParseItem decodes a generic webhook body strictly into a new interaction
// of src's brand; errors name the offending field.
func ParseItem(body []byte, src connector.Source, now time.Time) (v1.Received, error) {
	it, err := decodeItem(body)
	if err != nil {
		return v1.Received{}, err
	}
	network := networkOf(it)
	return received(it, network, src, now)
}

func decodeItem(body []byte) (Item, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var it Item
	if err := dec.Decode(&it); err != nil {
		var ce createdAtError
		if errors.As(err, &ce) {
			return Item{}, httpx.BadRequest(cmp.Or(ce.field, "created_at"), "%s", ce.Error())
		}
		return Item{}, connector.DescribeJSONError(err)
	}
	if dec.More() {
		return Item{}, httpx.BadRequest("body", "expected one JSON object")
	}
	return it, nil
}

func received(it Item, network string, src connector.Source, now time.Time) (v1.Received, error) {
	if it.CreatedAt == nil {
		return v1.Received{}, httpx.BadRequest("created_at", "is required (RFC 3339, e.g. 2026-11-23T09:30:00Z)")
	}
	created := it.CreatedAt.UTC()
	r := v1.Received{
		ID: v1.InteractionID(network, it.ID), Brand: src.Brand, Network: network, Account: it.Account,
		Kind: it.Kind, PlatformID: it.ID, ThreadID: it.ThreadID, ParentID: it.ParentID, Author: it.Author,
		Text: it.Text, Lang: it.Lang, URL: it.URL, Media: it.Media, CreatedAt: created, ReceivedAt: now,
		Source: v1.SourceWebhook, SourceID: src.ID,
	}
	if r.Kind == "" {
		r.Kind = v1.KindComment
	}
	if err := r.Validate(); err != nil {
		return v1.Received{}, badItem(err)
	}
	return r, nil
}

// badItem is the 400 of an item that does not validate, naming the field
// as the sender wrote it.
func badItem(err error) error {
	field, msg := splitValidation(err)
	if field == "platform_id" || field == "interaction_id" {
		field = "id"
	}
	return httpx.BadRequest(field, "%s", msg)
}

// splitValidation turns "invalid interaction: author.id is required" into
// ("author.id", "author.id is required").
func splitValidation(err error) (field, msg string) {
	msg = strings.TrimPrefix(err.Error(), v1.ErrInvalid.Error()+": ")
	field, _, _ = strings.Cut(msg, " ")
	return field, msg
}
