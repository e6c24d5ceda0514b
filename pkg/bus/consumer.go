package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
)

// Metadata keys added on delivery (Watermill metadata of a Handle handler's
// message) and on the copies parked on the DLQ.
const (
	MetaDelivered   = "Ruche-Delivered"
	MetaSubject     = "Ruche-Subject"
	MetaStream      = "Ruche-Stream"
	MetaSequence    = "Ruche-Stream-Seq"
	MetaDLQError    = "Ruche-Dlq-Error"
	MetaDLQConsumer = "Ruche-Dlq-Consumer"
)

// ErrPermanent marks an error that no retry can fix (an undecodable event, an
// invalid envelope): the message goes straight to the DLQ.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that it is not retried.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// Option changes one consumer's settings; without options a consumer takes
// the bus configuration's (nats.ack_wait, nats.max_deliver,
// nats.subscriptions) and redelivers after Backoff(250ms, 30s).
type Option func(*settings)

// AckWait is how long JetStream waits for the consumer's ack before it
// redelivers; for a batch handler it must outlast gathering and handling a
// batch.
func AckWait(d time.Duration) Option { return func(s *settings) { s.ackWait = d } }

// MaxDeliver is how many deliveries a failing event gets before it is
// parked on the DLQ.
func MaxDeliver(n int) Option { return func(s *settings) { s.maxDeliver = n } }

// RetryDelay sets the delay before the redelivery of a failed event, given
// how many times it has been delivered (Backoff makes one).
func RetryDelay(delay func(delivered uint64) time.Duration) Option {
	return func(s *settings) { s.delay = delay }
}

// Workers is how many events (Handle) or batches (HandleBatch) one process
// handles at once for the consumer.
func Workers(n int) Option { return func(s *settings) { s.workers = n } }

// MaxWait is the longest the first event of a batch waits for the batch to
// fill (HandleBatch). Without it a batch is what is waiting when a worker is
// free: it never waits for more.
func MaxWait(d time.Duration) Option { return func(s *settings) { s.maxWait = d } }

// Backoff returns a redelivery delay of first, doubled per delivery, up to
// limit.
func Backoff(first, limit time.Duration) func(delivered uint64) time.Duration {
	return func(delivered uint64) time.Duration {
		d := first
		for i := uint64(1); i < delivered && d < limit; i++ {
			d *= 2
		}
		return min(d, limit)
	}
}

// settings are one consumer's, after its options.
type settings struct {
	ackWait    time.Duration
	maxDeliver int
	delay      func(delivered uint64) time.Duration
	workers    int
	maxWait    time.Duration
}

func newSettings(cfg Config, opts []Option) (settings, error) {
	s := settings{ackWait: cfg.AckWait, maxDeliver: cfg.MaxDeliver, delay: Backoff(250*time.Millisecond, 30*time.Second), workers: cfg.Subscriptions}
	for _, o := range opts {
		o(&s)
	}
	switch {
	case s.ackWait < time.Second:
		return s, fmt.Errorf("bus: ack wait %s: want at least 1s", s.ackWait)
	case s.maxDeliver < 1:
		return s, fmt.Errorf("bus: max deliver %d: want at least 1", s.maxDeliver)
	case s.delay == nil:
		return s, errors.New("bus: nil retry delay")
	case s.workers < 1 || s.workers > 64:
		return s, fmt.Errorf("bus: %d workers: want 1 to 64", s.workers)
	case s.maxWait < 0:
		return s, fmt.Errorf("bus: negative max wait %s", s.maxWait)
	}
	return s, nil
}

// consumerConfig is the durable consumer named name on subjects, with the
// settings' ack wait and deliveries. It allows one delivery more than the
// DLQ threshold: an attempt that times out (a crash, a stuck handler) still
// leaves a last delivery that can park the message.
func (s settings) consumerConfig(name string, subjects []string, maxAckPending int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        name,
		FilterSubjects: subjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        s.ackWait,
		MaxDeliver:     s.maxDeliver + 1,
		MaxAckPending:  maxAckPending,
	}
}

// parks says whether a failed delivery goes to the DLQ (the error is
// permanent, or this was its last delivery) rather than back to JetStream,
// and with what reason. Handle and HandleBatch share it: one retry and
// poison policy.
func (s settings) parks(err error, delivered uint64) (bool, error) {
	switch {
	case errors.Is(err, ErrPermanent):
		return true, err
	case delivered >= uint64(s.maxDeliver):
		return true, fmt.Errorf("after %d deliveries: %w", delivered, err)
	}
	return false, err
}

// deadLetter is a message on its way to the DLQ, and where it came from.
type deadLetter struct {
	consumer  string
	stream    string
	sequence  uint64
	subject   string
	delivered uint64
	header    nats.Header
	data      []byte
}

// letterOf is m as a dead letter of consumer.
func letterOf(m jetstream.Msg, consumer string) deadLetter {
	d := deadLetter{consumer: consumer, subject: m.Subject(), header: m.Headers(), data: m.Data()}
	if md, err := m.Metadata(); err == nil {
		d.stream, d.sequence, d.delivered = md.Stream, md.Sequence.Stream, md.NumDelivered
	}
	return d
}

// park copies d to the DLQ stream with the reason and where it came from.
// Its message id names the consumer, the stream and the sequence: the DLQ's
// duplicate window drops a second copy of the same stored message (a
// redelivery parked twice) and nothing else, not another brand's event of
// the same id nor another stream's message of the same sequence.
func park(ctx context.Context, js jetstream.JetStream, d deadLetter, cause error) error {
	dead := nats.NewMsg(events.DLQSubject(d.consumer))
	dead.Data = d.data
	for k, v := range d.header {
		dead.Header[k] = v
	}
	dead.Header.Set(events.HeaderDedupID, "dlq:"+d.consumer+":"+d.stream+":"+strconv.FormatUint(d.sequence, 10))
	dead.Header.Set(MetaDLQError, cause.Error())
	dead.Header.Set(MetaDLQConsumer, d.consumer)
	dead.Header.Set(MetaSubject, d.subject)
	dead.Header.Set(MetaStream, d.stream)
	dead.Header.Set(MetaSequence, strconv.FormatUint(d.sequence, 10))
	dead.Header.Set(MetaDelivered, strconv.FormatUint(d.delivered, 10))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := js.PublishMsg(ctx, dead); err != nil {
		return fmt.Errorf("park on the DLQ: %w", err)
	}
	return nil
}
