package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/obs"
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

// MaxBatch bounds the events a batch handler gets at once.
const MaxBatch = 512

// HandleBatch registers fn as a batch handler of every brand's events of
// type E, on the durable consumer named consumer; the router runs it with
// its Watermill handlers. Where Handle gives a handler one event at a time
// (a Watermill subscription holds one message in flight), fn gets every
// event already waiting, up to size: its round trips to JetStream (guards,
// publications) are made once per batch, asynchronously, instead of once
// per event. Delivery is at least once, as with Handle: fn returns one
// error per delivery (nil when handled), a failed event is redelivered by
// JetStream with a growing delay, and it is parked on the DLQ after its last
// delivery, or at once for ErrPermanent. An event that cannot be decoded is
// parked without reaching fn.
func HandleBatch[E events.Event](r *Router, consumer string, size int, fn func(ctx context.Context, batch []Delivery[E]) []error) error {
	if size < 1 || size > MaxBatch {
		return fmt.Errorf("bus: batch size %d of %s: want 1 to %d", size, consumer, MaxBatch)
	}
	var zero E
	name, err := events.ParseName(zero.Name())
	if err != nil {
		return err
	}
	b := &batchLoop[E]{
		r: r, consumer: consumer, size: size, fn: fn,
		stream: events.StreamName(name.Domain), filter: events.AllBrands(zero),
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.conn.cfg.ConnectTimeout)
	defer cancel()
	cfg := r.conn.cfg
	b.cons, err = r.conn.JS.CreateOrUpdateConsumer(ctx, b.stream, jetstream.ConsumerConfig{
		Durable:       consumer,
		FilterSubject: b.filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		// One more than the poison threshold, as for Handle.
		MaxDeliver:    cfg.MaxDeliver + 1,
		MaxAckPending: max(4096, 4*size*cfg.Subscriptions),
	})
	if err != nil {
		return fmt.Errorf("consumer %s on %s: %w", consumer, b.stream, err)
	}
	r.batches = append(r.batches, b.run)
	return nil
}

type batchLoop[E events.Event] struct {
	r        *Router
	consumer string
	stream   string
	filter   string
	size     int
	cons     jetstream.Consumer
	fn       func(context.Context, []Delivery[E]) []error
}

// run pulls until ctx is done. One pull subscription feeds Subscriptions
// workers; each takes what is waiting (at least one message, at most size)
// and hands it to fn. When ctx ends, the batches in hand finish; the
// messages not yet taken are left unacked for JetStream to redeliver.
func (b *batchLoop[E]) run(ctx context.Context) error {
	workers := b.r.conn.cfg.Subscriptions
	msgs := make(chan jetstream.Msg, b.size*workers)
	cc, err := b.cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(b.size*workers), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if ctx.Err() == nil {
			b.r.log.Warn("pull from JetStream failed", "consumer", b.consumer, "error", err)
		}
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", b.consumer, err)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				var batch []jetstream.Msg
				select {
				case <-ctx.Done():
					return
				case m := <-msgs:
					batch = append(batch, m)
				}
			more:
				for len(batch) < b.size {
					select {
					case m := <-msgs:
						batch = append(batch, m)
					default:
						break more
					}
				}
				b.handle(context.WithoutCancel(ctx), batch)
			}
		})
	}
	<-ctx.Done()
	cc.Stop()
	wg.Wait()
	return nil
}

// handle decodes msgs, runs fn on the events and settles every message.
func (b *batchLoop[E]) handle(ctx context.Context, msgs []jetstream.Msg) {
	start := time.Now()
	deliveries := make([]Delivery[E], 0, len(msgs))
	held := make([]jetstream.Msg, 0, len(msgs))
	for _, m := range msgs {
		d, err := decodeDelivery[E](ctx, m)
		if err != nil {
			b.settle(m, d.Delivered, Permanent(err))
			continue
		}
		deliveries = append(deliveries, d)
		held = append(held, m)
	}
	if len(deliveries) == 0 {
		return
	}
	errs := b.fn(ctx, deliveries)
	if len(errs) != len(deliveries) {
		err := fmt.Errorf("bus: batch handler of %s returned %d results for %d events", b.consumer, len(errs), len(deliveries))
		errs = make([]error, len(deliveries))
		for i := range errs {
			errs[i] = err
		}
	}
	took := time.Since(start).Seconds() / float64(len(deliveries))
	for i, m := range held {
		b.r.metrics.seconds.WithLabelValues(b.consumer).Observe(took)
		b.settle(m, deliveries[i].Delivered, errs[i])
	}
}

// settle acks a handled message, gives a failed one back to JetStream with a
// delay, and parks it on the DLQ when the failure is permanent or this was
// its last delivery.
func (b *batchLoop[E]) settle(m jetstream.Msg, delivered uint64, err error) {
	outcome := "ok"
	defer func() { b.r.metrics.handled.WithLabelValues(b.consumer, outcome).Inc() }()
	if err == nil {
		if aerr := m.Ack(); aerr != nil {
			b.r.log.Warn("ack failed; the event will be redelivered and collapse on its id", "consumer", b.consumer, "subject", m.Subject(), "error", aerr)
		}
		return
	}
	outcome = "error"
	if !errors.Is(err, ErrPermanent) && delivered < uint64(b.r.conn.cfg.MaxDeliver) {
		b.r.log.Warn("handler failed, will retry", "consumer", b.consumer, "subject", m.Subject(), "delivered", delivered, "error", err)
		if nerr := m.NakWithDelay(backoff{}.WaitTime(delivered)); nerr != nil {
			b.r.log.Warn("nak failed; JetStream redelivers after ack_wait", "consumer", b.consumer, "error", nerr)
		}
		return
	}
	if perr := Bury(context.Background(), b.r.conn.JS, m, b.consumer, b.stream, delivered, err); perr != nil {
		b.r.log.Error("park on the DLQ failed; JetStream redelivers the message", "consumer", b.consumer, "subject", m.Subject(), "error", perr)
		return
	}
	b.r.metrics.poisoned.WithLabelValues(b.consumer).Inc()
	b.r.log.Error("message parked on the DLQ", "consumer", b.consumer, "subject", m.Subject(), "delivered", delivered, "error", err)
}

// Bury parks m on the DLQ (Park), then terminates it so that it is never
// redelivered. When parking fails m is left alone: JetStream redelivers it
// after ack_wait (consumers allow one delivery more than the DLQ
// threshold), so a message is never dropped without a copy on the DLQ. A
// failed terminate only means one more delivery, parked again.
func Bury(ctx context.Context, js jetstream.JetStream, m jetstream.Msg, consumer, stream string, delivered uint64, cause error) error {
	if err := Park(ctx, js, m, consumer, stream, delivered, cause); err != nil {
		return err
	}
	reason := cause.Error()
	if len(reason) > 256 {
		reason = reason[:256]
	}
	_ = m.TermWithReason(reason)
	return nil
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
	d.Ctx = obs.WithBrand(obs.WithCorrelationID(withCause(ctx, env.ID), env.CorrelationID), env.Brand)
	return d, nil
}

// Park copies m to the DLQ stream with the reason and where it came from.
func Park(ctx context.Context, js jetstream.JetStream, m jetstream.Msg, consumer, stream string, delivered uint64, cause error) error {
	var seq uint64
	if md, err := m.Metadata(); err == nil {
		seq = md.Sequence.Stream
	}
	dead := nats.NewMsg(events.DLQSubject(consumer))
	dead.Data = m.Data()
	for k, v := range m.Headers() {
		dead.Header[k] = v
	}
	// The DLQ's own duplicate window must not drop it as the original
	// event, nor as another stream's message of the same sequence.
	dead.Header.Set(events.HeaderDedupID, "dlq:"+consumer+":"+stream+":"+strconv.FormatUint(seq, 10))
	dead.Header.Set(MetaDLQError, cause.Error())
	dead.Header.Set(MetaDLQConsumer, consumer)
	dead.Header.Set(MetaSubject, m.Subject())
	dead.Header.Set(MetaDelivered, strconv.FormatUint(delivered, 10))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := js.PublishMsg(ctx, dead)
	return err
}
