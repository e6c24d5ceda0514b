// Package generic is the generic signed webhook: any system that can POST one
// JSON interaction signed with HMAC-SHA256.
package generic

import (
	"bytes"
	"encoding/json"
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
	r, err := ParseItem(body, src, now)
	if err != nil {
		return connector.Delivery{}, err
	}
	return connector.Delivery{Items: []v1.Received{r}}, nil
}

// GenericItem is the body of the generic signed webhook: one interaction.
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
	// CreatedAt is RFC 3339 and required: with the id it identifies the
	// item, so that a redelivery is stored once.
	CreatedAt *time.Time `json:"created_at"`
}

// ParseGeneric decodes a generic webhook body strictly into an interaction of
// src's brand; errors name the offending field.
func ParseItem(body []byte, src connector.Source, now time.Time) (v1.Received, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var it Item
	if err := dec.Decode(&it); err != nil {
		return v1.Received{}, connector.DescribeJSONError(err)
	}
	if dec.More() {
		return v1.Received{}, httpx.BadRequest("body", "expected one JSON object")
	}
	network := it.Network
	if network == "" {
		network = Network
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

// splitValidation turns "invalid interaction: author.id is required" into
// ("author.id", "author.id is required").
func splitValidation(err error) (field, msg string) {
	msg = strings.TrimPrefix(err.Error(), v1.ErrInvalid.Error()+": ")
	field, _, _ = strings.Cut(msg, " ")
	return field, msg
}
