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
	wmjs "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/jetstream"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Metadata keys added on delivery and on poisoned messages.
const (
	MetaDelivered   = "Ruche-Delivered"
	MetaSubject     = "Ruche-Subject"
	MetaDLQError    = "Ruche-Dlq-Error"
	MetaDLQConsumer = "Ruche-Dlq-Consumer"
)

// ErrPermanent marks an error that no retry can fix (an undecodable event, an
// invalid envelope): the message goes straight to the DLQ and is acked.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that the router does not retry it.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// Router runs typed event handlers, each on its own durable JetStream
// consumer. Replicas of a service share the consumer and split the work.
type Router struct {
	wm      *message.Router
	conn    *Conn
	pub     *Publisher
	log     *slog.Logger
	wmLog   watermill.LoggerAdapter
	metrics *routerMetrics
	// batches are the loops of the HandleBatch handlers.
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
	r := &Router{wm: wm, conn: conn, pub: pub, log: log, wmLog: wmLog, metrics: newRouterMetrics(reg)}
	wm.AddMiddleware(middleware.Recoverer)
	return r, nil
}

// Handle registers fn as the handler of every brand's events of type E, on
// the durable consumer named consumer. fn must be idempotent: delivery is at
// least once. A returned error is retried in process with backoff, then the
// message is redelivered by JetStream with a growing delay; after MaxDeliver
// deliveries, or at once for ErrPermanent, it is parked on the DLQ stream
// with the error and the delivery count, and acked.
func Handle[E events.Event](r *Router, consumer string, fn func(ctx context.Context, e E, env events.Envelope) error) error {
	var zero E
	name, err := events.ParseName(zero.Name())
	if err != nil {
		return err
	}
	filter := events.AllBrands(zero)
	stream := events.StreamName(name.Domain)
	cfg := r.conn.cfg
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
		ctx := obs.WithBrand(obs.WithCorrelationID(withCause(msg.Context(), env.ID), env.CorrelationID), env.Brand)
		return fn(ctx, e, env)
	}
	// A Watermill subscription handles one message at a time; several
	// subscriptions on the same durable consumer handle them in parallel
	// (order across messages is not kept, as between replicas).
	for i := range cfg.Subscriptions {
		name := consumer
		if i > 0 {
			name = fmt.Sprintf("%s-%d", consumer, i)
		}
		sub, err := r.subscriber(consumer, name, stream, filter)
		if err != nil {
			return err
		}
		h := r.wm.AddConsumerHandler(name, filter, sub, handle)
		h.AddMiddleware(
			r.metrics.middleware(consumer),
			r.poison(consumer, cfg.MaxDeliver),
			middleware.Retry{MaxRetries: 2, InitialInterval: 50 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second, Logger: r.wmLog}.Middleware,
		)
	}
	return nil
}

// subscriber is one Watermill subscription, on its own connection, to the
// durable consumer named consumer.
func (r *Router) subscriber(consumer, name, stream, filter string) (*wmjs.Subscriber, error) {
	cfg := r.conn.cfg
	nc, err := r.conn.Dial("ruche-" + name)
	if err != nil {
		return nil, err
	}
	return wmjs.NewSubscriber(wmjs.SubscriberConfig{
		Conn:           nc,
		Logger:         r.wmLog,
		AckWaitTimeout: cfg.AckWait,
		ResourceInitializer: func(ctx context.Context, js jetstream.JetStream, _ string) (jetstream.Consumer, func(context.Context, watermill.LoggerAdapter), error) {
			c, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
				Durable:       consumer,
				FilterSubject: filter,
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       cfg.AckWait,
				// One more than the poison threshold: an attempt that times
				// out still gets a last delivery that can reach the DLQ.
				MaxDeliver:    cfg.MaxDeliver + 1,
				MaxAckPending: 4096,
			})
			if err != nil {
				return nil, nil, fmt.Errorf("consumer %s on %s: %w", consumer, stream, err)
			}
			return c, nil, nil
		},
		NakDelay:       backoff{},
		AckAsync:       true,
		Unmarshaler:    unmarshaler{},
		ConsumeOptions: []jetstream.PullConsumeOpt{jetstream.PullMaxMessages(128)},
	})
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
// this was its last delivery; otherwise the error goes back to JetStream.
func (r *Router) poison(consumer string, maxDeliver int) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err == nil {
				return out, nil
			}
			delivered, _ := strconv.Atoi(msg.Metadata.Get(MetaDelivered))
			if !errors.Is(err, ErrPermanent) && delivered < maxDeliver {
				r.log.WarnContext(msg.Context(), "handler failed, will retry", "consumer", consumer, "event_id", msg.UUID, "delivered", delivered, "error", err)
				return nil, err
			}
			dead := message.NewMessage("dlq:"+consumer+":"+msg.UUID, msg.Payload)
			for k, v := range msg.Metadata {
				dead.Metadata.Set(k, v)
			}
			dead.Metadata.Set(events.HeaderDedupID, dead.UUID)
			dead.Metadata.Set(MetaDLQError, err.Error())
			dead.Metadata.Set(MetaDLQConsumer, consumer)
			if perr := r.pub.Publish(events.DLQSubject(consumer), dead); perr != nil {
				return nil, errors.Join(err, perr)
			}
			r.metrics.poisoned.WithLabelValues(consumer).Inc()
			r.log.ErrorContext(msg.Context(), "message parked on the DLQ", "consumer", consumer, "event_id", msg.UUID, "subject", msg.Metadata.Get(MetaSubject), "delivered", delivered, "error", err)
			return nil, nil
		}
	}
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
	}
	return wm, nil
}

// backoff delays a redelivery: 250ms, 500ms, 1s, ... up to 30s.
type backoff struct{}

func (backoff) WaitTime(delivered uint64) time.Duration {
	d := 250 * time.Millisecond
	for i := uint64(1); i < delivered && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}
