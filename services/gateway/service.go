package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// Deps are what the gateway needs from the composition root.
type Deps struct {
	NATS *nats.Conn
	// JS defaults to a JetStream context on NATS; Replicas (default 1) is
	// the replication of the gateway's buckets.
	JS       jetstream.JetStream
	Replicas int
	Logger   *slog.Logger
	Health   *httpx.Health
	Registry *prometheus.Registry
	Version  string
	// Now is the clock (sessions, lockouts, expiries); time.Now by default.
	Now func() time.Time
}

// Service is the HTTP API.
type Service struct {
	cfg   Config
	rpc   *rpc.Client
	keys  APIKeys
	store *accounts.Store
	js    jetstream.JetStream
	pub   *bus.Publisher
	sso   *sso
	now   func() time.Time
	log   *slog.Logger
	echo  *echo.Echo
	// closing is closed when Run stops: long-lived responses (the
	// inbox's event stream) end, so shutdown does not wait on them.
	closing chan struct{}
	// eventsHeartbeat is the inbox stream's heartbeat and re-check of its
	// caller (0: sseHeartbeat).
	eventsHeartbeat time.Duration
}

// New builds the gateway and its routes.
func New(cfg Config, d Deps) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NATS == nil || d.Logger == nil || d.Health == nil || d.Registry == nil {
		return nil, errors.New("gateway: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.JS == nil {
		js, err := jetstream.New(d.NATS)
		if err != nil {
			return nil, err
		}
		d.JS = js
	}
	keys, _ := ParseAPIKeys(cfg.APIKeys) // validated above
	client, err := rpc.NewClient(d.NATS)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := accounts.Open(ctx, d.JS, d.Replicas, cfg.SessionAbsolute)
	if err != nil {
		return nil, err
	}
	pub, err := bus.NewPublisher(d.JS)
	if err != nil {
		return nil, err
	}
	single, err := newSSO(cfg.OIDC)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, rpc: client, keys: keys, store: store, js: d.JS, pub: pub, sso: single, now: d.Now,
		log: d.Logger.With("service", "gateway"), closing: make(chan struct{})}
	e, err := httpx.New(httpx.Options{Logger: s.log, Health: d.Health, BodyLimit: cfg.BodyLimit})
	if err != nil {
		return nil, err
	}
	// The guard runs after routing on every route, whichever file adds it.
	s.echo = e
	e.Use(s.guard)
	// The API's index is /api/v1 (and / for a client asking for JSON);
	// a browser at / goes to the workspace.
	index := func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{
			"name": "Ruche", "version": d.Version, "ui": "/inbox",
			"api": "/api/v1", "docs": "/docs", "openapi": "/openapi.yaml", "health": "/healthz", "ready": "/readyz",
		})
	}
	e.GET("/", func(c echo.Context) error {
		if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMETextHTML) {
			return c.Redirect(http.StatusSeeOther, "/inbox")
		}
		return index(c)
	})
	e.GET("/api/v1", index)
	s.uiRoutes(e)
	if err := s.docsRoutes(e); err != nil {
		return nil, err
	}
	e.GET("/l/:code", s.openLink)
	api := e.Group("/api/v1", singleParams)
	api.GET("/interactions", s.listInteractions)
	api.GET("/interactions/:id", s.getInteraction)
	api.GET("/kpis", s.kpis)
	api.GET("/kpis/posts", s.postPerformance)
	api.GET("/links/settings", s.linkSettings)
	api.PUT("/links/settings", s.putLinkSettings)
	api.GET("/segments/:segment", s.segment)
	api.GET("/best-times", s.bestTimes)
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
	s.signInRoutes(api)
	s.oidcRoutes(api)
	s.keyRoutes(api)
	s.peopleRoutes(api)
	api.GET("/audit", s.listAudit)
	api.GET("/audit/search", s.searchAudit)
	api.GET("/kpis/drafts", s.draftMetrics)
	api.GET("/interactions/:id/history", s.interactionHistory)
	s.draftRoutes(api)
	s.planningRoutes(e, api)
	s.postRoutes(api)
	s.privacyRoutes(api)
	s.webhookRoutes(api)
	s.viewRoutes(api)
	s.echo = e
	return s, nil
}

// Handler exposes the HTTP handler, for tests.
func (s *Service) Handler() *echo.Echo { return s.echo }

// Run serves the API until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	s.log.Info("gateway listening", "addr", s.cfg.Addr)
	go func() {
		<-ctx.Done()
		close(s.closing)
	}()
	return httpx.Serve(ctx, s.echo, s.cfg.Addr)
}

// member reports whether id names a member of brand: a user with a role on
// it, or a configured key scoped to it.
func (s *Service) member(ctx context.Context, brand, id string) (bool, error) {
	if s.keys.Member(brand, id) {
		return true, nil
	}
	return s.store.IsMember(ctx, brand, id)
}
