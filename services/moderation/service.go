package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/moderation/neardup"
	"github.com/ruche-project/ruche/services/moderation/secondopinion"
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
	// Interactions tells cases which interactions exist when moderation's
	// decision log does not know them; defaults to analytics over NATS.
	Interactions Interactions
	// Lookup finds an edited interaction to decide on its new text; it
	// defaults to analytics' detail endpoint over NATS.
	Lookup Lookup
	// Now defaults to time.Now (tests pass a scripted clock).
	Now func() time.Time
	// Registerer receives the crisis metrics; nil means unregistered.
	Registerer prometheus.Registerer
	// CrisisFlush is how often the replica merges its crisis counts into
	// the shared state (default 5 s; tests shorten it).
	CrisisFlush time.Duration
	// WebhookClient sends crisis webhooks; it defaults to a pkg/netguard
	// client that refuses internal addresses.
	WebhookClient *http.Client
	// Secrets seals the crisis webhooks' signing secrets at rest.
	Secrets *secret.Box
}

// Service moderates received interactions, keeps brand policies and case
// claims, and watches for crises.
type Service struct {
	cfg Config
	// ready is closed once the endpoints are served.
	ready     chan struct{}
	router    *bus.Router
	nc        *nats.Conn
	log       *slog.Logger
	policies  *PolicyStore
	decisions *decisionLog
	cases     *CaseStore
	// corrections are the brands' corrections of the automatic labels.
	corrections *corrections
	// opinions asks a model about uncertain items; nil when off.
	opinions *secondopinion.Asker
	crisis   *crisisTracker
	webhooks *webhooks
	history  History
	lookup   Lookup
	now      func() time.Time
	// swarms finds near-copies posted by several accounts (per replica).
	swarms *neardup.Detector
}

// New opens moderation's buckets and registers its handlers on the router;
// the router runs them, Run serves the endpoints and the crisis loop.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil || d.NATS == nil || d.JS == nil || d.Secrets == nil {
		return nil, errors.New("moderation: missing dependency (Router, Logger, NATS, JS and Secrets are required)")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	log := d.Logger.With("service", "moderation")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s := &Service{cfg: cfg, router: d.Router, nc: d.NATS, log: log, now: d.Now, history: d.History, ready: make(chan struct{}), swarms: neardup.New(),
		opinions: secondopinion.New(cfg.SecondOpinion, nil, d.Now)}
	var err error
	if s.policies, err = OpenPolicyStore(ctx, d.JS, d.Replicas, log); err != nil {
		return nil, err
	}
	s.policies.now = d.Now
	if s.decisions, err = openDecisionLog(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.corrections, err = openCorrections(ctx, d.JS, d.Replicas, log); err != nil {
		return nil, err
	}
	client, err := rpc.NewClient(d.NATS)
	if err != nil {
		return nil, err
	}
	if s.history == nil {
		s.history = analyticsHistory{client: client}
	}
	if d.Lookup == nil {
		d.Lookup = analyticsHistory{client: client}
	}
	s.lookup = d.Lookup
	if d.Interactions == nil {
		d.Interactions = analyticsHistory{client: client}
	}
	known := knownInteractions{decisions: s.decisions, analytics: d.Interactions}
	if s.cases, err = OpenCaseStore(ctx, d.JS, d.Replicas, d.Router.Publisher(), d.Now, known); err != nil {
		return nil, err
	}
	if s.crisis, err = openCrisisTracker(ctx, d.JS, d.Replicas, d.Router.Publisher(), s.policies, log, d.Now); err != nil {
		return nil, err
	}
	if err := s.crisis.metrics.register(d.Registerer); err != nil {
		return nil, err
	}
	if d.WebhookClient == nil {
		d.WebhookClient = netguard.Client(10*time.Second, false)
	}
	if s.webhooks, err = openWebhooks(ctx, d.JS, d.Replicas, d.Secrets, d.WebhookClient, log, s.crisis.metrics, d.Now); err != nil {
		return nil, err
	}
	s.crisis.notify = s.webhooks.enqueue
	if d.CrisisFlush > 0 {
		s.crisis.flushEvery = d.CrisisFlush
	}
	if err := bus.HandleBatch(d.Router, cfg.Consumer, BatchSize, s.handleBatch); err != nil {
		return nil, err
	}
	if err := bus.HandleBatch(d.Router, cfg.Consumer+EditsConsumerSuffix, BatchSize, s.handleEdits); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-erasures", s.onErasure); err != nil {
		return nil, err
	}
	return s, nil
}

// Ready is closed once every endpoint is served (the process's readiness
// waits for it).
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Run serves the endpoints, follows policy activations and flushes the
// crisis windows until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	svc, err := s.startEndpoints()
	if err != nil {
		return fmt.Errorf("moderation endpoints: %w", err)
	}
	close(s.ready)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.policies.Watch(ctx); err != nil {
			s.log.Error("policy watch stopped", "error", err)
		}
	})
	wg.Go(func() {
		if err := s.corrections.watch(ctx); err != nil {
			s.log.Error("corrections watch stopped", "error", err)
		}
	})
	wg.Go(func() { s.crisis.run(ctx) })
	wg.Go(func() { s.webhooks.run(ctx) })
	<-ctx.Done()
	svc.Stop()
	wg.Wait()
	return nil
}

// Policies is the brand policy store.
func (s *Service) Policies() *PolicyStore { return s.policies }
