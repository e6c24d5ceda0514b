package moderation_test

import (
	"context"
	"encoding/json"
	"github.com/ruche-project/ruche/pkg/secret"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation"
)

// harness is moderation on a real embedded JetStream, with its router and
// endpoints running.
type harness struct {
	conn   *bus.Conn
	router *bus.Router
	svc    *moderation.Service
}

// start runs moderation; watch registers extra test handlers first.
func start(t *testing.T, deps moderation.Deps, watch func(r *bus.Router)) *harness {
	t.Helper()
	return startOn(t, testkit.NATS(t), deps, watch)
}

// startOn is start on an existing NATS server.
func startOn(t *testing.T, conn *bus.Conn, deps moderation.Deps, watch func(r *bus.Router)) *harness {
	t.Helper()
	return startWith(t, conn, moderation.Config{Consumer: "moderation"}, deps, watch)
}

// startWith is startOn with a configuration.
func startWith(t *testing.T, conn *bus.Conn, cfg moderation.Config, deps moderation.Deps, watch func(r *bus.Router)) *harness {
	t.Helper()
	router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	deps.Router, deps.Logger, deps.NATS, deps.JS, deps.Replicas = router, testkit.Logger(t), conn.NC, conn.JS, 1
	if deps.Secrets == nil {
		deps.Secrets, _ = secret.NewBox(make([]byte, secret.KeySize))
	}
	svc, err := moderation.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if watch != nil {
		watch(router)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = router.Run(ctx) })
	wg.Go(func() { _ = svc.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	<-router.Running()
	select {
	case <-svc.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("moderation's endpoints are not served after 10 s")
	}
	return &harness{conn: conn, router: router, svc: svc}
}

// publish publishes e under the transport id id.
func (h *harness) publish(t *testing.T, e events.Event, id, brand string) {
	t.Helper()
	env, err := events.NewEnvelope(e, id, brand, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.router.Publisher().PublishEvent(context.Background(), e, env); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or 10 s pass.
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

// counter counts events by key, safely.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// ask calls one of moderation's endpoints; code is the micro error code
// ("" on success) and text its description.
func (h *harness) ask(t *testing.T, subject string, req, resp any) (code, text string) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := h.conn.NC.Request(subject, body, 10*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subject, err)
	}
	if c := msg.Header.Get(micro.ErrorCodeHeader); c != "" {
		return c, msg.Header.Get(micro.ErrorHeader) + " " + string(msg.Data)
	}
	if resp != nil {
		if err := json.Unmarshal(msg.Data, resp); err != nil {
			t.Fatalf("decode %s: %v", msg.Data, err)
		}
	}
	return "", ""
}

// decisionsByID collects the decisions moderation publishes, by
// interaction id.
type decisionsByID struct {
	mu sync.Mutex
	m  map[string]v1.Moderated
}

// watch is a start watch function that collects them.
func (d *decisionsByID) watch(t *testing.T) func(*bus.Router) {
	return func(router *bus.Router) {
		if err := bus.Handle(router, "test-decisions", func(ctx context.Context, m v1.Moderated, env events.Envelope) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.m == nil {
				d.m = map[string]v1.Moderated{}
			}
			d.m[m.InteractionID] = m
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// decide publishes r on h and returns its decision.
func (d *decisionsByID) decide(t *testing.T, h *harness, r v1.Received) v1.Moderated {
	t.Helper()
	h.publish(t, r, r.ID, r.Brand)
	var m v1.Moderated
	eventually(t, "the decision on "+r.ID, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		m = d.m[r.ID]
		return m.ID != ""
	})
	return m
}
