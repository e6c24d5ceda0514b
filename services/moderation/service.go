package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
)

// Deps are what moderation needs from the composition root.
type Deps struct {
	Router *bus.Router
	Logger *slog.Logger
	// NATS serves the micro endpoints (policies, cases) and asks analytics
	// for the dry run's history.
	NATS *nats.Conn
	// JS holds moderation's KV buckets.
	JS jetstream.JetStream
	// Replicas of the KV buckets (the bus's replica count).
	Replicas int
	// History defaults to analytics' list endpoint over NATS.
	History History
	// Now defaults to time.Now (tests pass a scripted clock).
	Now func() time.Time
}

// Service moderates received interactions, keeps brand policies and case
// claims, and watches for crises.
type Service struct {
	cfg       Config
	router    *bus.Router
	nc        *nats.Conn
	log       *slog.Logger
	policies  *PolicyStore
	decisions *decisionLog
	cases     *CaseStore
	crisis    *crisisTracker
	history   History
	now       func() time.Time
}

// New opens moderation's buckets and registers its handlers on the router;
// the router runs them, Run serves the endpoints and the crisis loop.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil || d.NATS == nil || d.JS == nil {
		return nil, errors.New("moderation: missing dependency (Router, Logger, NATS and JS are required)")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	log := d.Logger.With("service", "moderation")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s := &Service{cfg: cfg, router: d.Router, nc: d.NATS, log: log, now: d.Now, history: d.History}
	var err error
	if s.policies, err = OpenPolicyStore(ctx, d.JS, d.Replicas, log); err != nil {
		return nil, err
	}
	s.policies.now = d.Now
	if s.decisions, err = openDecisionLog(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.cases, err = OpenCaseStore(ctx, d.JS, d.Replicas, d.Router.Publisher(), d.Now); err != nil {
		return nil, err
	}
	if s.crisis, err = openCrisisTracker(ctx, d.JS, d.Replicas, d.Router.Publisher(), s.policies, log, d.Now); err != nil {
		return nil, err
	}
	if s.history == nil {
		s.history = analyticsHistory{nc: d.NATS}
	}
	if err := bus.Handle(d.Router, cfg.Consumer, s.handleReceived); err != nil {
		return nil, err
	}
	return s, nil
}

// Run serves the endpoints, follows policy activations and flushes the
// crisis windows until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	svc, err := s.startEndpoints()
	if err != nil {
		return fmt.Errorf("moderation endpoints: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.policies.Watch(ctx); err != nil {
			s.log.Error("policy watch stopped", "error", err)
		}
	})
	wg.Go(func() { s.crisis.run(ctx) })
	<-ctx.Done()
	if err := svc.Stop(); err != nil {
		s.log.Warn("stop moderation endpoints", "error", err)
	}
	wg.Wait()
	return nil
}

// Policies is the brand policy store.
func (s *Service) Policies() *PolicyStore { return s.policies }

// handleReceived is idempotent: the decision is a pure function of the
// interaction and the policy version, its event id (ModeratedID) is the
// Nats-Msg-Id (JetStream drops a duplicate inside the duplicate window), and
// past that window the decisions bucket says it was already decided.
func (s *Service) handleReceived(ctx context.Context, r v1.Received, env events.Envelope) error {
	p, err := s.policies.Policy(r.Brand)
	if err != nil {
		return fmt.Errorf("policy of brand %s: %w", r.Brand, err)
	}
	key := decisionKey(r.Brand, r.ID, p.Version())
	if id, err := s.decisions.decided(ctx, key); err != nil {
		return err
	} else if id != "" {
		s.log.DebugContext(ctx, "already decided", "brand", r.Brand, "interaction_id", r.ID, "event_id", id)
		return nil
	}
	m, a := decide(r, p, s.now())
	out, err := events.NewEnvelope(m, m.ID, m.Brand, m.ModeratedAt)
	if err != nil {
		return bus.Permanent(err)
	}
	pub, err := s.router.Publisher().PublishEvent(ctx, m, out)
	if err != nil {
		return fmt.Errorf("publish decision for %s: %w", r.ID, err)
	}
	if err := s.decisions.record(ctx, key, m.ID); err != nil {
		return err
	}
	s.crisis.observe(r, a.Result)
	s.log.DebugContext(ctx, "moderated", "brand", r.Brand, "event_id", m.ID, "verdict", m.Verdict, "priority", m.Priority, "duplicate", pub.Duplicate)
	return nil
}
