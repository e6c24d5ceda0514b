package moderation

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation/classify"
)

// TestCrisisReplicas runs two replicas' trackers on one KV bucket with a
// scripted clock: each sees half of the traffic, and together they publish
// one crisis.detected and one crisis.resolved.
func TestCrisisReplicas(t *testing.T) {
	conn := testkit.NATS(t)
	pub, err := bus.NewPublisher(conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx := context.Background()
	var replicas []*crisisTracker
	var notified counterMap
	for range 2 {
		c, err := openCrisisTracker(ctx, conn.JS, 1, pub, BuiltinPolicies{}, testkit.Logger(t), clock)
		if err != nil {
			t.Fatal(err)
		}
		c.notify = func(brand, event string, rec query.Crisis) { notified.add(event + " " + rec.Status) }
		replicas = append(replicas, c)
	}
	listed := func(status string) []query.Crisis {
		resp, err := replicas[0].list(ctx, query.ListCrisesRequest{Brand: "demo", Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Crises
	}
	neg := classify.Classify(classify.Input{Text: "Intoxication alimentaire, c'est une honte, scandaleux !"})
	pos := classify.Classify(classify.Input{Text: "Super, merci beaucoup !"})
	if neg.Sentiment.Label != classify.SentimentNegative || pos.Sentiment.Label == classify.SentimentNegative {
		t.Fatalf("fixture sentiments: %v / %v", neg.Sentiment, pos.Sentiment)
	}
	n := 0
	feed := func(volume, negative int) {
		start := clock()
		for i := range volume {
			n++
			at := start.Add(time.Duration(i) * (50 * time.Second / time.Duration(volume)))
			r := v1.Received{ID: fmt.Sprintf("x:%d", n), Brand: "demo", Text: "Intoxication alimentaire, c'est une honte, scandaleux !", CreatedAt: at, ReceivedAt: at}
			res := pos
			if i < negative {
				res = neg
			}
			replicas[n%2].observe(r, res) // the shared consumer splits the work
		}
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
		for _, c := range replicas { // both flush, past the grace of the last window
			mu.Lock()
			now = now.Add(crisisGrace / 2)
			mu.Unlock()
			c.flush(ctx)
		}
		mu.Lock()
		now = now.Add(-crisisGrace)
		mu.Unlock()
	}
	count := func(subject string) uint64 {
		st, err := conn.JS.Stream(ctx, events.StreamName(events.DomainCrisis))
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx, jetstreamSubjects(subject))
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Subjects[subject]
	}
	for i := range 20 {
		feed(6+i%3, 1)
	}
	if got := count("ruche.crisis.detected.v1.demo"); got != 0 {
		t.Fatalf("%d detections during the baseline", got)
	}
	feed(120, 100)
	feed(140, 120)
	if got := count("ruche.crisis.detected.v1.demo"); got != 1 {
		t.Fatalf("%d detections after the burst, want 1", got)
	}
	if open := listed(query.CrisisOpen); len(open) != 1 || open[0].PeakVolume != 140 || len(open[0].Windows) != 2 || len(open[0].Samples) == 0 {
		t.Fatalf("open crises %+v", open)
	}
	detections := testutil.ToFloat64(replicas[0].metrics.detections.WithLabelValues(query.TriggerVolume)) +
		testutil.ToFloat64(replicas[1].metrics.detections.WithLabelValues(query.TriggerVolume))
	if detections != 1 || notified.get("crisis.detected.v1 open") != 1 {
		t.Fatalf("%v detections counted, %d notified, want 1 each", detections, notified.get("crisis.detected.v1 open"))
	}
	for i := range 6 {
		feed(6+i%3, 1)
	}
	if d, r := count("ruche.crisis.detected.v1.demo"), count("ruche.crisis.resolved.v1.demo"); d != 1 || r != 1 {
		t.Fatalf("detected %d resolved %d, want 1 and 1", d, r)
	}
	if open, all := listed(query.CrisisOpen), listed(""); len(open) != 0 || len(all) != 1 || all[0].Status != query.CrisisResolved || all[0].ResolvedAt == nil {
		t.Fatalf("open %+v, all %+v", open, all)
	}
	if notified.get("crisis.resolved.v1 resolved") != 1 {
		t.Fatal("the resolution was not notified once")
	}
	if _, err := replicas[0].list(ctx, query.ListCrisesRequest{Brand: "demo", Status: "closed"}); err == nil {
		t.Fatal("an unknown status is accepted")
	}
}

type counterMap struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counterMap) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}

func (c *counterMap) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

func jetstreamSubjects(filter string) jetstream.StreamInfoOpt {
	return jetstream.WithSubjectFilter(filter)
}

func TestCrisisMetricsShareARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := newCrisisMetrics(), newCrisisMetrics()
	if err := a.register(reg); err != nil {
		t.Fatal(err)
	}
	if err := b.register(reg); err != nil {
		t.Fatalf("a second service on the registry: %v", err)
	}
	b.detections.WithLabelValues(query.TriggerVolume).Inc()
	if got := testutil.ToFloat64(a.detections.WithLabelValues(query.TriggerVolume)); got != 1 {
		t.Fatalf("shared counter = %v", got)
	}
}
