package webhooks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/webhook"
)

// Config of the deliveries.
type Config struct {
	// Timeout bounds one POST.
	Timeout time.Duration
	// Attempts before a delivery is failed for good.
	Attempts int
	// Backoff is the first wait after a failed attempt, doubled per attempt
	// up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

// DefaultConfig: 8 attempts over about two hours.
var DefaultConfig = Config{Timeout: 10 * time.Second, Attempts: 8, Backoff: 10 * time.Second, MaxBackoff: time.Hour}

// delivery is a log entry: the state shown, plus the body until it is
// delivered or failed (a body is not kept longer than it is needed).
type delivery struct {
	query.WebhookDelivery
	Brand string          `json:"brand"`
	Body  json.RawMessage `json:"body,omitempty"`
	// Lease: while an attempt runs, no other replica takes the delivery.
	Lease time.Time `json:"lease"`
}

// Payload is the body POSTed: the event as Ruche published it.
type Payload struct {
	// ID is the delivery's (also the Ruche-Delivery header): a receiver
	// that sees it twice had it already.
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	EventID    string          `json:"event_id"`
	Brand      string          `json:"brand"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// Dispatcher turns events into deliveries and sends them.
type Dispatcher struct {
	store      *Store
	deliveries jetstream.KeyValue
	due        jetstream.KeyValue
	client     *http.Client
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
}

// OpenDispatcher opens the delivery log; client must refuse internal
// addresses (pkg/netguard) unless the installation allows them.
func OpenDispatcher(ctx context.Context, js jetstream.JetStream, replicas int, store *Store, client *http.Client, cfg Config, log *slog.Logger) (*Dispatcher, error) {
	deliveries, err := openKV(ctx, js, DeliveriesBucket, replicas, DeliveryTTL, "outbound webhook deliveries (log)")
	if err != nil {
		return nil, err
	}
	due, err := openKV(ctx, js, DueBucket, replicas, DeliveryTTL, "outbound webhook deliveries to attempt")
	if err != nil {
		return nil, err
	}
	return &Dispatcher{store: store, deliveries: deliveries, due: due, client: client, cfg: cfg, log: log, now: store.now}, nil
}

// eventName is an event's name without its version ("draft.approved").
func eventName(e events.Event) string {
	n, err := events.ParseName(e.Name())
	if err != nil {
		return e.Name()
	}
	return n.Domain + "." + n.Event
}

func deliveryKey(brand, webhookID, eventID string) (key, id string) {
	h := sha256.Sum256([]byte(webhookID + "\x00" + eventID))
	id = "whd_" + hex.EncodeToString(h[:12])
	return brand + "." + webhookID + "." + id, id
}

// enqueue records one delivery per active webhook of the brand that takes
// the event; a delivery already recorded (a redelivered event) is kept.
func (d *Dispatcher) enqueue(ctx context.Context, e events.Event, env events.Envelope) error {
	name := eventName(e)
	hooks, err := d.store.stored(ctx, env.Brand)
	if err != nil {
		return err
	}
	var data []byte
	for _, w := range hooks {
		if !Wants(w.Webhook, name) {
			continue
		}
		if data == nil {
			if data, err = json.Marshal(e); err != nil {
				return bus.Permanent(err)
			}
		}
		k, id := deliveryKey(env.Brand, w.ID, env.ID)
		body, err := json.Marshal(Payload{ID: id, Event: name, EventID: env.ID, Brand: env.Brand, OccurredAt: env.OccurredAt, Data: data})
		if err != nil {
			return bus.Permanent(err)
		}
		now := d.now().UTC()
		rec := delivery{WebhookDelivery: query.WebhookDelivery{ID: id, WebhookID: w.ID, Event: name, EventID: env.ID,
			State: query.DeliveryPending, CreatedAt: now, NextAttemptAt: &now}, Brand: env.Brand, Body: body}
		raw, err := json.Marshal(rec)
		if err != nil {
			return bus.Permanent(err)
		}
		if _, err := d.deliveries.Create(ctx, k, raw); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			return fmt.Errorf("record delivery %s: %w", id, err)
		}
		if _, err := d.due.Put(ctx, k, nil); err != nil {
			return fmt.Errorf("schedule delivery %s: %w", id, err)
		}
	}
	return nil
}

// Register consumes every event a webhook may take, each type on its own
// durable consumer (prefix + the event's name).
func (d *Dispatcher) Register(r *bus.Router, prefix string) error {
	for _, reg := range registrations {
		if err := reg(d, r, prefix); err != nil {
			return err
		}
	}
	return nil
}

// Tick attempts every delivery that is due (what Run does each interval).
func (d *Dispatcher) Tick(ctx context.Context) {
	lister, err := d.due.ListKeys(ctx)
	if err != nil {
		if !errors.Is(err, jetstream.ErrNoKeysFound) && ctx.Err() == nil {
			d.log.Warn("list due webhook deliveries", "error", err)
		}
		return
	}
	for k := range lister.Keys() {
		if ctx.Err() != nil {
			_ = lister.Stop()
			return
		}
		if err := d.attempt(ctx, k); err != nil && ctx.Err() == nil {
			d.log.Warn("webhook delivery", "key", k, "error", err)
		}
	}
}

// Run attempts due deliveries every interval until ctx is done.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.Tick(ctx)
		}
	}
}

// attempt sends one due delivery once: it takes a lease on it (a
// compare-and-set, so one replica sends), POSTs, and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, k string) error {
	e, err := d.deliveries.Get(ctx, k)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return d.due.Purge(ctx, k) // expired from the log
	}
	if err != nil {
		return err
	}
	var rec delivery
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return fmt.Errorf("decode delivery %s: %w", k, err)
	}
	now := d.now().UTC()
	if rec.State != query.DeliveryPending {
		return d.due.Purge(ctx, k)
	}
	if (rec.NextAttemptAt != nil && now.Before(*rec.NextAttemptAt)) || now.Before(rec.Lease) {
		return nil
	}
	rec.Attempts++
	rec.Lease = now.Add(d.cfg.Timeout + 5*time.Second)
	rev, err := d.update(ctx, k, rec, e.Revision())
	if err != nil || rev == 0 {
		return err // another replica took it
	}
	status, retry, sendErr := d.send(ctx, rec)
	now = d.now().UTC()
	rec.LastStatus, rec.LastError, rec.Lease = status, "", time.Time{}
	switch {
	case sendErr == nil:
		rec.State, rec.DeliveredAt, rec.NextAttemptAt, rec.Body = query.DeliveryDelivered, &now, nil, nil
	case rec.Attempts >= d.cfg.Attempts || !retry:
		rec.State, rec.LastError, rec.NextAttemptAt, rec.Body = query.DeliveryFailed, sendErr.Error(), nil, nil
	default:
		next := now.Add(d.backoff(rec.Attempts))
		rec.LastError, rec.NextAttemptAt = sendErr.Error(), &next
	}
	if _, err := d.update(ctx, k, rec, rev); err != nil {
		return err
	}
	if rec.State != query.DeliveryPending {
		return d.due.Purge(ctx, k)
	}
	return nil
}

// update writes rec at k if it is still at rev; 0 when another writer won.
func (d *Dispatcher) update(ctx context.Context, k string, rec delivery, rev uint64) (uint64, error) {
	raw, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	next, err := d.deliveries.Update(ctx, k, raw, rev)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, nil
	}
	return next, err
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	w := d.cfg.Backoff
	for i := 1; i < attempts && w < d.cfg.MaxBackoff; i++ {
		w *= 2
	}
	return min(w, d.cfg.MaxBackoff)
}

// retryable: a timeout, a rate limit or a server error may pass later;
// another refusal will not.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// send POSTs the delivery's body, signed with the webhook's current secret
// to its current URL (a changed or removed webhook applies at once). It
// answers the receiver's status (0: no answer) and whether a later attempt
// may succeed.
func (d *Dispatcher) send(ctx context.Context, rec delivery) (status int, retry bool, err error) {
	w, _, err := d.store.read(ctx, rec.Brand, rec.WebhookID)
	if err != nil {
		var re *rpc.Error
		if errors.As(err, &re) && re.Code == query.CodeNotFound {
			return 0, false, errors.New("the webhook was removed")
		}
		return 0, true, err
	}
	if !w.Active {
		return 0, false, errors.New("the webhook is paused")
	}
	sec, err := d.store.secretOf(w)
	if err != nil {
		return 0, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(rec.Body))
	if err != nil {
		return 0, false, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ruche-Webhooks/1")
	req.Header.Set(webhook.HeaderEvent, rec.Event)
	req.Header.Set(webhook.HeaderDelivery, rec.ID)
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(sec, d.now(), rec.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // the URL may hold a token: name its host only
			err = fmt.Errorf("post to %s: %w", req.URL.Host, ue.Err)
		}
		// An address refused by the SSRF guard stays refused.
		return 0, !errors.Is(err, netguard.ErrForbiddenAddress), err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return resp.StatusCode, retryable(resp.StatusCode), fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, false, nil
}

// Deliveries answers a webhook's log, newest first.
func (d *Dispatcher) Deliveries(ctx context.Context, r query.ListWebhookDeliveriesRequest) (query.WebhookDeliveries, error) {
	out := query.WebhookDeliveries{Deliveries: []query.WebhookDelivery{}}
	if err := checkBrand(r.Brand); err != nil {
		return out, err
	}
	if r.Limit < 0 || r.Limit > 200 {
		return out, rpc.BadRequest("limit", "must be 1 to 200")
	}
	limit := r.Limit
	if limit == 0 {
		limit = 50
	}
	if _, _, err := d.store.read(ctx, r.Brand, r.ID); err != nil {
		return out, err
	}
	recs, err := listJSON[delivery](ctx, d.deliveries, r.Brand+"."+r.ID+".*")
	if err != nil {
		return out, err
	}
	for _, rec := range recs {
		out.Deliveries = append(out.Deliveries, rec.WebhookDelivery)
	}
	sort.Slice(out.Deliveries, func(i, j int) bool {
		a, b := out.Deliveries[i], out.Deliveries[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		return strings.Compare(a.ID, b.ID) < 0
	})
	if len(out.Deliveries) > limit {
		out.Deliveries = out.Deliveries[:limit]
	}
	return out, nil
}
