package ingest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// Deps are what the ingest service needs from the composition root.
type Deps struct {
	Publisher *bus.Publisher
	Sources   *Sources
	Logger    *slog.Logger
	Health    *httpx.Health
	// Registry receives the service's metrics and serves /metrics.
	Registry *prometheus.Registry
}

// Service receives webhooks and publishes interactions.
type Service struct {
	cfg      Config
	pub      *bus.Publisher
	sources  *Sources
	log      *slog.Logger
	echo     *echo.Echo
	metrics  *metrics
	webhooks map[string]Webhook
	now      func() time.Time
}

// New builds the service; it refuses missing dependencies.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Publisher == nil || d.Sources == nil || d.Logger == nil || d.Health == nil || d.Registry == nil {
		return nil, errors.New("ingest: missing dependency")
	}
	s := &Service{cfg: cfg, pub: d.Publisher, sources: d.Sources, log: d.Logger.With("service", "ingest"), now: time.Now}
	s.metrics = newMetrics(d.Registry)
	s.webhooks = map[string]Webhook{}
	for _, wh := range []Webhook{Generic{}, Meta{}, X{}} {
		s.webhooks[wh.Name()] = wh
	}
	e, err := httpx.New(httpx.Options{Logger: s.log, Health: d.Health, Gatherer: d.Registry, BodyLimit: cfg.BodyLimit})
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

// Run serves webhooks until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	s.log.Info("ingest listening", "addr", s.cfg.Addr)
	return httpx.Serve(ctx, s.echo, s.cfg.Addr)
}

type metrics struct {
	webhooks *prometheus.CounterVec
	skipped  *prometheus.CounterVec
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
	}
	reg.MustRegister(m.webhooks, m.skipped)
	return m
}
