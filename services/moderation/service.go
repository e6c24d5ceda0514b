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
}

// Service moderates received interactions.
type Service struct {
	cfg    Config
	router *bus.Router
	log    *slog.Logger
	now    func() time.Time
}

// New registers the moderation handler on the router; the router runs it.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil {
		return nil, errors.New("moderation: missing dependency")
	}
	s := &Service{cfg: cfg, router: d.Router, log: d.Logger.With("service", "moderation"), now: time.Now}
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

// Decide is the moderation decision for one interaction. It is a pure
// function of the interaction and the policy version, so redelivery yields
// the same decision and the same event id.
func Decide(r v1.Received, policyVersion int, now time.Time) v1.Moderated {
	return v1.Moderated{
		ID:            v1.ModeratedID(r.ID, policyVersion),
		InteractionID: r.ID,
		Brand:         r.Brand,
		Network:       r.Network,
		Labels:        []string{},
		Verdict:       v1.VerdictReview,
		Actions:       []string{},
		RuleHits:      []string{},
		PolicyVersion: policyVersion,
		ModeratedAt:   now.UTC(),
	}
}

func (s *Service) handleReceived(ctx context.Context, r v1.Received, env events.Envelope) error {
	m := Decide(r, 0, s.now())
	out, err := events.NewEnvelope(m, m.ID, m.Brand, m.ModeratedAt)
	if err != nil {
		return bus.Permanent(err)
	}
	if _, err := s.router.Publisher().PublishEvent(ctx, m, out); err != nil {
		return fmt.Errorf("publish decision for %s: %w", r.ID, err)
	}
	return nil
}
