package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// harness runs the analytics service against a real embedded NATS
// JetStream and a fresh database on the real ClickHouse.
type harness struct {
	t      testing.TB
	bus    *bus.Conn
	db     *clickhouse.DB
	cfg    Config
	reg    *prometheus.Registry
	svc    *Service
	cancel context.CancelFunc
	done   chan error
}

// fastConfig keeps the sink's timings short for tests.
func fastConfig() Config {
	return Config{Consumer: "analytics", BatchSize: 100, FlushInterval: 100 * time.Millisecond, FetchWait: 200 * time.Millisecond,
		InsertTimeout: 5 * time.Second, AckWait: 10 * time.Second, MaxDeliver: 10, RetryDelay: 200 * time.Millisecond, QueryTimeout: 5 * time.Second,
		// The rollup job runs in every test, at any time: no figure may
		// depend on whether it has computed a day (rollup.go).
		RollupInterval: time.Second, RollupSettle: 0, RollupDiscover: time.Second}
}

func newHarness(t testing.TB, mutate func(*Config)) *harness {
	t.Helper()
	h := newStoppedHarness(t, mutate)
	h.start()
	return h
}

// newStoppedHarness is newHarness without starting the service.
func newStoppedHarness(t testing.TB, mutate func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, bus: testkit.NATS(t), db: testkit.ClickHouse(t), cfg: fastConfig()}
	if mutate != nil {
		mutate(&h.cfg)
	}
	if err := Migrate(context.Background(), h.db); err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs a new Service (with fresh metrics) and waits until it is ready.
func (h *harness) start() {
	h.t.Helper()
	h.startWith(nil)
}

// startWith is start with the service's clock (nil: time.Now).
func (h *harness) startWith(now func() time.Time) {
	h.t.Helper()
	h.reg = prometheus.NewRegistry()
	router, err := bus.NewRouter(h.bus, testkit.Logger(h.t), h.reg)
	if err != nil {
		h.t.Fatal(err)
	}
	svc, err := New(h.cfg, Deps{Router: router, NATS: h.bus.NC, JS: h.bus.JS, ClickHouse: h.db, Logger: testkit.Logger(h.t), Registerer: h.reg, Now: now})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.svc, h.cancel, h.done = svc, cancel, make(chan error, 1)
	// The router runs the sinks, as in the binary.
	routed := make(chan error, 1)
	go func() { routed <- router.Run(ctx) }()
	go func() {
		err := svc.Run(ctx)
		if err != nil {
			cancel()
		}
		h.done <- errors.Join(err, <-routed)
	}()
	select {
	case <-svc.Ready():
	case err := <-h.done:
		h.t.Fatalf("Run returned before ready: %v", err)
	case <-time.After(10 * time.Second):
		h.t.Fatal("service not ready within 10s")
	}
	h.t.Cleanup(func() { h.stop() })
}

// stop cancels Run and waits for it; it may be called more than once.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Error("Run did not return within 15s of cancellation")
	}
}

// publish stores e for brand on JetStream under the message id msgID, as
// ingest and moderation would: subject, JSON body, envelope headers.
func (h *harness) publish(e events.Event, brand, msgID string) {
	h.t.Helper()
	env, err := events.NewEnvelope(e, msgID, brand, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	body, err := json.Marshal(e)
	if err != nil {
		h.t.Fatal(err)
	}
	h.publishRaw(events.Subject(e, brand), env.Headers(), body)
}

func (h *harness) publishRaw(subject string, headers map[string]string, body []byte) {
	h.t.Helper()
	msg := nats.NewMsg(subject)
	msg.Data = body
	for k, v := range headers {
		msg.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.bus.JS.PublishMsg(ctx, msg); err != nil {
		h.t.Fatalf("publish on %s: %v", subject, err)
	}
}

// listErr is a micro error reply.
type listErr struct{ code, text string }

func (e listErr) Error() string { return e.code + ": " + e.text }

// ask sends a raw request body to the list endpoint.
func (h *harness) ask(body []byte) (query.ListInteractionsResponse, error) {
	h.t.Helper()
	reply, err := h.bus.NC.Request(query.ListInteractionsSubject, body, 5*time.Second)
	if err != nil {
		h.t.Fatalf("request: %v", err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		return query.ListInteractionsResponse{}, listErr{code, reply.Header.Get(micro.ErrorHeader)}
	}
	var resp query.ListInteractionsResponse
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		h.t.Fatalf("decode reply %q: %v", reply.Data, err)
	}
	return resp, nil
}

func (h *harness) list(req query.ListInteractionsRequest) (query.ListInteractionsResponse, error) {
	h.t.Helper()
	body, _ := json.Marshal(req)
	return h.ask(body)
}

// listAll pages through a brand's interactions.
func (h *harness) listAll(brand string, limit int) ([]query.Interaction, int) {
	h.t.Helper()
	var (
		all   []query.Interaction
		pages int
		req   = query.ListInteractionsRequest{Brand: brand, Limit: limit}
	)
	for {
		resp, err := h.list(req)
		if err != nil {
			h.t.Fatalf("list page %d: %v", pages+1, err)
		}
		pages++
		all = append(all, resp.Items...)
		if resp.NextCursor == "" {
			return all, pages
		}
		if pages > 1000 {
			h.t.Fatal("more than 1000 pages: the cursor does not advance")
		}
		req.Cursor = resp.NextCursor
	}
}

// consumerInfo is the sink's durable consumer as JetStream sees it.
func (h *harness) consumerInfo() *jetstream.ConsumerInfo {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := h.bus.JS.Consumer(ctx, events.StreamName(events.DomainInteraction), h.cfg.Consumer)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return info
}

// settled reports whether the consumer has nothing left to deliver or ack.
func (h *harness) settled() bool {
	info := h.consumerInfo()
	return info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0
}

func (h *harness) metric(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }

func (h *harness) rowsWritten(table string) float64 {
	return h.metric(h.svc.sink.metrics.rows.WithLabelValues(table))
}

// count runs a count query on the test database.
func (h *harness) count(q string, args ...any) uint64 {
	h.t.Helper()
	var n uint64
	if err := h.db.Conn().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ids(items []query.Interaction) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func asListErr(err error) (listErr, bool) {
	var le listErr
	return le, errors.As(err, &le)
}

func query0(brand string) query.ListInteractionsRequest {
	return query.ListInteractionsRequest{Brand: brand}
}

func testLogger(t testing.TB) *slog.Logger { return testkit.Logger(t) }
