package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Router runs a process's event handlers, each on its own durable
// JetStream consumer: per-event handlers (Handle) on Watermill's router,
// batch handlers (HandleBatch, HandleMessages) in loops of their own.
// Replicas of a service share the consumer and split the work.
type Router struct {
	wm      *message.Router
	conn    *Conn
	pub     *Publisher
	log     *slog.Logger
	wmLog   watermill.LoggerAdapter
	metrics *routerMetrics
	// batches are the loops of the batch handlers.
	batches []func(context.Context) error
}

// NewRouter builds a router on conn. reg may be nil (no metrics).
func NewRouter(conn *Conn, log *slog.Logger, reg prometheus.Registerer) (*Router, error) {
	if conn == nil || log == nil {
		return nil, errors.New("bus: nil conn or logger")
	}
	// Watermill logs every delivery at Info; that belongs to Debug here.
	wmLog := watermill.NewSlogLoggerWithLevelMapping(log.With("component", "watermill"), map[slog.Level]slog.Level{
		slog.LevelInfo: slog.LevelDebug,
	})
	wm, err := message.NewRouter(message.RouterConfig{CloseTimeout: 30 * time.Second}, wmLog)
	if err != nil {
		return nil, err
	}
	pub, err := NewPublisher(conn.JS)
	if err != nil {
		return nil, err
	}
	return &Router{wm: wm, conn: conn, pub: pub, log: log, wmLog: wmLog, metrics: newRouterMetrics(reg)}, nil
}

// Handle registers fn as the handler of every brand's events of type E, on
// the durable consumer named consumer; the router runs it on Watermill with
// its JetStream subscriber. fn gets one event at a time, decoded, with its
// envelope; its context carries the correlation id, the brand and the event
// as the cause of what fn publishes. fn must be idempotent: delivery is at
// least once.
//
// Every handler runs in the same middleware stack: the correlation id into
// the context (and so into every log line), metrics, the poison queue, an
// in-process retry with backoff, and a recoverer that turns a panic into an
// error. A returned error is retried in process twice, then the message is
// redelivered by JetStream after a growing delay (RetryDelay); after its
// last delivery (MaxDeliver), or at once for ErrPermanent, it is parked on
// the DLQ with the reason, and acked. The same policy settles HandleBatch's
// events.
func Handle[E events.Event](r *Router, consumer string, fn func(ctx context.Context, e E, env events.Envelope) error, opts ...Option) error {
	var zero E
	name, err := events.ParseName(zero.Name())
	if err != nil {
		return err
	}
	set, err := newSettings(r.conn.cfg, opts)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", consumer, err)
	}
	filter := events.AllBrands(zero)
	stream := events.StreamName(name.Domain)
	handle := func(msg *message.Message) error {
		env, err := events.EnvelopeFromHeaders(msg.Metadata.Get, msg.UUID)
		if err != nil {
			return Permanent(err)
		}
		if env.Type != zero.Name() {
			return Permanent(fmt.Errorf("%s carries type %q, want %q", msg.Metadata.Get(MetaSubject), env.Type, zero.Name()))
		}
		var e E
		if err := json.Unmarshal(msg.Payload, &e); err != nil {
			return Permanent(fmt.Errorf("decode %s: %w", env.Type, err))
		}
		return fn(msg.Context(), e, env)
	}
	// A Watermill subscription handles one message at a time; several
	// subscriptions on the same durable consumer handle them in parallel
	// (order across messages is not kept, as between replicas).
	for i := range set.workers {
		name := consumer
		if i > 0 {
			name = fmt.Sprintf("%s-%d", consumer, i)
		}
		sub, err := r.subscriber(consumer, name, stream, filter, set)
		if err != nil {
			return err
		}
		h := r.wm.AddConsumerHandler(name, filter, sub, handle)
		h.AddMiddleware(
			withEnvelopeContext,
			r.metrics.middleware(consumer),
			r.poison(consumer, set),
			middleware.Retry{
				MaxRetries: 2, InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second, Logger: r.wmLog,
				ShouldRetry: func(p middleware.RetryParams) bool { return !errors.Is(p.Err, ErrPermanent) },
			}.Middleware,
			middleware.Recoverer,
		)
	}
	return nil
}

// withEnvelopeContext puts the event's correlation id, brand and id (the
// cause of what the handler publishes) in the message's context, from the
// headers, before anything logs.
func withEnvelopeContext(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		get := msg.Metadata.Get
		id := get(events.HeaderID)
		if id == "" {
			id = msg.UUID
		}
		msg.SetContext(eventContext(msg.Context(), id, get(events.HeaderCorrelationID), get(events.HeaderBrand)))
		return h(msg)
	}
}

// subscriber is one Watermill subscription, on its own connection, to the
// durable consumer named consumer.
func (r *Router) subscriber(consumer, name, stream, filter string, set settings) (*subscriber, error) {
	nc, err := r.conn.Dial("ruche-" + name)
	if err != nil {
		return nil, err
	}
	return newSubscriber(nc, r.log, set.ackWait, set.delay, func(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
		c, err := js.CreateOrUpdateConsumer(ctx, stream, set.consumerConfig(consumer, []string{filter}, 4096))
		if err != nil {
			return nil, fmt.Errorf("consumer %s on %s: %w", consumer, stream, err)
		}
		return c, nil
	}), nil
}

// Publisher is the router's publisher, for handlers that emit events.
func (r *Router) Publisher() *Publisher { return r.pub }

// Run runs the handlers until ctx is cancelled, then lets in-flight handlers
// finish (up to 30s); unacked messages are redelivered to another replica.
func (r *Router) Run(ctx context.Context) error {
	errs := make([]error, len(r.batches)+1)
	var wg sync.WaitGroup
	for i, run := range r.batches {
		wg.Go(func() {
			if errs[i+1] = run(ctx); errs[i+1] != nil {
				r.log.Error("batch handler stopped", "error", errs[i+1])
			}
		})
	}
	// Watermill closes itself when its handlers stop, which a router with
	// only batch handlers has none of.
	wg.Go(func() {
		<-ctx.Done()
		if err := r.wm.Close(); err != nil {
			r.log.Warn("close router", "error", err)
		}
	})
	errs[0] = r.wm.Run(ctx)
	wg.Wait()
	return errors.Join(errs...)
}

// Running is closed once every handler is subscribed.
func (r *Router) Running() chan struct{} { return r.wm.Running() }

// poison parks a failing message on the DLQ when its error is permanent or
// this was its last delivery (settings.parks), and acks it; otherwise the
// error goes back to JetStream, which redelivers the message after the
// consumer's retry delay.
func (r *Router) poison(consumer string, set settings) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err == nil {
				return out, nil
			}
			ctx := msg.Context()
			delivered, _ := strconv.ParseUint(msg.Metadata.Get(MetaDelivered), 10, 64)
			parks, reason := set.parks(err, delivered)
			if !parks {
				r.log.WarnContext(ctx, "handler failed, will retry", "consumer", consumer, "event_id", msg.UUID, "delivered", delivered, "error", err)
				return nil, err
			}
			d := deadLetter{consumer: consumer, stream: msg.Metadata.Get(MetaStream), subject: msg.Metadata.Get(MetaSubject), delivered: delivered, data: msg.Payload, header: nats.Header{}}
			d.sequence, _ = strconv.ParseUint(msg.Metadata.Get(MetaSequence), 10, 64)
			for k, v := range msg.Metadata {
				d.header.Set(k, v)
			}
			if perr := r.bury(ctx, d, reason); perr != nil {
				return nil, errors.Join(err, perr)
			}
			return nil, nil
		}
	}
}

// bury parks d on the DLQ and counts and logs it. When parking fails the
// caller leaves the message to JetStream, which redelivers it (consumers
// allow one delivery more than the DLQ threshold): a message never leaves
// its consumer without a copy on the DLQ.
func (r *Router) bury(ctx context.Context, d deadLetter, reason error) error {
	if err := park(ctx, r.conn.JS, d, reason); err != nil {
		r.metrics.failures.WithLabelValues(d.consumer, "dlq").Inc()
		r.log.ErrorContext(ctx, "park on the DLQ failed; JetStream redelivers the message", "consumer", d.consumer, "subject", d.subject, "error", err)
		return err
	}
	r.metrics.poisoned.WithLabelValues(d.consumer).Inc()
	r.log.ErrorContext(ctx, "message parked on the DLQ", "consumer", d.consumer, "subject", d.subject, "stream_seq", d.sequence, "delivered", d.delivered, "error", reason)
	return nil
}

// unmarshaler turns a JetStream message into a Watermill message whose
// metadata holds the headers, the subject and the delivery count. It never
// fails: Watermill's subscriber cannot handle a failed unmarshal.
type unmarshaler struct{}

func (unmarshaler) Unmarshal(m jetstream.Msg) (*message.Message, error) {
	hdr := m.Headers()
	id := hdr.Get(wmnats.WatermillUUIDHdr)
	if id == "" {
		id = hdr.Get(events.HeaderID)
	}
	wm := message.NewMessage(id, m.Data())
	for k, v := range hdr {
		if k == wmnats.WatermillUUIDHdr || len(v) == 0 {
			continue
		}
		wm.Metadata.Set(k, v[0])
	}
	wm.Metadata.Set(MetaSubject, m.Subject())
	if md, err := m.Metadata(); err == nil {
		wm.Metadata.Set(MetaDelivered, strconv.FormatUint(md.NumDelivered, 10))
		wm.Metadata.Set(MetaStream, md.Stream)
		wm.Metadata.Set(MetaSequence, strconv.FormatUint(md.Sequence.Stream, 10))
	}
	return wm, nil
}

// eventContext is ctx with what a handler's logs and publications take
// from the event it handles: its correlation id, its brand, and its id as
// the cause.
func eventContext(ctx context.Context, id, correlationID, brand string) context.Context {
	return obs.WithBrand(obs.WithCorrelationID(withCause(ctx, id), correlationID), brand)
}
