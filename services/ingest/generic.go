package ingest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>" keyed
// with the source's secret.
const SignatureHeader = "X-Ruche-Signature"

// GenericNetwork is the name of the generic signed webhook, and the network
// of its items when the payload does not name one.
const GenericNetwork = "generic"

// GenericSecret names the source secret that signs generic deliveries.
const GenericSecret = "secret"

// Generic is the generic signed webhook: any system that can POST one JSON
// interaction signed with HMAC-SHA256 (Zapier, a CMS, a forum plug-in).
type Generic struct{}

// RequiredSecrets implements Webhook.
func (Generic) RequiredSecrets() []string { return []string{GenericSecret} }

// Name implements Webhook.
func (Generic) Name() string { return GenericNetwork }

// Challenge implements Webhook: the generic webhook has no handshake.
func (Generic) Challenge(url.Values, Source) ([]byte, string, error) { return nil, "", ErrBadChallenge }

// Verify implements Webhook.
func (Generic) Verify(h http.Header, body []byte, src Source) error {
	if !VerifySignature(src.Secret(GenericSecret), body, h.Get(SignatureHeader)) {
		return ErrBadSignature
	}
	return nil
}

// Parse implements Webhook: one item per delivery, malformed is a 400.
func (Generic) Parse(body []byte, src Source, now time.Time) (Delivery, error) {
	r, err := ParseGeneric(body, src, now)
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Items: []v1.Received{r}}, nil
}

// GenericItem is the body of the generic signed webhook: one interaction.
type GenericItem struct {
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
	// CreatedAt is RFC 3339 and required: with the id it identifies the
	// item, so that a redelivery is stored once.
	CreatedAt *time.Time `json:"created_at"`
}

// VerifySignature checks header against the HMAC-SHA256 of body with secret,
// in constant time. header is "sha256=<hex>" (a bare hex digest is accepted).
func VerifySignature(secret, body []byte, header string) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(header), "sha256="))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the signature header value of body for secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ParseGeneric decodes a generic webhook body strictly into an interaction of
// src's brand; errors name the offending field.
func ParseGeneric(body []byte, src Source, now time.Time) (v1.Received, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var it GenericItem
	if err := dec.Decode(&it); err != nil {
		return v1.Received{}, describeJSONError(err)
	}
	if dec.More() {
		return v1.Received{}, httpx.BadRequest("body", "expected one JSON object")
	}
	network := it.Network
	if network == "" {
		network = GenericNetwork
	}
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
		field, msg := splitValidation(err)
		if field == "platform_id" || field == "id" {
			field = "id"
		}
		return v1.Received{}, httpx.BadRequest(field, "%s", msg)
	}
	return r, nil
}

func describeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return httpx.BadRequest("body", "malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		return httpx.BadRequest(te.Field, "must be a %s, got %s", te.Type, te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return httpx.BadRequest("body", "empty or truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return httpx.BadRequest(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	}
	return httpx.BadRequest("body", "%v", err)
}

// splitValidation turns "invalid interaction: author.id is required" into
// ("author.id", "author.id is required").
func splitValidation(err error) (field, msg string) {
	msg = strings.TrimPrefix(err.Error(), v1.ErrInvalid.Error()+": ")
	field, _, _ = strings.Cut(msg, " ")
	return field, msg
}
