package bus_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// BenchmarkPublishEvent publishes events from concurrent goroutines, as
// ingest's webhook handlers do, each waiting for its event to be stored: by
// PublishEvent, and by PublishEventAsync and Wait as batch handlers do. (A
// synchronous JetStream publish in PublishEvent took 40.5 µs/op here where
// its wait on an asynchronous publish takes 24.7.)
func BenchmarkPublishEvent(b *testing.B) {
	conn := testkit.NATS(b)
	pub, err := bus.NewPublisher(conn.JS)
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.Run("PublishEvent", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, env := received("s" + strconv.FormatInt(n.Add(1), 10))
				if _, err := pub.PublishEvent(context.Background(), r, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("PublishEventAsync_Wait", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, env := received("a" + strconv.FormatInt(n.Add(1), 10))
				f, err := pub.PublishEventAsync(context.Background(), r, env)
				if err != nil {
					b.Fatal(err)
				}
				if err := pub.Wait(context.Background(), []jetstream.PubAckFuture{f})[0]; err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
