package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/bus"
)

// A request whose handler keeps failing is parked by the bus on the DLQ
// after nats.max_deliver deliveries (pkg/bus). Publishing follows its own
// DLQ subject and settles what the parked request left unsent: a target
// never recorded, or recorded and never sent (queued), becomes a failed
// dead letter with the bus's reason, and publish.failed says so. A target
// already sent, or waiting for its retry, is the retry loop's: its
// attempts are bounded by publishing.max_attempts. So a request is never
// retried forever nor dropped without an outcome.
//
// A panic while advancing an entry is caught (advance): nothing in flight
// (the entry is not sending) means nothing was sent, and the entry fails
// at once, saying so, rather than panicking again on every retry.

// CodeParked and CodeInternal are the failure codes of a request
// publishing could not handle.
const (
	CodeParked   = "parked"
	CodeInternal = "internal_error"
)

// openParked creates the durable consumer of publishing's DLQ subject.
func openParked(ctx context.Context, js jetstream.JetStream, consumer string) (jetstream.Consumer, error) {
	c, err := js.CreateOrUpdateConsumer(ctx, events.StreamName(events.DomainDLQ), jetstream.ConsumerConfig{
		Durable: consumer + "-parked", FilterSubject: events.DLQSubject(consumer), AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 30 * time.Second, DeliverPolicy: jetstream.DeliverAllPolicy,
		Description: "publishing: settles the publish requests parked on the DLQ",
	})
	if err != nil {
		return nil, fmt.Errorf("consumer of parked requests: %w", err)
	}
	return c, nil
}

// runParked settles parked requests until ctx is done; one that cannot be
// settled now is delivered again.
func (s *Service) runParked(ctx context.Context) {
	cc, err := s.parked.Consume(func(m jetstream.Msg) {
		if err := s.onParked(ctx, m); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("settle a parked request", "error", err)
			}
			_ = m.NakWithDelay(s.cfg.RetryInterval)
			return
		}
		_ = m.Ack()
	})
	if err != nil {
		s.log.Error("follow parked requests", "error", err)
		return
	}
	<-ctx.Done()
	cc.Stop()
}

// onParked settles one parked publish request.
func (s *Service) onParked(ctx context.Context, m jetstream.Msg) error {
	var r publishv1.Requested
	if m.Headers().Get(events.HeaderType) != r.Name() || json.Unmarshal(m.Data(), &r) != nil || r.Validate() != nil {
		// Not a request that could be recorded (its refusal is audited):
		// it stays on the DLQ for a person to read.
		return nil
	}
	return s.ParkRequest(ctx, r, m.Headers().Get(bus.MetaDLQError))
}

// ParkRequest settles the targets of a request the bus gave up on: each
// one never recorded or never sent fails as a dead letter with why.
func (s *Service) ParkRequest(ctx context.Context, r publishv1.Requested, why string) error {
	ne := &NetworkError{Code: CodeParked, Permanent: true,
		Reason: "publishing could not handle the request and parked it (nothing was sent; retry it once the cause is fixed): " + why}
	for _, t := range r.Targets() {
		key := entryKey(r.Brand, r.ID, t.Network, accountToken(t.Account))
		created, err := s.ledger.Create(ctx, key, newEntry(r, t, s.now().UTC()))
		if err != nil {
			return err
		}
		if created {
			_ = s.audit.Record(ctx, r.InteractionID, auditOf(r, "requested", t, "", ""))
		}
		if err := s.failUnsent(ctx, key, ne); err != nil {
			return err
		}
	}
	return nil
}

// failUnsent settles the entry as failed with ne when nothing of it was
// sent (queued); an entry in any other state is left as it is.
func (s *Service) failUnsent(ctx context.Context, key string, ne *NetworkError) error {
	for range 5 {
		e, rev, err := s.ledger.Get(ctx, key)
		if err != nil {
			return err
		}
		if e.State != StateQueued {
			return nil
		}
		if err := s.settle(ctx, key, e, rev, nil, ne); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("park %s: %w", key, ErrConflict)
}

// recovered settles an entry whose advance panicked (see abandon).
func (s *Service) recovered(ctx context.Context, key string, p any) error {
	s.log.ErrorContext(ctx, "publishing panicked on an entry", "key", key, "panic", p, "stack", string(debug.Stack()))
	return s.abandon(ctx, key, fmt.Sprintf("a bug: %v", p))
}

// abandon settles an entry publishing cannot advance (cause says why):
// nothing in flight means nothing was sent, and the entry fails for good
// with the cause as its reason. An entry sending (the failure came during
// the call) is left to its reconciliation until its attempts reach
// max_attempts; then it fails, saying the call may have been made.
func (s *Service) abandon(ctx context.Context, key, cause string) error {
	for range 5 {
		e, rev, err := s.ledger.Get(ctx, key)
		if err != nil {
			return err
		}
		if e.done() || e.State == StateSending && e.Attempts-e.RetryBase < s.cfg.MaxAttempts {
			return nil
		}
		reason := fmt.Sprintf("publishing failed on this entry (%s); nothing was sent", cause)
		if e.Uncertain || e.State == StateSending || e.State == StateReconciling {
			e.Uncertain = true
			reason = fmt.Sprintf("publishing failed on this entry (%s) while an earlier call's answer was unknown: check the account before retrying", cause)
		}
		err = s.settle(ctx, key, e, rev, nil, &NetworkError{Code: CodeInternal, Reason: reason, Permanent: true})
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("settle %s: %w", key, ErrConflict)
}

// stuckEntry is an entry the retry loop keeps failing to advance.
type stuckEntry struct {
	since time.Time
	times int
}

// noteFailure counts a failed advance of key by the retry loop and, once
// it has failed max_attempts times in a row over more than backoff_max,
// abandons the entry: an error before any call (an account whose token no
// longer opens) is not retried forever.
func (s *Service) noteFailure(ctx context.Context, key string, err error) {
	st, ok := s.stuck[key]
	if !ok {
		st.since = s.now()
	}
	st.times++
	s.stuck[key] = st
	if st.times < s.cfg.MaxAttempts || s.now().Sub(st.since) <= s.cfg.BackoffMax {
		return
	}
	delete(s.stuck, key)
	cause := fmt.Sprintf("%d tries over %s failed; last: %v", st.times, s.now().Sub(st.since).Round(time.Second), err)
	if aerr := s.abandon(ctx, key, cause); aerr != nil {
		s.log.Warn("abandon publication", "key", key, "error", aerr)
	}
}
