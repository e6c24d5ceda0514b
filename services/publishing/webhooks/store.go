// Package webhooks keeps the brands' outbound webhooks and delivers Ruche's
// events to them: each matching event becomes a delivery (its log entry in
// KV), sent by a loop on every replica, signed (pkg/webhook), retried with
// a doubling backoff, through a client that refuses internal addresses
// unless configured (pkg/netguard). Secrets are sealed at rest (pkg/secret,
// the webhook as associated data), as publishing seals account tokens.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/webhook"
)

// Buckets: the subscriptions ("<brand>.<id>"), the delivery log
// ("<brand>.<id>.<delivery>", kept DeliveryTTL) and the deliveries due.
const (
	Bucket           = "publishing_webhooks"
	DeliveriesBucket = "publishing_webhook_deliveries"
	DueBucket        = "publishing_webhook_due"
	// DeliveryTTL is how long the log keeps a delivery.
	DeliveryTTL = 30 * 24 * time.Hour
)

// maxWebhooks bounds a brand's webhooks (each event is sent to each).
const maxWebhooks = 20

// stored is a webhook as kept: its secret sealed.
type stored struct {
	query.Webhook
	Sealed []byte `json:"sealed_secret"`
}

func ad(brand, id string) []byte { return []byte("publishing/webhook/" + brand + "/" + id) }

func key(brand, id string) string { return brand + "." + id }

// Store keeps the brands' webhooks.
type Store struct {
	kv  jetstream.KeyValue
	box *secret.Box
	now func() time.Time
}

func openKV(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, ttl time.Duration, what string) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, History: 1, TTL: ttl,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1), Description: "publishing: " + what})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// OpenStore opens the subscriptions' bucket.
func OpenStore(ctx context.Context, js jetstream.JetStream, replicas int, box *secret.Box, now func() time.Time) (*Store, error) {
	kv, err := openKV(ctx, js, Bucket, replicas, 0, "brands' outbound webhooks (secrets sealed)")
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv, box: box, now: now}, nil
}

func checkBrand(brand string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return rpc.BadRequest("brand", "%v", err)
	}
	return nil
}

// checkURL accepts an absolute http(s) URL without credentials or
// fragment; where it resolves is checked at each delivery (pkg/netguard).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2048:
		return rpc.BadRequest("url", "is longer than 2048 characters")
	case err != nil || !u.IsAbs():
		return rpc.BadRequest("url", "must be an absolute http or https URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return rpc.BadRequest("url", "must be an http or https URL")
	case u.Hostname() == "":
		return rpc.BadRequest("url", "must name a host")
	case u.User != nil:
		return rpc.BadRequest("url", "must not carry credentials")
	case u.Fragment != "":
		return rpc.BadRequest("url", "must not carry a fragment")
	}
	return nil
}

// checkEvents accepts known event names, "<domain>.*" and "*".
func checkEvents(names []string) error {
	if len(names) == 0 {
		return rpc.BadRequest("events", "name at least one event (%s, a domain such as draft.*, or *)", strings.Join(query.WebhookEvents, ", "))
	}
	for _, n := range names {
		if !slices.ContainsFunc(query.WebhookEvents, func(e string) bool { return matches(n, e) }) {
			return rpc.BadRequest("events", "%q is not one of %s, a domain such as draft.*, or *", n, strings.Join(query.WebhookEvents, ", "))
		}
	}
	return nil
}

// matches reports whether the subscription pattern p takes event name e.
func matches(p, e string) bool {
	if p == "*" || p == e {
		return true
	}
	d, ok := strings.CutSuffix(p, ".*")
	return ok && strings.HasPrefix(e, d+".")
}

// Wants reports whether w takes the event named e.
func Wants(w query.Webhook, e string) bool {
	return w.Active && slices.ContainsFunc(w.Events, func(p string) bool { return matches(p, e) })
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "wh_" + hex.EncodeToString(b)
}

// Put creates or updates a webhook; the secret is answered only when drawn.
func (s *Store) Put(ctx context.Context, r query.PutWebhookRequest) (query.Webhook, error) {
	if err := checkBrand(r.Brand); err != nil {
		return query.Webhook{}, err
	}
	if err := checkURL(r.URL); err != nil {
		return query.Webhook{}, err
	}
	if err := checkEvents(r.Events); err != nil {
		return query.Webhook{}, err
	}
	if len(r.Description) > 500 {
		return query.Webhook{}, rpc.BadRequest("description", "is longer than 500 bytes")
	}
	if r.UpdatedBy == "" {
		return query.Webhook{}, rpc.BadRequest("updated_by", "is required")
	}
	now := s.now().UTC()
	var cur stored
	var rev uint64
	if r.ID == "" {
		list, err := s.List(ctx, r.Brand)
		if err != nil {
			return query.Webhook{}, err
		}
		if len(list) >= maxWebhooks {
			return query.Webhook{}, rpc.Conflict("brand %s has %d webhooks, the most it may have", r.Brand, maxWebhooks)
		}
		cur = stored{Webhook: query.Webhook{ID: newID(), Brand: r.Brand, CreatedBy: r.UpdatedBy, CreatedAt: now}}
	} else {
		var err error
		if cur, rev, err = s.read(ctx, r.Brand, r.ID); err != nil {
			return query.Webhook{}, err
		}
	}
	next := cur
	next.URL, next.Events, next.Description, next.UpdatedBy, next.UpdatedAt = r.URL, slices.Clone(r.Events), r.Description, r.UpdatedBy, now
	next.Active = r.Active == nil || *r.Active
	drawn := ""
	if rev == 0 || r.RotateSecret {
		drawn = webhook.NewSecret()
		next.Sealed = s.box.Seal([]byte(drawn), ad(next.Brand, next.ID))
	}
	next.Secret = ""
	body, err := json.Marshal(next)
	if err != nil {
		return query.Webhook{}, err
	}
	if rev == 0 {
		_, err = s.kv.Create(ctx, key(next.Brand, next.ID), body)
	} else {
		_, err = s.kv.Update(ctx, key(next.Brand, next.ID), body, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return query.Webhook{}, rpc.Conflict("webhook %s changed meanwhile", next.ID)
	}
	if err != nil {
		return query.Webhook{}, fmt.Errorf("save webhook %s: %w", next.ID, err)
	}
	out := next.Webhook
	out.Secret = drawn
	return out, nil
}

func (s *Store) read(ctx context.Context, brand, id string) (stored, uint64, error) {
	var w stored
	if !validID(id) {
		return w, 0, rpc.NotFound("webhook %s of brand %s not found", id, brand)
	}
	e, err := s.kv.Get(ctx, key(brand, id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return w, 0, rpc.NotFound("webhook %s of brand %s not found", id, brand)
	}
	if err != nil {
		return w, 0, fmt.Errorf("read webhook %s: %w", id, err)
	}
	if err := json.Unmarshal(e.Value(), &w); err != nil {
		return w, 0, fmt.Errorf("decode webhook %s: %w", id, err)
	}
	return w, e.Revision(), nil
}

func validID(id string) bool {
	if !strings.HasPrefix(id, "wh_") || len(id) != 19 {
		return false
	}
	_, err := hex.DecodeString(id[3:])
	return err == nil
}

// secretOf opens a webhook's signing secret.
func (s *Store) secretOf(w stored) (string, error) {
	plain, err := s.box.Open(w.Sealed, ad(w.Brand, w.ID))
	if err != nil {
		return "", fmt.Errorf("open the secret of webhook %s (was secret.key changed?): %w", w.ID, err)
	}
	return string(plain), nil
}

// Delete removes a webhook (its log expires on its own).
func (s *Store) Delete(ctx context.Context, brand, id string) error {
	if err := checkBrand(brand); err != nil {
		return err
	}
	if _, _, err := s.read(ctx, brand, id); err != nil {
		return err
	}
	return s.kv.Purge(ctx, key(brand, id))
}

// List answers a brand's webhooks, oldest first, without secrets.
func (s *Store) List(ctx context.Context, brand string) ([]query.Webhook, error) {
	if err := checkBrand(brand); err != nil {
		return nil, err
	}
	all, err := s.stored(ctx, brand)
	out := make([]query.Webhook, len(all))
	for i, w := range all {
		out[i] = w.Webhook
	}
	return out, err
}

func (s *Store) stored(ctx context.Context, brand string) ([]stored, error) {
	out, err := listJSON[stored](ctx, s.kv, brand+".*")
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// listJSON decodes every value of kv whose key matches filter.
func listJSON[T any](ctx context.Context, kv jetstream.KeyValue, filter string) ([]T, error) {
	lister, err := kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, err
	}
	var out []T
	for k := range lister.Keys() {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			_ = lister.Stop()
			return nil, err
		}
		var v T
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			_ = lister.Stop()
			return nil, fmt.Errorf("decode %s: %w", k, err)
		}
		out = append(out, v)
	}
	return out, nil
}
