package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/bus"
)

// sink moves interaction events from JetStream to ClickHouse in batches. It
// pulls with Fetch rather than a Watermill subscription, which holds one
// message in flight: a batch needs many messages held unacked until it is
// written. Every message is acked only after its batch is stored; a failed
// batch is nak'd with a growing delay, and parked on the DLQ after its last
// delivery; an undecodable message is parked and terminated at once.
type sink struct {
	cfg Config
	// stream is the JetStream stream this sink reads (one sink per stream:
	// a consumer belongs to one stream), filters the event types it stores.
	stream  string
	filters []string
	nc      *nats.Conn
	js      jetstream.JetStream
	store   store
	log     *slog.Logger
	metrics *metrics
	now     func() time.Time
}

// batch is what the sink holds between two flushes.
type batch struct {
	msgs         []jetstream.Msg
	interactions []interactionRow
	states       []stateRow
	others       []tableRow
	first        time.Time
}

// reset empties b for the next batch and keeps its slices' room, since a
// busy sink fills batches of the same size again and again. The elements are
// cleared first, so the written events are not kept alive.
func (b *batch) reset() {
	clear(b.msgs)
	clear(b.interactions)
	clear(b.states)
	clear(b.others)
	*b = batch{msgs: b.msgs[:0], interactions: b.interactions[:0], states: b.states[:0], others: b.others[:0]}
}

// consumerConfig is the durable pull consumer of the sink.
func (s *sink) consumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        s.cfg.Consumer,
		Description:    "analytics: " + s.stream + " events to ClickHouse",
		FilterSubjects: s.filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        s.cfg.AckWait,
		// One more than the DLQ threshold: a delivery lost to a crash still
		// leaves one that can park the message.
		MaxDeliver:    s.cfg.MaxDeliver + 1,
		MaxAckPending: 2 * s.cfg.BatchSize,
	}
}

func (s *sink) consumer(ctx context.Context) (jetstream.Consumer, error) {
	c, err := s.js.CreateOrUpdateConsumer(ctx, s.stream, s.consumerConfig())
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", s.cfg.Consumer, s.stream, err)
	}
	return c, nil
}

// run pulls and flushes until ctx is done, then flushes what it holds.
func (s *sink) run(ctx context.Context, cons jetstream.Consumer) {
	var (
		b        batch
		failures int
	)
	for {
		if ctx.Err() != nil {
			s.drain(&b)
			return
		}
		// A pull returns when it has its count or its wait is over, and
		// what arrives during it waits for it: with an empty batch, a pull
		// waits no longer than an event may wait in a partial batch.
		wait := min(s.cfg.FetchWait, s.cfg.FlushInterval)
		if len(b.msgs) > 0 {
			wait = min(wait, b.first.Add(s.cfg.FlushInterval).Sub(s.now()))
		}
		if wait >= 10*time.Millisecond && len(b.msgs) < s.cfg.BatchSize {
			fetched, err := cons.Fetch(s.cfg.BatchSize-len(b.msgs), jetstream.FetchMaxWait(wait))
			if err == nil {
				for msg := range fetched.Messages() {
					s.add(&b, msg)
				}
				err = fetched.Error()
			}
			if err != nil {
				failures++
				cons = s.recover(ctx, cons, err, failures)
				continue
			}
		}
		if len(b.msgs) == 0 {
			continue
		}
		if due := b.first.Add(s.cfg.FlushInterval); len(b.msgs) < s.cfg.BatchSize && s.now().Before(due) {
			if due.Sub(s.now()) < 10*time.Millisecond {
				sleep(ctx, due.Sub(s.now())) // too short for a pull
			}
			continue
		}
		err := s.flush(ctx, &b)
		if err != nil {
			for _, msg := range b.msgs {
				s.retry(msg, err, true)
			}
		}
		b.reset()
		if err != nil {
			failures++
			sleep(ctx, s.retryDelay(failures))
			continue
		}
		failures = 0
	}
}

// recover handles a failed pull: it re-creates a consumer deleted under the
// sink and backs off on anything else. Only ctx ending stops the sink.
func (s *sink) recover(ctx context.Context, cons jetstream.Consumer, err error, failures int) jetstream.Consumer {
	if ctx.Err() != nil {
		return cons
	}
	s.metrics.errors.WithLabelValues("fetch").Inc()
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		s.log.Warn("analytics consumer vanished, re-creating it", "consumer", s.cfg.Consumer, "error", err)
		c, cerr := s.consumer(ctx)
		if cerr == nil {
			return c
		}
		err = cerr
	}
	s.log.Warn("pull from JetStream failed", "consumer", s.cfg.Consumer, "error", err)
	sleep(ctx, s.retryDelay(failures))
	return cons
}

// add decodes msg into the batch, or parks and terminates it.
func (s *sink) add(b *batch, msg jetstream.Msg) {
	d, err := decode(msg.Subject(), msg.Headers().Get, msg.Data(), s.now())
	if err != nil {
		s.metrics.errors.WithLabelValues("decode").Inc()
		s.poison(msg, err)
		return
	}
	if len(b.msgs) == 0 {
		b.first = s.now()
	}
	b.msgs = append(b.msgs, msg)
	if d.interaction != nil {
		b.interactions = append(b.interactions, *d.interaction)
	}
	if d.state != nil {
		b.states = append(b.states, *d.state)
	}
	if d.other != nil {
		b.others = append(b.others, *d.other)
	}
}

// flush writes the batch, then acks every message of it. On failure it
// leaves the messages to the caller.
func (s *sink) flush(ctx context.Context, b *batch) error {
	start := s.now()
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.InsertTimeout)
	err := s.store.write(ictx, b.interactions, b.states, b.others)
	cancel()
	s.metrics.flush.Observe(s.now().Sub(start).Seconds())
	if err != nil {
		s.metrics.batches.WithLabelValues("error").Inc()
		s.metrics.errors.WithLabelValues("insert").Inc()
		s.log.Error("write batch to ClickHouse failed; its events will be redelivered", "events", len(b.msgs), "error", err)
		return err
	}
	s.metrics.batches.WithLabelValues("ok").Inc()
	s.metrics.rows.WithLabelValues("interactions").Add(float64(len(b.interactions)))
	s.metrics.rows.WithLabelValues("interaction_state").Add(float64(len(b.states)))
	for _, r := range b.others {
		s.metrics.rows.WithLabelValues(r.table).Inc()
	}
	for _, msg := range b.msgs {
		if err := msg.Ack(); err != nil {
			// Redelivery is harmless: the rows collapse.
			s.metrics.errors.WithLabelValues("ack").Inc()
			s.log.Warn("ack failed", "subject", msg.Subject(), "error", err)
		}
	}
	// Push the acks out now rather than with the next pull.
	if err := s.nc.FlushTimeout(5 * time.Second); err != nil {
		s.log.Warn("flush acks to NATS failed", "error", err)
	}
	s.log.Debug("batch written", "events", len(b.msgs), "interactions", len(b.interactions), "states", len(b.states), "took", s.now().Sub(start))
	return nil
}

// retry gives a message of a failed batch back to JetStream: nak'd after a
// delay that grows with its deliveries (or at once when delay is false), or
// parked on the DLQ when this was its last delivery.
func (s *sink) retry(msg jetstream.Msg, cause error, delay bool) {
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	if delivered >= uint64(s.cfg.MaxDeliver) {
		s.poison(msg, fmt.Errorf("after %d deliveries: %w", delivered, cause))
		return
	}
	var err error
	if delay {
		err = msg.NakWithDelay(s.retryDelay(int(delivered)))
	} else {
		err = msg.Nak()
	}
	if err != nil {
		s.log.Warn("nak failed; JetStream redelivers after ack_wait", "subject", msg.Subject(), "error", err)
	}
}

// poison parks msg on the DLQ stream with the reason and terminates it
// (bus.Bury). If parking fails, msg is left to JetStream, which redelivers
// it after ack_wait: the next delivery parks it again.
func (s *sink) poison(msg jetstream.Msg, cause error) {
	var (
		seq       uint64
		delivered uint64
	)
	if md, err := msg.Metadata(); err == nil {
		seq, delivered = md.Sequence.Stream, md.NumDelivered
	}
	if err := bus.Bury(context.Background(), s.js, msg, s.cfg.Consumer, s.stream, delivered, cause); err != nil {
		s.metrics.errors.WithLabelValues("dlq").Inc()
		s.log.Error("park on the DLQ failed; JetStream redelivers the event", "subject", msg.Subject(), "stream_seq", seq, "error", err)
		return
	}
	s.log.Error("event parked on the DLQ and terminated", "consumer", s.cfg.Consumer,
		"subject", msg.Subject(), "stream_seq", seq, "delivered", delivered, "error", cause)
}

// drain flushes what the sink holds when it stops. If that fails, the
// messages are nak'd without delay, for another replica to take them.
func (s *sink) drain(b *batch) {
	if len(b.msgs) == 0 {
		return
	}
	if err := s.flush(context.Background(), b); err != nil {
		for _, msg := range b.msgs {
			s.retry(msg, err, false)
		}
		_ = s.nc.FlushTimeout(5 * time.Second)
	}
	b.reset()
}

// retryDelay is RetryDelay doubled per attempt, capped at a minute.
func (s *sink) retryDelay(attempt int) time.Duration {
	d := s.cfg.RetryDelay
	for i := 1; i < attempt && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, max(time.Minute, s.cfg.RetryDelay))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
