package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	community "github.com/ruche-project/ruche/events/community/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// fakeClock is the clock of the sandbox and of publishing.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestPostMetrics runs the metrics producers against the sandbox network
// on real NATS: one job per account, readings of a post that thin out as
// it ages, a daily follower count, a deleted post no longer read, and zero
// requests while the account is rate limited.
func TestPostMetrics(t *testing.T) {
	conn := testkit.NATS(t)
	clk := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	var metricsCalls, accountCalls atomic.Int64
	sb := startSandboxAt(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/api/v1/metrics":
				metricsCalls.Add(1)
			case strings.HasPrefix(r.URL.Path, "/api/v1/accounts/"):
				accountCalls.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}, clk.Now)
	cfg := testPublishingConfig()
	cfg.MetricsEvery = 5 * time.Minute
	p, svc := startPublishingAt(t, conn, cfg, clk.Now)
	p.account(t, "sandbox", "sandbox", sb.url)
	text := "Le menu d'hiver est là : https://cafe.example/menu"
	p.approve(t, "ap-menu", publishv1.KindPost, text)

	readings := make(chan *nats.Msg, 64)
	sub, err := conn.NC.ChanSubscribe("ruche.community.>", readings)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	ctx := context.Background()
	// run runs the due jobs and returns the events they published.
	run := func() (posts []community.PostMetrics, snaps []community.FollowersCounted) {
		t.Helper()
		svc.RunMetrics(ctx)
		if err := conn.NC.Flush(); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case m := <-readings:
				switch m.Header.Get(events.HeaderType) {
				case community.PostMetrics{}.Name():
					posts = append(posts, decodeEvent[community.PostMetrics](t, m.Data))
				case community.FollowersCounted{}.Name():
					snaps = append(snaps, decodeEvent[community.FollowersCounted](t, m.Data))
				}
			case <-time.After(300 * time.Millisecond):
				return posts, snaps
			}
		}
	}

	// Nothing published yet: the account's job reads its followers only.
	posts, snaps := run()
	if len(posts) != 0 || len(snaps) != 1 || snaps[0].Followers < 48_210 || snaps[0].Account != "sandbox" {
		t.Fatalf("first run: %d readings, snapshots %+v", len(posts), snaps)
	}
	p.request(t, publishv1.Requested{ID: "post-menu", Kind: publishv1.KindPost, ApprovalID: "ap-menu",
		Variants: []publishv1.Variant{{Network: "sandbox", Text: text, Lang: "fr"}}})
	pub := p.settled(t, "post-menu")
	if pub.State != "published" {
		t.Fatalf("publication %+v", pub)
	}
	platformID := pub.Targets[0].PlatformID

	// The account ran 0s ago: its next run is in 5 minutes.
	if posts, snaps := run(); len(posts)+len(snaps) != 0 || metricsCalls.Load() != 0 {
		t.Fatalf("a run before the account is due: %d readings, %d snapshots, %d calls", len(posts), len(snaps), metricsCalls.Load())
	}
	var last community.PostMetrics
	for i, step := range []time.Duration{5 * time.Minute, 5 * time.Minute, 2 * time.Hour} {
		clk.Advance(step)
		posts, snaps = run()
		if len(posts) != 1 || len(snaps) != 0 {
			t.Fatalf("run %d: %d readings, %d snapshots", i, len(posts), len(snaps))
		}
		m := posts[0]
		if err := m.Validate(); err != nil || m.PlatformID != platformID || m.RequestID != "post-menu" || m.Clicks == nil || m.Impressions == nil {
			t.Fatalf("reading %+v: %v", m, err)
		}
		if i > 0 && (*m.Impressions <= *last.Impressions || *m.Reactions < *last.Reactions) {
			t.Fatalf("counts did not grow: %+v then %+v", last, m)
		}
		last = m
	}
	if *last.Impressions == 0 || *last.Clicks == 0 {
		t.Fatalf("two hours after publication: %+v", last)
	}

	// Two days old: read again after an eighth of its age (6h), not every run.
	clk.Advance(46 * time.Hour)
	before := metricsCalls.Load()
	if posts, snaps = run(); len(posts) != 1 || len(snaps) != 1 {
		t.Fatalf("two days later: %d readings, %d snapshots (the daily follower count is due)", len(posts), len(snaps))
	}
	for range 12 { // an hour of runs
		clk.Advance(5 * time.Minute)
		if posts, _ := run(); len(posts) != 0 {
			t.Fatalf("a two-day-old post read again %s later", clk.Now().Sub(posts[0].TakenAt))
		}
	}
	if got := metricsCalls.Load() - before; got != 1 {
		t.Fatalf("%d metrics requests in the hour after a reading, want 1 (the job asks only for due posts)", got)
	}

	// Rate limited: zero requests before the reset.
	clk.Advance(6 * time.Hour)
	if err := sb.SetFault(sandbox.Fault{Mode: sandbox.FaultRateLimited, RetryAfterSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	calls := metricsCalls.Load()
	if posts, _ = run(); len(posts) != 0 || metricsCalls.Load() != calls+1 {
		t.Fatalf("a 429: %d readings, %d requests", len(posts), metricsCalls.Load()-calls)
	}
	sb.ClearFault()
	for range 6 {
		clk.Advance(5 * time.Minute)
		run()
	}
	if metricsCalls.Load() != calls+1 {
		t.Fatalf("%d requests before the rate limit's reset", metricsCalls.Load()-calls-1)
	}
	clk.Advance(time.Hour)
	if posts, _ = run(); len(posts) != 1 {
		t.Fatalf("after the reset: %d readings", len(posts))
	}

	// Deleted on the network: no longer read.
	p.request(t, publishv1.Requested{ID: "delete-menu", Kind: publishv1.KindDelete, InteractionID: "sandbox:" + platformID})
	if d := p.settled(t, "delete-menu"); d.State != "published" {
		t.Fatalf("delete %+v", d)
	}
	clk.Advance(12 * time.Hour)
	calls = metricsCalls.Load()
	if posts, _ = run(); len(posts) != 0 || metricsCalls.Load() != calls+1 {
		t.Fatalf("the deleted post: %d readings, %d requests", len(posts), metricsCalls.Load()-calls)
	}
	clk.Advance(12 * time.Hour)
	if run(); metricsCalls.Load() != calls+1 {
		t.Fatal("a deleted post is still read")
	}
}

func decodeEvent[E any](t testing.TB, data []byte) E {
	t.Helper()
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return e
}
