package moderation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/webhook"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// CrisisWebhooksBucket holds each brand's crisis webhook (URL and signing
// secret) under its brand.
const CrisisWebhooksBucket = "moderation_crisis_webhooks"

// Webhook headers. The signature is Stripe's scheme: "t=<Unix seconds>,
// v1=<hex HMAC-SHA256 of "<t>.<body>" with the brand's secret>"; a receiver
// recomputes it and refuses a timestamp older than a few minutes.
const (
	HeaderWebhookSignature = "Ruche-Signature"
	HeaderWebhookEvent     = "Ruche-Event"
	HeaderWebhookDelivery  = "Ruche-Delivery"
)

// Webhook delivery: attempts spaced by a doubling backoff from
// webhookBackoff (capped at a minute), each bounded by the client's timeout;
// webhookQueue deliveries wait at most (more are dropped and counted).
const (
	webhookAttempts = 6
	webhookBackoff  = 2 * time.Second
	webhookQueue    = 256
	webhookWorkers  = 2
)

// WebhookPayload is the body POSTed to a brand's crisis webhook.
type WebhookPayload struct {
	// Event is crisis.detected.v1 or crisis.resolved.v1.
	Event  string       `json:"event"`
	Crisis query.Crisis `json:"crisis"`
}

// SignWebhook is the Ruche-Signature header of body sent at t
// (pkg/webhook's scheme, shared with the brands' outbound webhooks).
func SignWebhook(secret string, t time.Time, body []byte) string {
	return webhook.Sign(secret, t, body)
}

// storedWebhook is a brand's webhook in KV. The signing secret is sealed
// with pkg/secret (the brand as associated data), as publishing seals
// account tokens; Secret holds it in the clear in memory only.
type storedWebhook struct {
	URL    string `json:"url"`
	Sealed []byte `json:"sealed_secret,omitempty"`
	// Legacy is the plaintext secret of a record written before sealing:
	// openWebhooks seals it.
	Legacy    string    `json:"secret,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Secret    string    `json:"-"`
}

// webhookAD binds a sealed secret to its brand: a record copied under
// another brand does not open.
func webhookAD(brand string) []byte { return []byte("moderation/crisis-webhook/" + brand) }

type delivery struct {
	brand, event string
	crisis       query.Crisis
}

// webhooks stores brands' crisis webhooks and sends to them from a bounded
// queue, so that moderation never waits for a receiver.
type webhooks struct {
	kv      jetstream.KeyValue
	box     *secret.Box
	client  *http.Client
	log     *slog.Logger
	metrics *crisisMetrics
	now     func() time.Time
	queue   chan delivery
	backoff time.Duration
}

func openWebhooks(ctx context.Context, js jetstream.JetStream, replicas int, box *secret.Box, client *http.Client, log *slog.Logger, m *crisisMetrics, now func() time.Time) (*webhooks, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CrisisWebhooksBucket, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: crisis webhook per brand",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CrisisWebhooksBucket, err)
	}
	w := &webhooks{kv: kv, box: box, client: client, log: log, metrics: m, now: now, queue: make(chan delivery, webhookQueue), backoff: webhookBackoff}
	return w, w.sealLegacy(ctx)
}

// sealLegacy seals the secrets that records written before sealing hold in
// the clear (each with a compare-and-set: a concurrent change wins, and is
// sealed by its writer).
func (w *webhooks) sealLegacy(ctx context.Context) error {
	lister, err := w.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list crisis webhooks: %w", err)
	}
	for brand := range lister.Keys() {
		hook, rev, err := w.read(ctx, brand)
		if err != nil || rev == 0 || len(hook.Sealed) > 0 {
			continue // unreadable records are reported when used
		}
		if err := w.write(ctx, brand, hook, rev); err != nil && !errors.Is(err, ErrConflict) {
			_ = lister.Stop()
			return err
		}
		w.log.Info("crisis webhook secret sealed", "brand", brand)
	}
	return nil
}

// write stores hook (its secret sealed) with a compare-and-set on rev (0:
// create).
func (w *webhooks) write(ctx context.Context, brand string, hook storedWebhook, rev uint64) error {
	hook.Sealed, hook.Legacy = w.box.Seal([]byte(hook.Secret), webhookAD(brand)), ""
	body, err := json.Marshal(hook)
	if err != nil {
		return err
	}
	if rev == 0 {
		_, err = w.kv.Create(ctx, brand, body)
	} else {
		_, err = w.kv.Update(ctx, brand, body, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
		return fmt.Errorf("%w: the crisis webhook of %s changed meanwhile", ErrConflict, brand)
	}
	if err != nil {
		return fmt.Errorf("save crisis webhook of %s: %w", brand, err)
	}
	return nil
}

func (w *webhooks) read(ctx context.Context, brand string) (storedWebhook, uint64, error) {
	var s storedWebhook
	e, err := w.kv.Get(ctx, brand)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return s, 0, nil
	}
	if err != nil {
		return s, 0, fmt.Errorf("read crisis webhook of %s: %w", brand, err)
	}
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return s, 0, fmt.Errorf("decode crisis webhook of %s: %w", brand, err)
	}
	s.Secret = s.Legacy
	if len(s.Sealed) > 0 {
		plain, err := w.box.Open(s.Sealed, webhookAD(brand))
		if err != nil {
			return s, 0, fmt.Errorf("open the crisis webhook secret of %s (was secret.key changed?): %w", brand, err)
		}
		s.Secret = string(plain)
	}
	return s, e.Revision(), nil
}

func (w *webhooks) get(ctx context.Context, brand string) (query.CrisisWebhook, error) {
	s, rev, err := w.read(ctx, brand)
	if err != nil {
		return query.CrisisWebhook{}, err
	}
	if rev == 0 {
		return query.CrisisWebhook{}, fmt.Errorf("%w: brand %s has no crisis webhook", ErrNotFound, brand)
	}
	return query.CrisisWebhook{Brand: brand, URL: s.URL, UpdatedBy: s.UpdatedBy, UpdatedAt: s.UpdatedAt}, nil
}

// checkWebhookURL accepts an absolute http(s) URL without credentials; the
// address it resolves to is checked when sending (pkg/netguard).
func checkWebhookURL(raw string) error {
	bad := func(msg string) error { return &policy.FieldError{Rule: -1, Field: "url", Msg: msg} }
	if len(raw) > 2048 {
		return bad("is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return bad("must name a host")
	case u.User != nil:
		return bad("must not carry credentials")
	case u.Fragment != "":
		return bad("must not carry a fragment")
	}
	return nil
}

// put sets, rotates or removes a brand's webhook. The secret is in the
// answer only when this call drew it.
func (w *webhooks) put(ctx context.Context, in query.PutCrisisWebhookRequest) (query.CrisisWebhook, error) {
	out := query.CrisisWebhook{Brand: in.Brand}
	if in.URL == "" {
		if in.RotateSecret {
			return out, &policy.FieldError{Rule: -1, Field: "rotate_secret", Msg: "needs the webhook's url"}
		}
		if err := w.kv.Delete(ctx, in.Brand); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return out, fmt.Errorf("remove crisis webhook of %s: %w", in.Brand, err)
		}
		return out, nil
	}
	if err := checkWebhookURL(in.URL); err != nil {
		return out, err
	}
	cur, rev, err := w.read(ctx, in.Brand)
	if err != nil {
		return out, err
	}
	next := storedWebhook{URL: in.URL, Secret: cur.Secret, UpdatedBy: in.UpdatedBy, UpdatedAt: w.now().UTC()}
	drawn := rev == 0 || in.RotateSecret || cur.Secret == ""
	if drawn {
		next.Secret = webhook.NewSecret()
	}
	if err := w.write(ctx, in.Brand, next, rev); err != nil {
		return out, err
	}
	out.URL, out.UpdatedBy, out.UpdatedAt = next.URL, next.UpdatedBy, next.UpdatedAt
	if drawn {
		out.Secret = next.Secret
	}
	return out, nil
}

// enqueue hands a delivery to the senders; a full queue drops it (counted
// and logged) rather than slowing moderation.
func (w *webhooks) enqueue(brand, event string, c query.Crisis) {
	select {
	case w.queue <- delivery{brand: brand, event: event, crisis: c}:
	default:
		w.metrics.webhooks.WithLabelValues("dropped").Inc()
		w.log.Warn("crisis webhook queue full, notification dropped", "brand", brand, "event", event, "crisis_id", c.ID)
	}
}

// run sends queued deliveries until ctx is done.
func (w *webhooks) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range webhookWorkers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case d := <-w.queue:
					w.deliver(ctx, d)
				}
			}
		})
	}
	wg.Wait()
}

// deliver POSTs one notification, retrying network errors, 408, 429 and
// 5xx with a doubling backoff; the webhook is read again at each attempt
// (a removed or changed one applies at once).
func (w *webhooks) deliver(ctx context.Context, d delivery) {
	body, err := json.Marshal(WebhookPayload{Event: d.event, Crisis: d.crisis})
	if err != nil {
		w.log.Error("encode crisis webhook", "error", err)
		return
	}
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		hook, rev, err := w.read(ctx, d.brand)
		if err == nil && rev == 0 {
			return // no webhook (or removed meanwhile)
		}
		retry := true
		if err == nil {
			retry, err = w.send(ctx, hook, d, body)
			if err == nil {
				w.metrics.webhooks.WithLabelValues("ok").Inc()
				return
			}
		}
		if !retry || attempt == webhookAttempts {
			w.metrics.webhooks.WithLabelValues("failed").Inc()
			w.log.Warn("crisis webhook failed", "brand", d.brand, "event", d.event, "crisis_id", d.crisis.ID, "attempts", attempt, "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// send makes one attempt; retry says whether another may succeed.
func (w *webhooks) send(ctx context.Context, hook storedWebhook, d delivery, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ruche-Webhooks/1")
	req.Header.Set(HeaderWebhookEvent, d.event)
	req.Header.Set(HeaderWebhookDelivery, d.event+":"+d.crisis.ID)
	req.Header.Set(HeaderWebhookSignature, SignWebhook(hook.Secret, w.now(), body))
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // the URL may hold a token: name its host only
			err = fmt.Errorf("post to %s: %w", req.URL.Host, ue.Err)
		}
		return true, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return false, fmt.Errorf("webhook answered %s", resp.Status)
}
