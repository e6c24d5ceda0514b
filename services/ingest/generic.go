package ingest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>" keyed
// with the source's secret.
const SignatureHeader = "X-Ruche-Signature"

// GenericNetwork is the network name of items from the generic webhook when
// the payload does not name one.
const GenericNetwork = "generic"

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
	// CreatedAt is RFC 3339; it defaults to the time of receipt.
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
	created := now
	if it.CreatedAt != nil {
		created = it.CreatedAt.UTC()
	}
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

// webhookResponse is the body of a 202.
type webhookResponse struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate"`
}

func (s *Service) handleGeneric(c echo.Context) error {
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return httpx.BadRequest("body", "cannot read body: %v", err)
	}
	src, err := s.sources.Get(ctx, c.Param("source"))
	if errors.Is(err, ErrSourceNotFound) {
		s.metrics.webhooks.WithLabelValues("unauthorized").Inc()
		// Same answer as a bad signature: source ids are not to be probed.
		return httpx.Unauthorized("unknown source or bad signature")
	}
	if err != nil {
		return fmt.Errorf("webhook source: %w", err)
	}
	if !VerifySignature(src.Secret, body, c.Request().Header.Get(SignatureHeader)) {
		s.metrics.webhooks.WithLabelValues("unauthorized").Inc()
		s.log.WarnContext(ctx, "webhook signature rejected", "source", src.ID, "brand", src.Brand)
		return httpx.Unauthorized("unknown source or bad signature")
	}
	r, err := ParseGeneric(body, src, s.now().UTC())
	if err != nil {
		s.metrics.webhooks.WithLabelValues("bad_request").Inc()
		return err
	}
	env, err := events.NewEnvelope(r, r.ID, r.Brand, r.ReceivedAt)
	if err != nil {
		return err
	}
	p, err := s.pub.PublishEvent(ctx, r, env)
	if err != nil {
		s.metrics.webhooks.WithLabelValues("unavailable").Inc()
		s.log.ErrorContext(ctx, "publish interaction", "event_id", r.ID, "error", err)
		return httpx.Unavailable("the event bus is unavailable, retry later")
	}
	outcome := "accepted"
	if p.Duplicate {
		outcome = "duplicate"
	}
	s.metrics.webhooks.WithLabelValues(outcome).Inc()
	return c.JSON(http.StatusAccepted, webhookResponse{ID: r.ID, Duplicate: p.Duplicate})
}
