package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/publishing/webhooks"
)

// receiver records what it got and answers the scripted statuses, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got, r.bodies = append(r.got, req), append(r.bodies, body)
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// clock is a scripted time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// verify checks a delivery's signature the way a receiver following the
// documented scheme would, without pkg/webhook.
func verify(secret string, r *http.Request, body []byte) error {
	var ts, sig string
	for _, p := range strings.Split(r.Header.Get("Ruche-Signature"), ",") {
		if v, ok := strings.CutPrefix(p, "t="); ok {
			ts = v
		}
		if v, ok := strings.CutPrefix(p, "v1="); ok {
			sig = v
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s.%s", ts, body)
	if want := hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(want), []byte(sig)) {
		return fmt.Errorf("signature %q, want %q", sig, want)
	}
	return nil
}

type setup struct {
	store *webhooks.Store
	disp  *webhooks.Dispatcher
	pub   *bus.Publisher
	clock *clock
	conn  *bus.Conn
}

func start(t *testing.T, client *http.Client) setup {
	t.Helper()
	conn := testkit.NATS(t)
	ctx := context.Background()
	box, _ := secret.NewBox(make([]byte, secret.KeySize))
	c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	store, err := webhooks.OpenStore(ctx, conn.JS, 1, box, c.now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := webhooks.DefaultConfig
	cfg.Timeout = 2 * time.Second
	disp, err := webhooks.OpenDispatcher(ctx, conn.JS, 1, store, client, cfg, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := disp.Register(router, "publishing-webhooks"); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = router.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-router.Running()
	pub, _ := bus.NewPublisher(conn.JS)
	return setup{store: store, disp: disp, pub: pub, clock: c, conn: conn}
}

func (s setup) publish(t *testing.T, e events.Event, id, brand string) {
	t.Helper()
	env, err := events.NewEnvelope(e, id, brand, s.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pub.PublishEvent(context.Background(), e, env); err != nil {
		t.Fatal(err)
	}
}

func (s setup) deliveries(t *testing.T, brand, id string) []query.WebhookDelivery {
	t.Helper()
	out, err := s.disp.Deliveries(context.Background(), query.ListWebhookDeliveriesRequest{Brand: brand, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return out.Deliveries
}

func TestWebhooks(t *testing.T) {
	recv := &receiver{statuses: []int{http.StatusServiceUnavailable}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s := start(t, netguard.Client(2*time.Second, true))
	ctx := context.Background()

	hook, err := s.store.Put(ctx, query.PutWebhookRequest{Brand: "demo", URL: srv.URL + "/hooks/ruche", Events: []string{"draft.*"}, UpdatedBy: "u-1"})
	if err != nil || !strings.HasPrefix(hook.Secret, "whsec_") || !hook.Active {
		t.Fatalf("put = %+v, %v", hook, err)
	}
	t.Run("secrets_are_sealed_and_shown_once", func(t *testing.T) {
		list, err := s.store.List(ctx, "demo")
		if err != nil || len(list) != 1 || list[0].Secret != "" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		kv, _ := s.conn.JS.KeyValue(ctx, webhooks.Bucket)
		e, err := kv.Get(ctx, "demo."+hook.ID)
		if err != nil || strings.Contains(string(e.Value()), hook.Secret) || strings.Contains(string(e.Value()), hook.Secret[6:]) {
			t.Fatalf("stored in the clear: %s", e.Value())
		}
	})
	t.Run("bad_input_names_the_field", func(t *testing.T) {
		for field, req := range map[string]query.PutWebhookRequest{
			"url":        {Brand: "demo", URL: "ftp://x.example.com", Events: []string{"draft.*"}, UpdatedBy: "u"},
			"events":     {Brand: "demo", URL: "https://x.example.com", Events: []string{"interaction.received"}, UpdatedBy: "u"},
			"updated_by": {Brand: "demo", URL: "https://x.example.com", Events: []string{"*"}},
		} {
			_, err := s.store.Put(ctx, req)
			var re *rpc.Error
			if !errorsAs(err, &re) || re.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		if list, _ := s.store.List(ctx, "demo"); len(list) != 1 {
			t.Fatalf("a refused webhook was stored: %d", len(list))
		}
	})

	approved := draftv1.Approved{ID: draftv1.ApprovalID(draftv1.DraftID("mastodon:1"), 2), Brand: "demo", DraftID: draftv1.DraftID("mastodon:1"), DraftVersion: 2, Text: "Bonjour Léa"}
	s.publish(t, approved, approved.ID, "demo")
	s.publish(t, crisisv1.Detected{ID: "crisis:demo:1", Brand: "demo"}, "crisis:demo:1", "demo")
	s.publish(t, approved, approved.ID, "other")

	eventually(t, "the delivery to be recorded", func() bool { return len(s.deliveries(t, "demo", hook.ID)) == 1 })
	s.disp.Tick(ctx)
	if recv.count() != 1 {
		t.Fatalf("%d attempts, want 1", recv.count())
	}
	d := s.deliveries(t, "demo", hook.ID)[0]
	if d.State != query.DeliveryPending || d.Attempts != 1 || d.LastStatus != 503 || d.NextAttemptAt == nil {
		t.Fatalf("after a 503: %+v", d)
	}
	s.disp.Tick(ctx) // not due yet: the backoff holds it
	if recv.count() != 1 {
		t.Fatal("retried before the backoff")
	}
	s.clock.add(webhooks.DefaultConfig.Backoff)
	s.disp.Tick(ctx)
	d = s.deliveries(t, "demo", hook.ID)[0]
	if recv.count() != 2 || d.State != query.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 200 || d.DeliveredAt == nil {
		t.Fatalf("after the retry: %d attempts, %+v", recv.count(), d)
	}
	recv.mu.Lock()
	first, second := recv.got[0], recv.got[1]
	body := recv.bodies[1]
	recv.mu.Unlock()
	if err := verify(hook.Secret, second, body); err != nil {
		t.Fatal(err)
	}
	if first.Header.Get("Ruche-Delivery") != d.ID || second.Header.Get("Ruche-Delivery") != d.ID || second.Header.Get("Ruche-Event") != "draft.approved" {
		t.Fatalf("headers %v / %v", first.Header, second.Header)
	}
	var p webhooks.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.Event != "draft.approved" || p.EventID != approved.ID || p.Brand != "demo" || !strings.Contains(string(p.Data), "Bonjour Léa") {
		t.Fatalf("payload %s", body)
	}
	s.clock.add(time.Hour)
	s.disp.Tick(ctx)
	if recv.count() != 2 {
		t.Fatal("a delivered event was sent again, or the crisis went to a draft.* webhook")
	}

	t.Run("internal_addresses_are_refused_without_retry", func(t *testing.T) {
		guarded := start(t, netguard.Client(2*time.Second, false))
		h, err := guarded.store.Put(ctx, query.PutWebhookRequest{Brand: "demo", URL: srv.URL, Events: []string{"*"}, UpdatedBy: "u-1"})
		if err != nil {
			t.Fatal(err)
		}
		guarded.publish(t, approved, approved.ID, "demo")
		eventually(t, "the delivery", func() bool { return len(guarded.deliveries(t, "demo", h.ID)) == 1 })
		guarded.disp.Tick(ctx)
		d := guarded.deliveries(t, "demo", h.ID)[0]
		if d.State != query.DeliveryFailed || !strings.Contains(d.LastError, "not allowed") || recv.count() != 2 {
			t.Fatalf("loopback delivery: %+v", d)
		}
	})
	t.Run("a_removed_webhook_gets_nothing_more", func(t *testing.T) {
		if err := s.store.Delete(ctx, "demo", hook.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.store.Delete(ctx, "demo", hook.ID); err == nil {
			t.Fatal("deleting twice succeeded")
		}
		s.publish(t, draftv1.Rejected{ID: "rejected:1", Brand: "demo"}, "rejected:1", "demo")
		time.Sleep(200 * time.Millisecond)
		s.disp.Tick(ctx)
		if recv.count() != 2 {
			t.Fatal("a removed webhook got a delivery")
		}
	})
}

func errorsAs(err error, target **rpc.Error) bool {
	e, ok := err.(*rpc.Error)
	if ok {
		*target = e
	}
	return ok
}
