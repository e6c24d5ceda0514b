package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/bus"
)

// asyncWindow is how many asynchronous publishes may await their ack.
const asyncWindow = 4096

// rawJetStream measures JetStream on an embedded server started in the
// bench process (publishers and consumer in the same process, as in `ruche
// up`) exactly as `ruche up` starts its own (pkg/bus: file storage
// in a fresh directory, in-process connection), on a stream configured like
// RUCHE_INTERACTION: ~600-byte bodies with the envelope headers and a unique
// Nats-Msg-Id each, so that the duplicate window does its work as in the
// pipeline.
func (b *bench) rawJetStream(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "ruche-bench-js")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.DiscardHandler)
	conn, err := bus.Connect(ctx, bus.Config{DataDir: dir, Replicas: 1, ConnectTimeout: 30 * time.Second, AckWait: 30 * time.Second, MaxDeliver: 8}, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	var failed atomic.Int64
	js, err := jetstream.New(conn.NC, jetstream.WithPublishAsyncMaxPending(asyncWindow),
		jetstream.WithPublishAsyncErrHandler(func(jetstream.JetStream, *nats.Msg, error) { failed.Add(1) }))
	if err != nil {
		return err
	}
	cfg := bus.StreamConfig(events.Stream{Name: "BENCH", Subjects: []string{"bench.>"}, MaxAge: 24 * time.Hour, DuplicateWindow: 2 * time.Minute}, 1)
	stream, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return err
	}
	pay := newPayload("js-")
	var seq atomic.Int64
	msg := func() *nats.Msg {
		n := seq.Add(1)
		m := nats.NewMsg("bench.interaction.received.v1.demo")
		m.Data = pay.body(make([]byte, 0, 700), n)
		m.Header.Set(events.HeaderID, "generic:"+pay.id(n))
		m.Header.Set(events.HeaderDedupID, events.DedupID("demo", "generic:"+pay.id(n)))
		m.Header.Set(events.HeaderType, "interaction.received.v1")
		m.Header.Set(events.HeaderVersion, "1")
		m.Header.Set(events.HeaderBrand, "demo")
		return m
	}
	b.log("jetstream: body %d bytes", len(msg().Data))
	seq.Store(0)

	// Synchronous: each publish waits for the stream's ack.
	syncPublish := func(publishers int, d time.Duration) (int64, time.Duration, error) {
		var (
			wg    sync.WaitGroup
			count atomic.Int64
			fail  atomic.Value
		)
		pctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		start := time.Now()
		for range publishers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for pctx.Err() == nil {
					if _, err := js.PublishMsg(ctx, msg()); err != nil {
						fail.Store(err)
						return
					}
					count.Add(1)
				}
			}()
		}
		wg.Wait()
		if err, _ := fail.Load().(error); err != nil {
			return 0, 0, fmt.Errorf("sync publish: %w", err)
		}
		return count.Load(), time.Since(start), nil
	}
	d := b.cfg.share(0.035, 300*time.Millisecond)
	n, took, err := syncPublish(1, d)
	if err != nil {
		return err
	}
	b.res.Add("js_publish_sync_1", rate(n, took), "msg/s", "one publisher, each publish waits for its ack; embedded server in the bench process, in-process connection")
	n, took, err = syncPublish(b.cfg.Clients, d)
	if err != nil {
		return err
	}
	b.res.Add("js_publish_sync", rate(n, took), "msg/s", strconv.Itoa(b.cfg.Clients)+" concurrent publishers (as many as HTTP clients), each waits for its ack").
		Reference("30k (HTTP decode + sync publish)")

	// Asynchronous with a window of unacknowledged publishes.
	before := seq.Load()
	start := time.Now()
	deadline := start.Add(b.cfg.share(0.04, 300*time.Millisecond))
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for range 256 {
			if _, err := js.PublishMsgAsync(msg(), jetstream.WithStallWait(30*time.Second)); err != nil {
				return fmt.Errorf("async publish: %w", err)
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		return fmt.Errorf("async publish: acks still pending after a minute")
	}
	took = time.Since(start)
	published := seq.Load() - before
	if failed.Load() > 0 {
		return fmt.Errorf("async publish: %d of %d failed", failed.Load(), published)
	}
	b.res.Add("js_publish_async", rate(published, took), "msg/s", fmt.Sprintf("one publisher, window of %d pending acks, until every ack is in", asyncWindow)).
		Reference("112k")

	// Pull consume with explicit acks, everything stored so far.
	info, err := stream.Info(ctx)
	if err != nil {
		return err
	}
	total := int64(info.State.Msgs)
	cons, err := js.CreateOrUpdateConsumer(ctx, "BENCH", jetstream.ConsumerConfig{
		Durable: "bench", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxAckPending: 8192,
	})
	if err != nil {
		return err
	}
	var got atomic.Int64
	all := make(chan struct{})
	start = time.Now()
	cc, err := cons.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if got.Add(1) == total {
			close(all)
		}
	}, jetstream.PullMaxMessages(1000))
	if err != nil {
		return err
	}
	select {
	case <-all:
	case <-time.After(b.cfg.share(0.04, 2*time.Second) + 30*time.Second):
	case <-ctx.Done():
	}
	took = time.Since(start)
	cc.Stop()
	_ = conn.NC.Flush()
	b.res.Add("js_consume_ack", rate(got.Load(), took), "msg/s", fmt.Sprintf("pull consumer, explicit ack per message, %d stored messages", total)).
		Reference("144k")
	return nil
}
