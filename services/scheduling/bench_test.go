package scheduling_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// BenchmarkDueToPublished schedules 10,000 posts due over one minute (one
// every 6 ms) and measures, for each, from its due instant to its publish
// request's arrival at a consumer (the request publishing acts on): p50
// and p99 in milliseconds. Run it once: -bench DueToPublished -benchtime 1x
// (SCHEDULING_BENCH_POSTS changes the count).
func BenchmarkDueToPublished(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("SCHEDULING_BENCH_POSTS")); err == nil && v > 0 {
		n = v
	}
	for b.Loop() {
		h := newHarness(b)
		var mu sync.Mutex
		arrived := map[string]time.Time{}
		router, err := bus.NewRouter(h.conn, testkit.Logger(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := bus.Handle(router, "bench-requests", func(_ context.Context, r publishv1.Requested, _ events.Envelope) error {
			mu.Lock()
			if _, ok := arrived[r.ID]; !ok {
				arrived[r.ID] = time.Now()
			}
			mu.Unlock()
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = router.Run(ctx); close(done) }()
		<-router.Running()
		posts := h.approvedMany(b, n, 8)
		// The minute starts once every post is scheduled: 40 s of margin
		// measured on this machine's scheduling rate.
		start := time.Now().Add(40 * time.Second).Truncate(time.Second)
		h.scheduleMany(b, posts, 8, func(i int) time.Time { return start.Add(time.Duration(i) * 6 * time.Millisecond).Truncate(time.Second) })
		if time.Now().After(start) {
			b.Logf("scheduling took past the minute's start: early posts count late")
		}
		for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			mu.Lock()
			got := len(arrived)
			mu.Unlock()
			if got == n {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d requests arrived, %d stored, want %d", got, h.stored(b), n)
			}
		}
		cancel()
		<-done
		lat := make([]float64, 0, n)
		for _, p := range posts {
			got, err := h.svc.Get(context.Background(), refOf(p))
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, float64(arrived[got.RequestID].Sub(got.Time.At))/float64(time.Millisecond))
		}
		slices.Sort(lat)
		b.ReportMetric(lat[n/2], "p50-ms")
		b.ReportMetric(lat[n*99/100], "p99-ms")
		b.ReportMetric(lat[n-1], "max-ms")
	}
}
