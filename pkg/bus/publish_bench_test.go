package bus_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
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
	ctx := context.Background()
	var n atomic.Int64
	for _, c := range []struct {
		name    string
		publish func(v1.Received, events.Envelope) error
	}{
		{"PublishEvent", func(r v1.Received, env events.Envelope) error {
			_, err := pub.PublishEvent(ctx, r, env)
			return err
		}},
		{"PublishEventAsync_Wait", func(r v1.Received, env events.Envelope) error {
			f, err := pub.PublishEventAsync(ctx, r, env)
			if err != nil {
				return err
			}
			return pub.Wait(ctx, []jetstream.PubAckFuture{f})[0]
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.publish(received(c.name + strconv.FormatInt(n.Add(1), 10))); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
