package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ruche-project/ruche/pkg/secret"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/moderation"
)

// TestCrisisScenarios feeds the sandbox's scenarios, on top of its
// ordinary traffic (30 items a minute), through moderation on a real
// JetStream, on a simulated clock: the crisis burst opens a crisis visible
// through ListCrises within two minutes of its start, with its evidence;
// the viral post opens none.
func TestCrisisScenarios(t *testing.T) {
	for _, tc := range []struct {
		name, scenario string
		// baseline is the ordinary traffic before the scenario starts;
		// watch is how long after the start the crises are read.
		baseline, watch time.Duration
		// trigger of the crisis expected, "" for none.
		trigger string
	}{
		{"crisis_burst_opens_a_crisis_within_two_minutes", sandbox.ScenarioCrisisBurst, 12*time.Minute + 10*time.Second, 2 * time.Minute, query.TriggerVolume},
		{"crisis_burst_at_start_up_opens_one_without_a_baseline", sandbox.ScenarioCrisisBurst, 10 * time.Second, 2 * time.Minute, query.TriggerColdStart},
		{"viral_post_opens_none", sandbox.ScenarioViralPost, 12*time.Minute + 10*time.Second, 7 * time.Minute, ""},
		{"viral_post_at_start_up_opens_none", sandbox.ScenarioViralPost, 10 * time.Second, 7 * time.Minute, ""},
	} {
		for _, seed := range []uint64{14, 41, 97} { // three different days of traffic and bursts
			t.Run(fmt.Sprintf("%s/seed_%d", tc.name, seed), func(t *testing.T) {
				t.Parallel()
				w := startCrisisWorld(t, seed)
				start := w.t0.Add(tc.baseline)
				w.simulate(t, start)
				run, err := w.net.StartScenario(tc.scenario, sandbox.ScenarioOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if run.Count < 300 {
					t.Fatalf("scenario of %d items, want several hundred", run.Count)
				}
				w.simulate(t, start.Add(tc.watch))
				crises := w.crises(t)
				if tc.trigger == "" {
					if len(crises) != 0 {
						t.Fatalf("the %s opened %d crises: %+v", tc.scenario, len(crises), crises[0])
					}
					return
				}
				if len(crises) != 1 {
					t.Fatalf("%d crises after the burst, want 1", len(crises))
				}
				c := crises[0]
				cold := tc.trigger == query.TriggerColdStart
				if c.Status != query.CrisisOpen || c.Trigger != tc.trigger || c.OpenedAt.Before(start.Truncate(time.Minute)) || c.OpenedAt.Sub(start) > time.Minute ||
					c.Volume < 60 || c.NegativeShare < c.BaselineNegativeShare+0.1 || !cold && (c.BaselineVolume < 15 || c.BaselineVolume > 50) ||
					len(c.Windows) == 0 || len(c.Samples) == 0 || len(c.TopTerms) == 0 {
					t.Fatalf("crisis %+v", c)
				}
				t.Logf("crisis %s (%s): opening window %d at %.2f negative, baseline %.1f at %.2f, top terms %v",
					c.ID, c.Trigger, c.Volume, c.NegativeShare, c.BaselineVolume, c.BaselineNegativeShare, c.TopTerms)
			})
		}
	}
}

// crisisWorld is moderation and the sandbox network on one simulated clock.
type crisisWorld struct {
	conn   *bus.Conn
	router *bus.Router
	net    *sandbox.Network
	api    *httptest.Server
	rpc    *rpc.Client

	mu        sync.Mutex
	now       time.Time
	t0        time.Time
	cursor    string
	published int
	moderated atomic.Int64
}

func startCrisisWorld(t *testing.T, seed uint64) *crisisWorld {
	t.Helper()
	w := &crisisWorld{conn: testkit.NATS(t), cursor: "0"}
	w.t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	w.now = w.t0
	var err error
	if w.router, err = bus.NewRouter(w.conn, testkit.Logger(t), nil); err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := moderation.New(moderation.Config{Consumer: "moderation"}, moderation.Deps{
		Router: w.router, Logger: testkit.Logger(t), NATS: w.conn.NC, JS: w.conn.JS, Replicas: 1,
		Now: w.clock, CrisisFlush: 20 * time.Millisecond, Secrets: box,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = bus.Handle(w.router, "test-moderated", func(context.Context, v1.Moderated, events.Envelope) error {
		w.moderated.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.net, err = sandbox.New(sandbox.Config{Account: "demo", BaseURL: "http://sandbox.test", RatePerMinute: 30, Seed: seed, Now: w.clock}, testkit.Logger(t)); err != nil {
		t.Fatal(err)
	}
	w.api = httptest.NewServer(w.net.Handler())
	t.Cleanup(w.api.Close)
	if w.rpc, err = rpc.NewClient(w.conn.NC); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.router.Run(ctx) })
	wg.Go(func() { _ = svc.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	<-w.router.Running()
	return w
}

func (w *crisisWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// simulate moves the clock second by second until until: the network adds
// what is due, every new item goes through moderation as ingest would
// publish it, and the clock moves on only once moderation has decided them
// all (so every count is in before its window closes).
func (w *crisisWorld) simulate(t *testing.T, until time.Time) {
	t.Helper()
	for w.clock().Before(until) {
		w.mu.Lock()
		w.now = w.now.Add(time.Second)
		now := w.now
		w.mu.Unlock()
		w.net.Step(now)
		for _, raw := range w.fetch(t) {
			r, err := sandbox.Normalize(raw, "demo", "sandbox", now)
			if err != nil {
				t.Fatal(err)
			}
			env, err := events.NewEnvelope(r, r.ID, r.Brand, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
				t.Fatal(err)
			}
			w.published++
		}
		deadline := time.Now().Add(20 * time.Second)
		for w.moderated.Load() < int64(w.published) { // polled fast: hundreds of simulated seconds
			if time.Now().After(deadline) {
				t.Fatalf("moderation decided %d of %d interactions", w.moderated.Load(), w.published)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond) // several flushes of the crisis counts at this time
}

// fetch reads the network's new activity, as the sandbox connector does.
func (w *crisisWorld) fetch(t *testing.T) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for {
		resp, err := http.Get(fmt.Sprintf("%s/api/v1/accounts/demo/activity?limit=100&since_id=%s", w.api.URL, w.cursor))
		if err != nil {
			t.Fatal(err)
		}
		var page sandbox.Page
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("activity: %d %v", resp.StatusCode, err)
		}
		out = append(out, page.Items...)
		w.cursor = page.NextSinceID
		if !page.HasMore {
			return out
		}
	}
}

func (w *crisisWorld) crises(t *testing.T) []query.Crisis {
	t.Helper()
	resp, err := rpc.Ask(context.Background(), w.rpc, query.ListCrises, query.ListCrisesRequest{Brand: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Crises
}
