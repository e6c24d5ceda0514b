package bus_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// BenchmarkConsume measures the consuming side: b.N events already in the
// stream, from the router's start until every one is handled and acked, by
// a per-event handler (Handle, on Watermill's router) and by a batch
// handler (HandleBatch) that does nothing with its events.
func BenchmarkConsume(b *testing.B) {
	for _, c := range []struct {
		name     string
		register func(r *bus.Router, consumer string, done *atomic.Int64) error
	}{
		{"Handle", func(r *bus.Router, consumer string, done *atomic.Int64) error {
			return bus.Handle(r, consumer, func(context.Context, v1.Received, events.Envelope) error {
				done.Add(1)
				return nil
			})
		}},
		{"HandleBatch", func(r *bus.Router, consumer string, done *atomic.Int64) error {
			return bus.HandleBatch(r, consumer, 128, func(_ context.Context, batch []bus.Delivery[v1.Received]) []error {
				done.Add(int64(len(batch)))
				return make([]error, len(batch))
			})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn := testkit.NATS(b)
			pub, err := bus.NewPublisher(conn.JS)
			if err != nil {
				b.Fatal(err)
			}
			// In rounds of 1,000: nats.go stalls past 4,000 outstanding.
			for start := 0; start < b.N; start += 1000 {
				futures := make([]jetstream.PubAckFuture, min(1000, b.N-start))
				for i := range futures {
					r, env := received(c.name + strconv.Itoa(start+i))
					if futures[i], err = pub.PublishEventAsync(context.Background(), r, env); err != nil {
						b.Fatal(err)
					}
				}
				for _, err := range pub.Wait(context.Background(), futures) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			// Production logs: Info and above, written nowhere.
			log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
			router, err := bus.NewRouter(conn, log, nil)
			if err != nil {
				b.Fatal(err)
			}
			var done atomic.Int64
			if err := c.register(router, "bench", &done); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan error, 1)
			go func() { stopped <- router.Run(ctx) }()
			<-router.Running()
			cons, err := conn.JS.Consumer(context.Background(), "RUCHE_INTERACTION", "bench")
			if err != nil {
				b.Fatal(err)
			}
			for {
				info, err := cons.Info(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if done.Load() >= int64(b.N) && info.NumPending == 0 && info.NumAckPending == 0 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			cancel()
			if err := <-stopped; err != nil {
				b.Fatal(err)
			}
		})
	}
}
