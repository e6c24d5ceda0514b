package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
)

// Delivery is one event of a batch.
type Delivery[E events.Event] struct {
	// Ctx carries the event's correlation id, brand and causation, as a
	// Handle handler's context does.
	Ctx   context.Context
	Event E
	Env   events.Envelope
	// Delivered counts the deliveries of the message, this one included.
	Delivered uint64
}

// Message is one message of a HandleMessages batch, undecoded.
type Message struct {
	Subject string
	Header  nats.Header
	Data    []byte
	// Delivered counts the deliveries of the message, this one included.
	Delivered uint64
}

// MaxBatch bounds the events a batch handler gets at once: a batch, and as
// much again prefetched, are held in memory.
const MaxBatch = 100_000

// HandleBatch registers fn as a batch handler of every brand's events of
// type E, on the durable consumer named consumer; the router runs it. Where
// Handle gives a handler one event at a time, fn gets up to size events at
// once: what is waiting when a worker is free, or, with MaxWait, what
// arrives until the batch is full or its first event has waited that long.
// Its round trips (guards, publications, an insert) are made once per
// batch. fn returns one error per delivery (nil when handled); each
// message is settled on its own outcome only once fn returns, under the
// policy of Handle: a failed event is redelivered by JetStream after a
// growing delay, and parked on the DLQ after its last delivery, or at once
// for ErrPermanent. There is no in-process retry: a failed batch's events
// come back in later batches. An event that cannot be decoded is parked
// without reaching fn; a panic in fn fails the whole batch.
func HandleBatch[E events.Event](r *Router, consumer string, size int, fn func(ctx context.Context, batch []Delivery[E]) []error, opts ...Option) error {
	var zero E
	name, err := events.ParseName(zero.Name())
	if err != nil {
		return err
	}
	return addBatch(r, consumer, events.StreamName(name.Domain), []string{events.AllBrands(zero)}, size, decodeDelivery[E], fn, opts)
}

// HandleMessages is HandleBatch for a consumer of several event types of
// stream (the subjects it filters), which decodes the messages itself: fn
// gets them as they are stored, and returns a Permanent error for one it
// cannot decode.
func HandleMessages(r *Router, consumer, stream string, subjects []string, size int, fn func(ctx context.Context, batch []Message) []error, opts ...Option) error {
	return addBatch(r, consumer, stream, subjects, size, rawMessage, fn, opts)
}

func rawMessage(_ context.Context, m jetstream.Msg) (Message, error) {
	msg := Message{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}
	if md, err := m.Metadata(); err == nil {
		msg.Delivered = md.NumDelivered
	}
	return msg, nil
}

func decodeDelivery[E events.Event](ctx context.Context, m jetstream.Msg) (Delivery[E], error) {
	var d Delivery[E]
	if md, err := m.Metadata(); err == nil {
		d.Delivered = md.NumDelivered
	}
	hdr := m.Headers()
	env, err := events.EnvelopeFromHeaders(hdr.Get, hdr.Get(events.HeaderID))
	if err != nil {
		return d, err
	}
	if env.Type != d.Event.Name() {
		return d, fmt.Errorf("%s carries type %q, want %q", m.Subject(), env.Type, d.Event.Name())
	}
	if err := json.Unmarshal(m.Data(), &d.Event); err != nil {
		return d, fmt.Errorf("decode %s: %w", env.Type, err)
	}
	d.Env = env
	d.Ctx = eventContext(ctx, env.ID, env.CorrelationID, env.Brand)
	return d, nil
}

// addBatch creates the durable consumer and adds its loop to the router.
func addBatch[T any](r *Router, consumer, stream string, subjects []string, size int,
	decode func(context.Context, jetstream.Msg) (T, error), fn func(context.Context, []T) []error, opts []Option,
) error {
	if size < 1 || size > MaxBatch {
		return fmt.Errorf("bus: batch size %d of %s: want 1 to %d", size, consumer, MaxBatch)
	}
	set, err := newSettings(r.conn.cfg, opts)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", consumer, err)
	}
	b := &batchLoop[T]{
		r: r, consumer: consumer, stream: stream, size: size, set: set, decode: decode, fn: fn,
		// A batch in every worker's hands and as much again prefetched.
		config: set.consumerConfig(consumer, subjects, max(4096, 2*size*set.workers)),
	}
	if b.cons, err = b.create(context.Background()); err != nil {
		return err
	}
	r.batches = append(r.batches, b.run)
	return nil
}

type batchLoop[T any] struct {
	r        *Router
	consumer string
	stream   string
	size     int
	set      settings
	config   jetstream.ConsumerConfig
	cons     jetstream.Consumer
	decode   func(context.Context, jetstream.Msg) (T, error)
	fn       func(context.Context, []T) []error
}

func (b *batchLoop[T]) create(ctx context.Context) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(ctx, b.r.conn.cfg.ConnectTimeout)
	defer cancel()
	c, err := b.r.conn.JS.CreateOrUpdateConsumer(ctx, b.stream, b.config)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", b.consumer, b.stream, err)
	}
	return c, nil
}

// run pulls until ctx is done. One pull subscription feeds the workers;
// each gathers a batch and hands it to fn. A consumer deleted under the
// loop is created again. When ctx ends, the batches being gathered are
// handled at once, and the messages prefetched but not yet taken are given
// back to JetStream for another replica.
func (b *batchLoop[T]) run(ctx context.Context) error {
	msgs := make(chan jetstream.Msg, b.size*b.set.workers)
	var wg sync.WaitGroup
	for range b.set.workers {
		wg.Go(func() { b.work(ctx, msgs) })
	}
	for ctx.Err() == nil {
		err := b.consume(ctx, msgs)
		for err != nil && ctx.Err() == nil {
			b.r.log.Warn("consumer lost, creating it again", "consumer", b.consumer, "stream", b.stream, "error", err)
			if b.cons, err = b.create(ctx); err != nil {
				t := time.NewTimer(time.Second)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
		}
	}
	wg.Wait()
	for {
		select {
		case m := <-msgs:
			b.nak(m, 0)
		default:
			return nil
		}
	}
}

// pullExpiry is how long one pull request of a batch loop lives.
const pullExpiry = 5 * time.Second

// consume pulls into msgs until ctx is done (nil) or the consumer is lost:
// deleted, or answering no pull.
func (b *batchLoop[T]) consume(ctx context.Context, msgs chan<- jetstream.Msg) error {
	lost := make(chan error, 1)
	cc, err := b.cons.Consume(func(m jetstream.Msg) {
		if ctx.Err() != nil {
			b.nak(m, 0)
			return
		}
		select {
		case msgs <- m:
		case <-ctx.Done():
			b.nak(m, 0)
		}
	}, jetstream.PullMaxMessages(b.size*b.set.workers),
		// A pull lost with its consumer shows as missing heartbeats: in
		// 2×2.5s rather than the default 2×15s.
		jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if ctx.Err() != nil {
				return
			}
			b.r.metrics.failures.WithLabelValues(b.consumer, "pull").Inc()
			b.r.log.Warn("pull from JetStream failed", "consumer", b.consumer, "stream", b.stream, "error", err)
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, nats.ErrNoResponders) {
				select {
				case lost <- err:
				default:
				}
			}
		}))
	if err != nil {
		return err
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case err := <-lost:
		return err
	}
}

// work gathers batches from msgs and handles them until ctx is done.
func (b *batchLoop[T]) work(ctx context.Context, msgs <-chan jetstream.Msg) {
	batch := make([]jetstream.Msg, 0, b.size)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case m := <-msgs:
			batch = append(batch, m)
		}
		batch = b.gather(ctx, msgs, batch)
		b.handle(context.WithoutCancel(ctx), batch)
	}
}

// gather adds to batch what is waiting in msgs, up to the batch size, and
// with MaxWait what arrives until its first message has waited that long
// (or ctx is done).
func (b *batchLoop[T]) gather(ctx context.Context, msgs <-chan jetstream.Msg, batch []jetstream.Msg) []jetstream.Msg {
	var due <-chan time.Time
	if b.set.maxWait > 0 {
		t := time.NewTimer(b.set.maxWait)
		defer t.Stop()
		due = t.C
	}
	for len(batch) < b.size {
		select {
		case m := <-msgs:
			batch = append(batch, m)
			continue
		default:
		}
		if due == nil {
			return batch
		}
		select {
		case m := <-msgs:
			batch = append(batch, m)
		case <-due:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

// handle decodes msgs, runs fn on what decodes and settles every message.
func (b *batchLoop[T]) handle(ctx context.Context, msgs []jetstream.Msg) {
	start := time.Now()
	items := make([]T, 0, len(msgs))
	held := make([]jetstream.Msg, 0, len(msgs))
	for _, m := range msgs {
		it, err := b.decode(ctx, m)
		if err != nil {
			b.settle(ctx, m, Permanent(err))
			continue
		}
		items = append(items, it)
		held = append(held, m)
	}
	if len(items) == 0 {
		return
	}
	errs := b.call(ctx, items)
	took := time.Since(start).Seconds() / float64(len(items))
	for i, m := range held {
		b.r.metrics.seconds.WithLabelValues(b.consumer).Observe(took)
		b.settle(ctx, m, errs[i])
	}
}

// call runs fn, and fails every item when fn panics or does not return
// one error per item.
func (b *batchLoop[T]) call(ctx context.Context, items []T) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			b.r.log.Error("batch handler panicked", "consumer", b.consumer, "panic", p, "stack", string(debug.Stack()))
			errs = failAll(len(items), fmt.Errorf("panic in the batch handler of %s: %v", b.consumer, p))
		}
	}()
	errs = b.fn(ctx, items)
	if len(errs) != len(items) {
		errs = failAll(len(items), fmt.Errorf("bus: batch handler of %s returned %d results for %d events", b.consumer, len(errs), len(items)))
	}
	return errs
}

func failAll(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// settle acks a handled message, gives a failed one back to JetStream with
// the retry delay, or parks it on the DLQ and terminates it (settings.parks).
func (b *batchLoop[T]) settle(ctx context.Context, m jetstream.Msg, err error) {
	if err == nil {
		b.r.metrics.handled.WithLabelValues(b.consumer, "ok").Inc()
		if aerr := m.Ack(); aerr != nil {
			b.r.metrics.failures.WithLabelValues(b.consumer, "ack").Inc()
			b.r.log.Warn("ack failed; the event will be redelivered and collapse on its id", "consumer", b.consumer, "subject", m.Subject(), "error", aerr)
		}
		return
	}
	b.r.metrics.handled.WithLabelValues(b.consumer, "error").Inc()
	d := letterOf(m, b.consumer)
	hdr := m.Headers()
	ctx = eventContext(ctx, hdr.Get(events.HeaderID), hdr.Get(events.HeaderCorrelationID), hdr.Get(events.HeaderBrand))
	parks, reason := b.set.parks(err, d.delivered)
	if !parks {
		b.r.log.WarnContext(ctx, "handler failed, will retry", "consumer", b.consumer, "subject", d.subject, "delivered", d.delivered, "error", err)
		b.nak(m, b.set.delay(d.delivered))
		return
	}
	if b.r.bury(ctx, d, reason) != nil {
		return
	}
	// A failed terminate only means one more delivery, parked again (the
	// DLQ drops the second copy).
	text := reason.Error()
	_ = m.TermWithReason(text[:min(len(text), 256)])
}

// nak gives m back to JetStream, to be redelivered after delay.
func (b *batchLoop[T]) nak(m jetstream.Msg, delay time.Duration) {
	if err := m.NakWithDelay(delay); err != nil {
		b.r.metrics.failures.WithLabelValues(b.consumer, "nak").Inc()
		b.r.log.Warn("nak failed; JetStream redelivers after ack_wait", "consumer", b.consumer, "error", err)
	}
}
