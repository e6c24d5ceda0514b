package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
)

// Deps are what moderation needs from the composition root.
type Deps struct {
	Router *bus.Router
	Logger *slog.Logger
	// Policies defaults to BuiltinPolicies until brand policies are data.
	Policies Policies
}

// Service moderates received interactions.
type Service struct {
	cfg      Config
	router   *bus.Router
	log      *slog.Logger
	policies Policies
	now      func() time.Time
}

// New registers the moderation handler on the router; the router runs it.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil {
		return nil, errors.New("moderation: missing dependency")
	}
	if d.Policies == nil {
		d.Policies = BuiltinPolicies{}
	}
	s := &Service{cfg: cfg, router: d.Router, log: d.Logger.With("service", "moderation"), policies: d.Policies, now: time.Now}
	if err := bus.Handle(d.Router, cfg.Consumer, s.handleReceived); err != nil {
		return nil, err
	}
	return s, nil
}

// Run returns when ctx is done; the shared router drives the handler.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// handleReceived is idempotent by construction: the decision is a pure
// function of the interaction and the policy version, and its event id
// (ModeratedID) is the Nats-Msg-Id, so JetStream drops a duplicate published
// inside the stream's duplicate window and consumers collapse later ones.
func (s *Service) handleReceived(ctx context.Context, r v1.Received, env events.Envelope) error {
	p, err := s.policies.Policy(r.Brand)
	if err != nil {
		return fmt.Errorf("policy of brand %s: %w", r.Brand, err)
	}
	m := Decide(r, p, s.now())
	out, err := events.NewEnvelope(m, m.ID, m.Brand, m.ModeratedAt)
	if err != nil {
		return bus.Permanent(err)
	}
	pub, err := s.router.Publisher().PublishEvent(ctx, m, out)
	if err != nil {
		return fmt.Errorf("publish decision for %s: %w", r.ID, err)
	}
	s.log.DebugContext(ctx, "moderated", "brand", r.Brand, "event_id", m.ID, "verdict", m.Verdict, "priority", m.Priority, "duplicate", pub.Duplicate)
	return nil
}
