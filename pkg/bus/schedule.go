package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
)

// Message schedule headers (nats-server 2.12+, ADR-51): a message carrying
// them on a stream that allows schedules is kept as a timer; at its time
// the server publishes its body and headers (less these, and less
// Nats-Msg-Id) on the target subject, then purges the timer.
const (
	HeaderSchedule       = "Nats-Schedule"
	HeaderScheduleTarget = "Nats-Schedule-Target"
)

// ScheduleEvent stores a timer on subject (a subject of e's stream that no
// consumer reads) that publishes e with env, as PublishEvent would, at at.
// A later timer on the same subject replaces this one (the server rolls the
// subject up); CancelSchedule removes it. An instant in the past fires at
// once. The timer carries no Nats-Msg-Id: arming the same event again must
// not be taken for a duplicate; the fired event keeps its id in the
// envelope, for the handler's own guard.
func (p *Publisher) ScheduleEvent(ctx context.Context, subject string, at time.Time, e events.Event, env events.Envelope) error {
	return p.scheduleEvent(ctx, subject, "@at "+at.UTC().Format(time.RFC3339), e, env)
}

// RepeatEvent stores a repeating timer on subject that publishes e with env
// every interval (at least a second), the first an interval from now; the
// server skips the fires missed while it was down and fires once for them.
// Like ScheduleEvent's, a later timer on the subject replaces it (and
// starts its interval again) and CancelSchedule removes it.
func (p *Publisher) RepeatEvent(ctx context.Context, subject string, every time.Duration, e events.Event, env events.Envelope) error {
	if every < time.Second {
		return fmt.Errorf("repeat %s: interval %s is under a second", e.Name(), every)
	}
	return p.scheduleEvent(ctx, subject, "@every "+every.String(), e, env)
}

func (p *Publisher) scheduleEvent(ctx context.Context, subject, pattern string, e events.Event, env events.Envelope) error {
	msg, err := p.eventMessage(ctx, e, env)
	if err != nil {
		return err
	}
	target := msg.Subject
	msg.Subject = subject
	msg.Header.Del(jetstream.MsgIDHeader)
	msg.Header.Set(HeaderSchedule, pattern)
	msg.Header.Set(HeaderScheduleTarget, target)
	if _, err := p.publish(ctx, msg); err != nil {
		return fmt.Errorf("schedule %s (%s): %w", e.Name(), pattern, err)
	}
	return nil
}

// CancelSchedule removes the timer stored on subject, if any.
func (p *Publisher) CancelSchedule(ctx context.Context, stream, subject string) error {
	s, err := p.js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("cancel timer %s: %w", subject, err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil && !errors.Is(err, nats.ErrMsgNotFound) {
		return fmt.Errorf("cancel timer %s: %w", subject, err)
	}
	return nil
}
