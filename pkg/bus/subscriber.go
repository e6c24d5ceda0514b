package bus

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// subscriber is the Watermill subscriber of one durable JetStream pull
// consumer. It replaces watermill-nats's (v2.1.3), whose shutdown closes the
// output channel while a delivery callback may still be sending on it: a data
// race, and a "send on closed channel" panic when the two meet. Here the
// output is closed only once nats.go reports the consumption fully stopped
// (ConsumeContext.Closed: no callback running any more).
//
// A message goes to the router and waits for its ack or nack, up to the
// consumer's ack wait (after which JetStream redelivers it anyway). A message
// that arrives while the subscriber is closing is nacked at once, so that
// another replica takes it without waiting for the ack wait.
type subscriber struct {
	conn    *nats.Conn
	log     *slog.Logger
	ackWait time.Duration
	delay   func(delivered uint64) time.Duration
	// consumer creates or updates the durable consumer to read.
	consumer func(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error)

	closeOnce sync.Once
	closing   chan struct{}
	running   sync.WaitGroup
}

var _ message.Subscriber = (*subscriber)(nil)

func newSubscriber(conn *nats.Conn, log *slog.Logger, ackWait time.Duration, delay func(uint64) time.Duration,
	consumer func(context.Context, jetstream.JetStream) (jetstream.Consumer, error)) *subscriber {
	return &subscriber{conn: conn, log: log, ackWait: ackWait, delay: delay, consumer: consumer, closing: make(chan struct{})}
}

// Subscribe starts consuming; topic is the router's name for the filter and
// is not read (the consumer carries its filter). The returned channel closes
// when ctx is cancelled or the subscriber closed, once no delivery is in
// flight.
func (s *subscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, errors.New("bus: subscriber closed")
	default:
	}
	js, err := jetstream.New(s.conn)
	if err != nil {
		return nil, err
	}
	c, err := s.consumer(ctx, js)
	if err != nil {
		return nil, err
	}
	output := make(chan *message.Message)
	cc, err := c.Consume(func(m jetstream.Msg) { s.deliver(ctx, m, output) }, jetstream.PullMaxMessages(128))
	if err != nil {
		return nil, err
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		select {
		case <-s.closing:
		case <-ctx.Done():
		}
		stopped := cc.Closed()
		cc.Stop()
		<-stopped
		close(output)
	}()
	return output, nil
}

// deliver hands m to the router and settles it as the router says.
func (s *subscriber) deliver(ctx context.Context, m jetstream.Msg, output chan<- *message.Message) {
	msg, _ := unmarshaler{}.Unmarshal(m)
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msg.SetContext(mctx)
	select {
	case output <- msg:
	case <-s.closing:
		s.nak(m, 0)
		return
	case <-ctx.Done():
		s.nak(m, 0)
		return
	}
	timeout := time.NewTimer(s.ackWait)
	defer timeout.Stop()
	select {
	case <-msg.Acked():
		if err := m.Ack(); err != nil {
			s.log.Warn("ack failed; JetStream redelivers the message", "subject", m.Subject(), "error", err)
		}
	case <-msg.Nacked():
		var delivered uint64
		if md, err := m.Metadata(); err == nil {
			delivered = md.NumDelivered
		}
		s.nak(m, s.delay(delivered))
	case <-timeout.C:
		// Past the ack wait JetStream has already redelivered it.
	}
}

func (s *subscriber) nak(m jetstream.Msg, delay time.Duration) {
	var err error
	if delay > 0 {
		err = m.NakWithDelay(delay)
	} else {
		err = m.Nak()
	}
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		s.log.Warn("nak failed; JetStream redelivers the message after the ack wait", "subject", m.Subject(), "error", err)
	}
}

// Close stops every subscription, waits until their outputs are closed, and
// closes the subscriber's connection (its acks flushed first).
func (s *subscriber) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closing)
		s.running.Wait()
		if err = s.conn.Flush(); errors.Is(err, nats.ErrConnectionClosed) {
			err = nil
		}
		s.conn.Close()
	})
	return err
}
