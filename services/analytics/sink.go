package analytics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/privacy"
)

// sink moves the events of one stream to ClickHouse in batches, as a batch
// handler of the router (bus.HandleMessages): a batch is BatchSize events,
// or fewer when its first event has waited FlushInterval. Every message is
// acked only after its batch is stored; a failed batch's events are
// redelivered after RetryDelay (doubled per delivery, up to a minute), and
// parked on the DLQ after their last delivery (MaxDeliver); an undecodable
// message is parked at once. On shutdown the batch being gathered is
// written and acked.
type sink struct {
	cfg Config
	// stream is the JetStream stream this sink reads (one sink per stream:
	// a consumer belongs to one stream), filters the event types it stores.
	stream   string
	filters  []string
	consumer string
	store    store
	// erased are the tombstones of erased authors (nil: none kept).
	erased  *privacy.Set
	log     *slog.Logger
	metrics *metrics
	now     func() time.Time
	// batches are reused: a busy sink fills batches of the same size again
	// and again.
	batches sync.Pool
}

// batch is the rows of one batch of events.
type batch struct {
	events       int
	interactions []interactionRow
	states       []stateRow
	others       []tableRow
}

// reset empties b for the next batch and keeps its slices' room. The
// elements are cleared first, so the written events are not kept alive.
func (b *batch) reset() {
	clear(b.interactions)
	clear(b.states)
	clear(b.others)
	*b = batch{interactions: b.interactions[:0], states: b.states[:0], others: b.others[:0]}
}

// register adds the sink's batch handler, on its durable consumer, to r.
func (s *sink) register(r *bus.Router) error {
	return bus.HandleMessages(r, s.consumer, s.stream, s.filters, s.cfg.BatchSize, s.handle,
		bus.MaxWait(s.cfg.FlushInterval), bus.AckWait(s.cfg.AckWait), bus.MaxDeliver(s.cfg.MaxDeliver),
		bus.RetryDelay(func(delivered uint64) time.Duration { return s.retryDelay(int(delivered)) }),
		// One batch at a time: ClickHouse wants few large inserts; the
		// next batch is prefetched while one is written.
		bus.Workers(1))
}

// handle decodes a batch of messages into rows and writes them: every
// decoded message shares the insert's outcome; an undecodable one fails
// permanently.
func (s *sink) handle(ctx context.Context, msgs []bus.Message) []error {
	errs := make([]error, len(msgs))
	b, _ := s.batches.Get().(*batch)
	if b == nil {
		b = &batch{}
	}
	defer func() { b.reset(); s.batches.Put(b) }()
	now := s.now()
	for i, m := range msgs {
		d, err := decode(m.Subject, m.Header.Get, m.Data, now)
		if err != nil {
			s.metrics.errors.WithLabelValues("decode").Inc()
			errs[i] = bus.Permanent(err)
			continue
		}
		b.events++
		if !scrub(s.erased, &d) {
			continue
		}
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
	if b.events == 0 {
		return errs
	}
	if err := s.flush(ctx, b); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}

// flush writes the batch's rows in one insert.
func (s *sink) flush(ctx context.Context, b *batch) error {
	start := s.now()
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.InsertTimeout)
	err := s.store.write(ictx, b.interactions, b.states, b.others)
	cancel()
	s.metrics.flush.Observe(s.now().Sub(start).Seconds())
	if err != nil {
		s.metrics.batches.WithLabelValues("error").Inc()
		s.metrics.errors.WithLabelValues("insert").Inc()
		s.log.Error("write batch to ClickHouse failed; its events will be redelivered", "events", b.events, "error", err)
		return err
	}
	s.metrics.batches.WithLabelValues("ok").Inc()
	s.metrics.rows.WithLabelValues("interactions").Add(float64(len(b.interactions)))
	s.metrics.rows.WithLabelValues("interaction_state").Add(float64(len(b.states)))
	for _, r := range b.others {
		s.metrics.rows.WithLabelValues(r.table).Inc()
	}
	s.log.Debug("batch written", "events", b.events, "interactions", len(b.interactions), "states", len(b.states), "took", s.now().Sub(start))
	return nil
}

// retryDelay is the delay before the redelivery of an event of a failed
// batch after its attempt-th delivery: RetryDelay doubled per attempt,
// capped at a minute (or at RetryDelay when that is longer).
func (s *sink) retryDelay(attempt int) time.Duration {
	return bus.Backoff(s.cfg.RetryDelay, max(time.Minute, s.cfg.RetryDelay))(uint64(attempt))
}
