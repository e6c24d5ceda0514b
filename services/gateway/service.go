package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// Deps are what the gateway needs from the composition root.
type Deps struct {
	NATS     *nats.Conn
	Logger   *slog.Logger
	Health   *httpx.Health
	Registry *prometheus.Registry
	Version  string
}

// Service is the HTTP API.
type Service struct {
	cfg  Config
	rpc  *rpc.Client
	keys APIKeys
	log  *slog.Logger
	echo *echo.Echo
}

// New builds the gateway and its routes.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NATS == nil || d.Logger == nil || d.Health == nil || d.Registry == nil {
		return nil, errors.New("gateway: missing dependency")
	}
	keys, _ := ParseAPIKeys(cfg.APIKeys) // validated above
	client, err := rpc.NewClient(d.NATS)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, rpc: client, keys: keys, log: d.Logger.With("service", "gateway")}
	if len(keys) == 0 {
		s.log.Warn("no API key configured: every API route will answer 401 (set gateway.api_keys)")
	}
	e, err := httpx.New(httpx.Options{Logger: s.log, Health: d.Health, BodyLimit: cfg.BodyLimit})
	if err != nil {
		return nil, err
	}
	e.GET("/", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{
			"name": "Ruche", "version": d.Version,
			"api": "/api/v1", "health": "/healthz", "ready": "/readyz",
		})
	})
	api := e.Group("/api/v1", requireKey(keys), singleParams)
	api.GET("/interactions", s.listInteractions)
	api.GET("/interactions/:id", s.getInteraction)
	api.GET("/kpis", s.kpis)
	api.GET("/segments/:segment", s.segment)
	api.POST("/contests/draw", s.drawContest)
	api.GET("/contests/:id", s.getContest)
	api.POST("/contests/:id/verify", s.verifyContest)
	s.reportRoutes(api)
	api.GET("/sources", s.listSources)
	api.POST("/sources", s.putSource)
	api.DELETE("/sources/:id", s.deleteSource)
	api.POST("/sources/:id/backfill", s.backfillSource)
	s.moderationRoutes(api)
	s.crisisRoutes(api)
	s.publishingRoutes(api)
	s.draftRoutes(api)
	s.echo = e
	return s, nil
}

// Handler exposes the HTTP handler, for tests.
func (s *Service) Handler() *echo.Echo { return s.echo }

// Run serves the API until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	s.log.Info("gateway listening", "addr", s.cfg.Addr)
	return httpx.Serve(ctx, s.echo, s.cfg.Addr)
}
