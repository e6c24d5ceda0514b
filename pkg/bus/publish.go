package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Publisher publishes events to JetStream and waits for the stream's ack, so
// a nil error means the event is stored. It also implements Watermill's
// message.Publisher, which the poison queue uses.
type Publisher struct {
	js        jetstream.JetStream
	marshaler wmnats.NATSMarshaler
	timeout   time.Duration
}

// NewPublisher returns a publisher on js. Streams must already exist
// (EnsureStreams): there is no per-publish provisioning.
func NewPublisher(js jetstream.JetStream) (*Publisher, error) {
	if js == nil {
		return nil, errors.New("bus: nil jetstream")
	}
	return &Publisher{js: js, timeout: 10 * time.Second}, nil
}

// Published says what JetStream did with an event.
type Published struct {
	Stream   string
	Sequence uint64
	// Duplicate is true when the event id was already in the stream's
	// duplicate window: nothing new was stored.
	Duplicate bool
}

// PublishEvent publishes e with env on events.Subject(e, env.Brand). The
// correlation id defaults to the context's (or the event id, starting a new
// chain); the causation id defaults to the event being handled, if any.
func (p *Publisher) PublishEvent(ctx context.Context, e events.Event, env events.Envelope) (Published, error) {
	if env.CorrelationID == "" {
		env.CorrelationID = obs.CorrelationID(ctx)
	}
	if env.CorrelationID == "" {
		env.CorrelationID = env.ID
	}
	if env.CausationID == "" {
		env.CausationID = causation(ctx)
	}
	if err := env.Validate(); err != nil {
		return Published{}, err
	}
	if env.Type != e.Name() {
		return Published{}, fmt.Errorf("%w: type %q does not match event %q", events.ErrInvalidEnvelope, env.Type, e.Name())
	}
	body, err := json.Marshal(e)
	if err != nil {
		return Published{}, fmt.Errorf("encode %s: %w", e.Name(), err)
	}
	msg := message.NewMessage(env.ID, body)
	for k, v := range env.Headers() {
		msg.Metadata.Set(k, v)
	}
	msg.SetContext(ctx)
	return p.publish(events.Subject(e, env.Brand), msg)
}

// Publish implements message.Publisher.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if _, err := p.publish(topic, m); err != nil {
			return err
		}
	}
	return nil
}

// Close implements message.Publisher; the connection belongs to Conn.
func (p *Publisher) Close() error { return nil }

func (p *Publisher) publish(subject string, m *message.Message) (Published, error) {
	nm, err := p.marshaler.Marshal(subject, m)
	if err != nil {
		return Published{}, err
	}
	if nm.Header.Get(events.HeaderDedupID) == "" {
		nm.Header.Set(events.HeaderDedupID, m.UUID)
	}
	ctx, cancel := context.WithTimeout(m.Context(), p.timeout)
	defer cancel()
	ack, err := p.js.PublishMsg(ctx, nm)
	if err != nil {
		return Published{}, fmt.Errorf("publish %s: %w", subject, err)
	}
	return Published{Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

type causeKey struct{}

func withCause(ctx context.Context, eventID string) context.Context {
	return context.WithValue(ctx, causeKey{}, eventID)
}

func causation(ctx context.Context) string {
	id, _ := ctx.Value(causeKey{}).(string)
	return id
}
