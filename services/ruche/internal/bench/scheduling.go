package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/scheduling"
)

// Sizes of the scheduling phase: the 10,000 posts due in one
// minute; a few due in five seconds in the smoke test.
const (
	schedulePosts      = 10_000
	scheduleSmokePosts = 40
	scheduleWorkers    = 8
)

// schedulingPhase measures due-to-published as BenchmarkDueToPublished
// does, end to end: scheduling and publishing on one embedded JetStream
// (message schedules), the sandbox network over HTTP. N approved posts
// (each its own text) are scheduled due over one minute, one every
// 60 s / N (wall times are to the second); each one's latency runs from its due instant to its
// publish.succeeded. The sandbox then counts each text: a post lost or
// published twice is a MISS.
func (b *bench) schedulingPhase(ctx context.Context) error {
	n, window := schedulePosts, time.Minute
	if b.cfg.Smoke {
		n, window = scheduleSmokePosts, 5*time.Second
	}
	var sched *scheduling.Service
	st, err := startPublishing(ctx, "ruche-bench-schedule", func(conn *bus.Conn, router *bus.Router) (func(context.Context) error, error) {
		var err error
		sched, err = scheduling.New(scheduling.Config{Consumer: "scheduling", LateAfter: 30 * time.Second, Horizon: 24 * time.Hour, DefaultZone: "Europe/Paris", RecycleEvery: time.Hour},
			scheduling.Deps{Router: router, Logger: slog.New(slog.DiscardHandler), NATS: conn.NC, JS: conn.JS, Replicas: 1})
		if err != nil {
			return nil, err
		}
		return sched.Run, nil
	})
	if err != nil {
		return err
	}
	defer st.stop()

	var mu sync.Mutex
	arrived := map[string]time.Time{} // publish request id → first publish.succeeded
	succeeded := 0
	sub, err := st.conn.NC.Subscribe("ruche.publish.succeeded.v1."+benchBrand, func(m *nats.Msg) {
		now := time.Now()
		var s publishv1.Succeeded
		if json.Unmarshal(m.Data, &s) != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		succeeded++
		if _, ok := arrived[s.RequestID]; !ok {
			arrived[s.RequestID] = now
		}
	})
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()

	// Approve every post (scheduling records each approval in publishing),
	// timing it: scheduling is lighter, so this rate bounds how far ahead
	// the minute must start for every post to be scheduled before it is due.
	posts := make([]query.Post, n)
	text := func(i int) string { return fmt.Sprintf("Bench post n°%d de la minute", i) }
	prep := time.Now()
	if err := inParallel(ctx, n, scheduleWorkers, func(i int) error {
		var err error
		posts[i], err = approvedPost(ctx, sched, text(i))
		return err
	}); err != nil {
		return err
	}
	start := time.Now().Add(max(5*time.Second, time.Since(prep))).Truncate(time.Second)
	paris, _ := time.LoadLocation("Europe/Paris")
	due := func(i int) time.Time { return start.Add(time.Duration(i) * window / time.Duration(n)) }
	var lateScheduled int
	scheduling := time.Now()
	if err := inParallel(ctx, n, scheduleWorkers, func(i int) error {
		p, err := sched.Schedule(ctx, query.SchedulePostRequest{PostRef: query.PostRef{Brand: benchBrand, ID: posts[i].ID}, Revision: posts[i].Revision,
			By: "user:bench", Wall: due(i).In(paris).Format("2006-01-02T15:04:05"), Zone: "Europe/Paris"})
		if err != nil {
			return err
		}
		if time.Now().After(p.Time.At) {
			mu.Lock()
			lateScheduled++
			mu.Unlock()
		}
		posts[i] = p
		return nil
	}); err != nil {
		return err
	}
	scheduleRate := rate(int64(n), time.Since(scheduling))

	// Wait for every outcome (a minute of due times, then the tail).
	deadline := due(n - 1).Add(2 * time.Minute)
	for {
		mu.Lock()
		got := len(arrived)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	time.Sleep(time.Second) // a double would come now

	lat := make([]time.Duration, 0, n)
	mu.Lock()
	for i := range posts {
		p, err := sched.Get(ctx, query.PostRef{Brand: benchBrand, ID: posts[i].ID})
		if err != nil {
			mu.Unlock()
			return err
		}
		if at, ok := arrived[p.RequestID]; ok && p.RequestID != "" {
			lat = append(lat, at.Sub(p.Time.At))
		}
	}
	events := succeeded
	mu.Unlock()
	received := st.network.Received().PostsByText
	lost, doubled := 0, 0
	for i := range n {
		switch c := received[text(i)]; {
		case c == 0:
			lost++
		case c > 1:
			doubled += c - 1
		}
	}
	if len(lat) == 0 {
		return errors.New("no scheduled post was published")
	}
	p := percentiles(lat, 50, 95, 99)
	b.res.Add("schedule_posts_per_s", scheduleRate, "posts/s", fmt.Sprintf("approved posts scheduled (Schedule: approval recorded with publishing, timer armed, post updated) by %d concurrent callers", scheduleWorkers))
	b.res.Add("schedule_due_to_published_p50", p[0], "ms", fmt.Sprintf("%d approved posts due over %s (scheduling's JetStream message schedules → publish request → publishing → sandbox over HTTP): due instant → publish.succeeded", n, window))
	b.res.Add("schedule_due_to_published_p95", p[1], "ms", "the same, 95th percentile")
	b.res.Add("schedule_due_to_published_p99", p[2], "ms", "the same, 99th percentile")
	b.res.Add("schedule_lost", float64(lost), "posts", "scheduled posts the sandbox never received").Exactly(0)
	b.res.Add("schedule_doubled", float64(doubled), "posts", "scheduled posts the sandbox received more than once").Exactly(0)
	if lateScheduled > 0 {
		b.res.Add("schedule_scheduled_after_due", float64(lateScheduled), "posts", "posts whose scheduling call returned after their due instant (their latency counts from the due instant)")
	}
	b.log("scheduling: %d posts due from %s over %s, %d outcomes, %d published, %d lost, %d doubled",
		n, start.Format(time.TimeOnly), window, events, len(lat), lost, doubled)
	return nil
}

// approvedPost creates, submits and approves a post on the sandbox with
// the default policy (one manager).
func approvedPost(ctx context.Context, s *scheduling.Service, text string) (query.Post, error) {
	p, err := s.Create(ctx, query.CreatePostRequest{Brand: benchBrand, By: "user:bench",
		PostContent: query.PostContent{Variants: []query.PostVariant{{Network: "sandbox", Text: text}}}})
	if err != nil {
		return p, err
	}
	act := func(p query.Post, role string) query.PostActionRequest {
		return query.PostActionRequest{PostRef: query.PostRef{Brand: benchBrand, ID: p.ID}, Revision: p.Revision, By: "user:bench", Role: role}
	}
	if p, err = s.Submit(ctx, act(p, "")); err != nil {
		return p, err
	}
	if p, err = s.Approve(ctx, act(p, "manager")); err != nil {
		return p, err
	}
	if p.State != postv1.StateApproved {
		return p, fmt.Errorf("post %s is %s after its approval", p.ID, p.State)
	}
	return p, nil
}

// inParallel runs fn(0..n-1) on workers goroutines; the first error stops
// the rest.
func inParallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				if ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
