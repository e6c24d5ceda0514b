package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// requestLog records when the sandbox API was asked for activity.
type requestLog struct {
	mu    sync.Mutex
	times []time.Time
	codes []int
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &codeRecorder{ResponseWriter: w, code: 200}
		next.ServeHTTP(rec, r)
		if strings.HasSuffix(r.URL.Path, "/activity") {
			l.mu.Lock()
			l.times, l.codes = append(l.times, time.Now()), append(l.codes, rec.code)
			l.mu.Unlock()
		}
	})
}

func (l *requestLog) snapshot() ([]time.Time, []int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...), append([]int(nil), l.codes...)
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) { c.code = code; c.ResponseWriter.WriteHeader(code) }

// pollerEnv is a sandbox served over HTTP, a real embedded NATS, and the
// cursor store the pollers share.
type pollerEnv struct {
	net     *sandbox.Network
	url     string
	log     *requestLog
	conn    *bus.Conn
	cursors *sandbox.Cursors
	pub     *bus.Publisher
}

func newPollerEnv(t *testing.T) *pollerEnv {
	t.Helper()
	log := &requestLog{}
	s := newWrappedSandbox(t, nil, log.wrap)
	e := &pollerEnv{net: s.net, url: s.srv.URL, log: log}
	e.conn = testkit.NATS(t)
	var err error
	if e.cursors, err = sandbox.OpenCursors(context.Background(), e.conn.JS, 1); err != nil {
		t.Fatal(err)
	}
	if e.pub, err = bus.NewPublisher(e.conn.JS); err != nil {
		t.Fatal(err)
	}
	return e
}

// runningPoller is a poller whose Run loop is going.
type runningPoller struct {
	*sandbox.Poller
	reg  *prometheus.Registry
	stop func()
}

func (e *pollerEnv) start(t *testing.T, mutate func(*sandbox.PollerConfig)) *runningPoller {
	t.Helper()
	cfg := sandbox.PollerConfig{
		BaseURL: e.url, Account: "demo", Brand: "demo", PageSize: 10,
		Interval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, AuthRetry: time.Minute,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	reg := prometheus.NewRegistry()
	p, err := sandbox.NewPoller(cfg, sandbox.PollerDeps{Publisher: e.pub, Cursors: e.cursors, Logger: testkit.Logger(t), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return &runningPoller{Poller: p, reg: reg, stop: stop}
}

// stored returns the interactions in the stream, by event id.
func (e *pollerEnv) stored(t *testing.T) map[string][]v1.Received {
	t.Helper()
	ctx := context.Background()
	s, err := e.conn.JS.Stream(ctx, "RUCHE_INTERACTION")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Info(ctx)
	out := map[string][]v1.Received{}
	if info.State.Msgs == 0 {
		return out
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"ruche.interaction.received.v1.>"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.FetchNoWait(int(info.State.Msgs))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		var r v1.Received
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPoller(t *testing.T) {
	t.Run("items_are_published_once_and_normalised", func(t *testing.T) {
		e := newPollerEnv(t)
		generated := e.net.Generate(25)
		p := e.start(t, nil)
		waitFor(t, "25 items published", 10*time.Second, func() bool { return p.Health().Published == 25 })
		time.Sleep(200 * time.Millisecond) // a few more polls: nothing new
		got := e.stored(t)
		if len(got) != 25 {
			t.Fatalf("%d interactions stored, want 25", len(got))
		}
		for _, it := range generated {
			rs := got["sandbox:"+it.ID]
			if len(rs) != 1 {
				t.Fatalf("item %s stored %d times", it.ID, len(rs))
			}
			r := rs[0]
			if r.Network != "sandbox" || r.Source != v1.SourceSandbox || r.SourceID != "sandbox" || r.Brand != "demo" ||
				r.Text != it.Text || r.Author.Handle != "@"+it.Author.Username || r.Author.Followers != it.Author.FollowersCount ||
				r.ThreadID != it.ThreadID || r.ParentID != it.InReplyToID || !r.CreatedAt.Equal(it.CreatedAt) || string(r.Kind) != string(it.Type) {
				t.Fatalf("item %+v\nstored as %+v", it, r)
			}
		}
		if h := p.Health(); !h.Healthy || h.Cursor != generated[24].ID || h.Duplicates != 0 {
			t.Fatalf("health %+v", h)
		}
		if n := metric(t, p.reg, "ruche_ingest_sandbox_items_total", "outcome", "published"); n != 25 {
			t.Fatalf("items metric = %v", n)
		}
	})

	t.Run("restart_resumes_from_the_stored_cursor", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(12)
		p1 := e.start(t, nil)
		waitFor(t, "first 12", 10*time.Second, func() bool { return p1.Health().Published == 12 })
		p1.stop()
		e.net.Generate(5)
		p2 := e.start(t, nil)
		waitFor(t, "5 more", 10*time.Second, func() bool { return p2.Health().Published == 5 })
		time.Sleep(200 * time.Millisecond)
		if h := p2.Health(); h.Published != 5 || h.Duplicates != 0 {
			t.Fatalf("second run: %+v, want only the 5 new items", h)
		}
		if n := len(e.stored(t)); n != 17 {
			t.Fatalf("%d stored, want 17", n)
		}
	})

	t.Run("overlap_after_a_lost_cursor_is_collapsed", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(8)
		p1 := e.start(t, nil)
		waitFor(t, "8 items", 10*time.Second, func() bool { return p1.Health().Published == 8 })
		p1.stop()
		if err := e.cursors.Put(context.Background(), "sandbox", ""); err != nil { // as if the cursor write was lost
			t.Fatal(err)
		}
		p2 := e.start(t, nil)
		waitFor(t, "8 re-reads", 10*time.Second, func() bool { return p2.Health().Duplicates == 8 })
		if n := len(e.stored(t)); n != 8 {
			t.Fatalf("%d stored, want 8", n)
		}
	})

	t.Run("retry_after_of_a_429_is_honoured", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(3)
		if err := e.net.SetFault(sandbox.Fault{Mode: sandbox.FaultRateLimited, Count: 1, RetryAfterSeconds: 1}); err != nil {
			t.Fatal(err)
		}
		p := e.start(t, nil)
		waitFor(t, "3 items after the 429", 10*time.Second, func() bool { return p.Health().Published == 3 })
		times, codes := e.log.snapshot()
		if codes[0] != 429 || codes[1] != 200 {
			t.Fatalf("codes %v", codes)
		}
		if gap := times[1].Sub(times[0]); gap < 950*time.Millisecond {
			t.Fatalf("retried %s after a 429 with Retry-After: 1", gap)
		}
		if n := metric(t, p.reg, "ruche_ingest_sandbox_errors_total", "reason", "rate_limited"); n != 1 {
			t.Fatalf("rate_limited errors = %v", n)
		}
	})

	t.Run("malformed_item_is_skipped_and_the_rest_of_the_page_ingested", func(t *testing.T) {
		e := newPollerEnv(t)
		before := e.net.Generate(3)
		bad := []string{
			`{"type":"comment","text":42}`,
			`{"type":"comment","author":{"id":""},"text":"sans auteur","created_at":"2026-11-23T09:00:00Z"}`,
			`{"type":"tweet","author":{"id":"u1"},"text":"?","created_at":"2026-11-23T09:00:00Z"}`,
			`{"type":"comment","author":{"id":"u1"},"text":"bad date","created_at":"yesterday"}`,
		}
		for _, b := range bad {
			if _, err := e.net.Inject(json.RawMessage(b)); err != nil {
				t.Fatal(err)
			}
		}
		after := e.net.Generate(3)
		p := e.start(t, nil) // page size 10: all ten items in one page
		waitFor(t, "6 good items", 10*time.Second, func() bool { return p.Health().Published == 6 })
		h := p.Health()
		if h.Malformed != 4 || h.Cursor != after[2].ID || !h.Healthy {
			t.Fatalf("health %+v", h)
		}
		got := e.stored(t)
		for _, it := range append(before, after...) {
			if len(got["sandbox:"+it.ID]) != 1 {
				t.Fatalf("good item %s not stored once", it.ID)
			}
		}
		if n := metric(t, p.reg, "ruche_ingest_sandbox_items_total", "outcome", "malformed"); n != 4 {
			t.Fatalf("malformed metric = %v", n)
		}
	})

	t.Run("unauthorized_marks_the_source_unhealthy_without_a_tight_loop", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(2)
		if err := e.net.SetFault(sandbox.Fault{Mode: sandbox.FaultUnauthorized}); err != nil {
			t.Fatal(err)
		}
		p := e.start(t, nil) // AuthRetry: 1m, MinBackoff: 20ms
		waitFor(t, "the 401", 5*time.Second, func() bool { return p.Health().State == "unauthorized" })
		time.Sleep(time.Second)
		times, _ := e.log.snapshot()
		h := p.Health()
		if len(times) != 1 || h.Healthy || h.Published != 0 || !strings.Contains(h.LastError, "401") {
			t.Fatalf("%d requests in a second, health %+v", len(times), h)
		}
		if up := metric(t, p.reg, "ruche_ingest_sandbox_up"); up != 0 {
			t.Fatalf("up = %v", up)
		}
	})

	t.Run("server_errors_back_off_then_recover", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(4)
		if err := e.net.SetFault(sandbox.Fault{Mode: sandbox.FaultServerError, Count: 3, Status: 502}); err != nil {
			t.Fatal(err)
		}
		p := e.start(t, nil)
		waitFor(t, "recovery", 10*time.Second, func() bool { return p.Health().Published == 4 })
		times, codes := e.log.snapshot()
		if codes[0] != 502 || codes[3] != 200 {
			t.Fatalf("codes %v", codes)
		}
		// Exponential: each wait at least half of 20ms, 40ms, 80ms.
		for i, min := range []time.Duration{10, 20, 40} {
			if gap := times[i+1].Sub(times[i]); gap < min*time.Millisecond {
				t.Fatalf("retry %d after %s", i+1, gap)
			}
		}
		if h := p.Health(); !h.Healthy || h.State != "ok" {
			t.Fatalf("health %+v", h)
		}
	})

	t.Run("slow_answer_times_out_and_is_retried", func(t *testing.T) {
		e := newPollerEnv(t)
		e.net.Generate(2)
		if err := e.net.SetFault(sandbox.Fault{Mode: sandbox.FaultSlow, Count: 1, DelayMS: 1500}); err != nil {
			t.Fatal(err)
		}
		p := e.start(t, func(c *sandbox.PollerConfig) { c.RequestTimeout = 200 * time.Millisecond })
		waitFor(t, "the items", 10*time.Second, func() bool { return p.Health().Published == 2 })
		if n := metric(t, p.reg, "ruche_ingest_sandbox_errors_total", "reason", "timeout"); n != 1 {
			t.Fatalf("timeout errors = %v", n)
		}
	})
}

func TestNewPollerRefusesBadConfig(t *testing.T) {
	conn := testkit.NATS(t)
	cursors, _ := sandbox.OpenCursors(context.Background(), conn.JS, 1)
	pub, _ := bus.NewPublisher(conn.JS)
	deps := sandbox.PollerDeps{Publisher: pub, Cursors: cursors, Logger: testkit.Logger(t)}
	cases := []struct {
		name string
		cfg  sandbox.PollerConfig
		deps sandbox.PollerDeps
	}{
		{"missing_url", sandbox.PollerConfig{Account: "demo", Brand: "demo"}, deps},
		{"bad_brand", sandbox.PollerConfig{BaseURL: "http://x", Account: "demo", Brand: "Demo Brand"}, deps},
		{"missing_account", sandbox.PollerConfig{BaseURL: "http://x", Brand: "demo"}, deps},
		{"missing_publisher", sandbox.PollerConfig{BaseURL: "http://x", Account: "demo", Brand: "demo"}, sandbox.PollerDeps{Cursors: cursors, Logger: testkit.Logger(t)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sandbox.NewPoller(tc.cfg, tc.deps); err == nil {
				t.Fatal("NewPoller accepted it")
			}
		})
	}
}

// metric reads one series of a registry; labels are name, value pairs.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			match := true
			for i := 0; i+1 < len(labels); i += 2 {
				match = match && have[labels[i]] == labels[i+1]
			}
			if !match {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}
