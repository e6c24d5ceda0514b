package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/services/ingest/bluesky"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
	"github.com/ruche-project/ruche/services/ingest/mastodon"
	"github.com/ruche-project/ruche/services/ingest/meta"
	"github.com/ruche-project/ruche/services/ingest/rss"
	"github.com/ruche-project/ruche/services/ingest/x"
	"github.com/ruche-project/ruche/services/ingest/youtube"
)

// Deps are what the ingest service needs from the composition root.
type Deps struct {
	// NATS serves the source-management endpoints; JS holds the poll
	// loops' cursors and leases.
	NATS      *nats.Conn
	JS        jetstream.JetStream
	Publisher *bus.Publisher
	// Router runs the handler of erasure requests (erasures.go).
	Router    *bus.Router
	Sources   *Sources
	Health    *HealthTracker
	Logger    *slog.Logger
	Readiness *httpx.Health
	// Pollers are extra polled networks beside the built-in ones (the
	// sandbox in `ruche up`).
	Pollers []connector.Poller
	// Replicas of the KV buckets the service owns.
	Replicas int
	// Registry receives the service's metrics and serves /metrics.
	Registry *prometheus.Registry
}

// Service receives webhooks and publishes interactions.
type Service struct {
	cfg      Config
	pub      *bus.Publisher
	sources  *Sources
	health   *HealthTracker
	nc       *nats.Conn
	polls    *pollManager
	seen     *firstSeen
	erased   *privacy.Set
	log      *slog.Logger
	echo     *echo.Echo
	metrics  *metrics
	webhooks map[string]connector.Webhook
	now      func() time.Time
	ready    chan struct{}
}

// New builds the service; it refuses missing dependencies.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NATS == nil || d.JS == nil || d.Publisher == nil || d.Router == nil || d.Sources == nil || d.Health == nil || d.Logger == nil || d.Readiness == nil || d.Registry == nil {
		return nil, errors.New("ingest: missing dependency")
	}
	s := &Service{cfg: cfg, pub: d.Publisher, sources: d.Sources, health: d.Health, nc: d.NATS,
		log: d.Logger.With("service", "ingest"), now: time.Now, ready: make(chan struct{})}
	s.metrics = newMetrics(d.Registry)
	s.webhooks = map[string]connector.Webhook{}
	for _, wh := range []connector.Webhook{generic.Webhook{}, meta.Webhook{}, x.Webhook{}} {
		s.webhooks[wh.Name()] = wh
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if s.seen, err = openFirstSeen(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.erased, err = privacy.Open(ctx, d.JS, ErasuresBucket, d.Replicas, s.log); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, erasureConsumer, s.onErasure); err != nil {
		return nil, err
	}
	s.polls, err = newPollManager(ctx, s, d.JS, d.Replicas, append([]connector.Poller{
		mastodon.New(netguard.Client(pollTimeout, cfg.AllowInternalFetches)),
		bluesky.New(netguard.Client(pollTimeout, cfg.AllowInternalFetches)),
		youtube.New(netguard.Client(pollTimeout, cfg.AllowInternalFetches)),
		rss.New(netguard.Client(pollTimeout, cfg.AllowInternalFetches)),
	}, d.Pollers...))
	if err != nil {
		return nil, err
	}
	e, err := httpx.New(httpx.Options{Logger: s.log, Health: d.Readiness, BodyLimit: cfg.BodyLimit})
	if err != nil {
		return nil, err
	}
	e.GET("/v1/webhooks/:network/:source", s.handleChallenge)
	e.POST("/v1/webhooks/:network/:source", s.handleDelivery)
	s.echo = e
	return s, nil
}

// Handler exposes the HTTP handler, for tests.
func (s *Service) Handler() *echo.Echo { return s.echo }

// Run serves webhooks and the source endpoints until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	api, err := s.startSourcesAPI(s.nc)
	if err != nil {
		return err
	}
	defer api.Stop()
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.log.Info("ingest listening", "addr", l.Addr().String())
	close(s.ready)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.health.Run(gctx) })
	g.Go(func() error { return s.sources.Watch(gctx) })
	g.Go(func() error { return s.polls.Run(gctx) })
	g.Go(func() error { return httpx.ServeListener(gctx, s.echo, l) })
	err = g.Wait()
	return errors.Join(err, s.erased.Close())
}

// Ready is closed once webhooks and source endpoints are served.
func (s *Service) Ready() <-chan struct{} { return s.ready }

type metrics struct {
	webhooks *prometheus.CounterVec
	skipped  *prometheus.CounterVec
	erased   *prometheus.CounterVec
	polled   *prometheus.CounterVec
	streamed *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_ingest_webhooks_total",
			Help: "Webhook deliveries by network and outcome (accepted, unauthorized, bad_request, unavailable).",
		}, []string{"network", "outcome"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_ingest_items_skipped_total",
			Help: "Items of a delivery that could not be read, by network.",
		}, []string{"network"}),
		erased: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_ingest_items_erased_total",
			Help: "Items not published because their author was erased (privacy tombstones), by network.",
		}, []string{"network"}),
	}
	m.polled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruche_ingest_items_polled_total",
		Help: "Items the poll loops published, by network (not counting items already received).",
	}, []string{"network"})
	m.streamed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ruche_ingest_items_streamed_total",
		Help: "Items pushed by networks' streams (Mastodon streaming API) and published, by network (not counting items already received).",
	}, []string{"network"})
	reg.MustRegister(m.webhooks, m.skipped, m.erased, m.polled, m.streamed)
	return m
}

// FlushHealth writes the in-memory source health now (tests, shutdown).
func (s *Service) FlushHealth(ctx context.Context) { s.health.Flush(ctx) }
