package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/analytics"
	"github.com/ruche-project/ruche/services/drafting"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/moderation"
)

func (a *App) initBus() (runner, error) {
	conn, err := bus.Connect(context.Background(), a.cfg.NATS, a.log)
	if err != nil {
		return nil, err
	}
	a.conn = conn
	a.onClose(conn.Close)
	a.health.AddCheck(httpx.Check{Name: "nats", Fn: conn.Ping})
	return nil, nil
}

func (a *App) initClickHouse() (runner, error) {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ClickHouse.DialTimeout+5e9)
	defer cancel()
	db, err := clickhouse.Open(ctx, a.cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	a.ch = db
	a.onClose(func() { _ = db.Close() })
	a.health.AddCheck(httpx.Check{Name: "clickhouse", Fn: db.Ping})
	return nil, nil
}

// initMigrate applies the ClickHouse migrations: `ruche migrate` and
// `ruche up` do; in Kubernetes a Job runs `ruche migrate` before rollouts.
func (a *App) initMigrate() (runner, error) {
	return nil, analytics.Migrate(context.Background(), a.ch)
}

func (a *App) initSecrets() (runner, error) {
	key := a.cfg.Secret.Key
	if key == "" && a.mode == ModeUp {
		var err error
		if key, err = devSecret(a.cfg.Demo.Dir, "secret.key", 32); err != nil {
			return nil, err
		}
	}
	if key == "" {
		return nil, errors.New("secret.key (RUCHE_SECRET_KEY) is required: a base64 32-byte key, e.g. `openssl rand -base64 32`")
	}
	raw, err := secret.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("secret.key: %w", err)
	}
	a.box, err = secret.NewBox(raw)
	return nil, err
}

func (a *App) initSources() (runner, error) {
	var err error
	a.sources, err = ingest.OpenSources(context.Background(), a.conn.JS, a.conn.Replicas(), a.box)
	return nil, err
}

func (a *App) initRouter() (runner, error) {
	r, err := bus.NewRouter(a.conn, a.log, a.registry)
	if err != nil {
		return nil, err
	}
	a.router = r
	return routerRunner{r}, nil
}

// routerRunner tells readiness once every handler is subscribed.
type routerRunner struct{ *bus.Router }

func (r routerRunner) Ready() <-chan struct{} { return r.Running() }

func (a *App) initOps() (runner, error) {
	e, err := httpx.New(httpx.Options{Logger: a.log, Health: a.health, Gatherer: a.registry})
	if err != nil {
		return nil, err
	}
	e.GET("/status", a.statusHandler)
	return runFunc(func(ctx context.Context) error { return httpx.Serve(ctx, e, a.cfg.Ops.Addr) }), nil
}

func (a *App) initGateway() (runner, error) {
	gw, err := gateway.New(a.cfg.Gateway, gateway.Deps{NATS: a.conn.NC, JS: a.conn.JS, Replicas: a.conn.Replicas(),
		Logger: a.log, Health: a.health, Registry: a.registry, Version: a.version})
	a.gateway = gw
	return gw, err
}

func (a *App) initIngest() (runner, error) {
	pub, err := bus.NewPublisher(a.conn.JS)
	if err != nil {
		return nil, err
	}
	if a.mode == ModeUp {
		// Local sources (the sandbox, a dev Mastodon) live on loopback.
		a.cfg.Ingest.AllowInternalFetches = true
	}
	health, err := ingest.OpenHealth(context.Background(), a.conn.JS, a.conn.Replicas(), a.cfg.Ingest.ReplicaName(), a.log)
	if err != nil {
		return nil, err
	}
	return ingest.New(a.cfg.Ingest, ingest.Deps{
		NATS: a.conn.NC, JS: a.conn.JS, Replicas: a.conn.Replicas(), Pollers: a.pollers, Publisher: pub, Router: a.router, Sources: a.sources, Health: health,
		Logger: a.log, Readiness: a.health, Registry: a.registry,
	})
}

func (a *App) initModeration() (runner, error) {
	// Crisis webhooks may reach loopback only on a local `ruche up`.
	hooks := netguard.Client(10*time.Second, a.mode == ModeUp)
	return moderation.New(a.cfg.Moderation, moderation.Deps{Router: a.router, Logger: a.log, NATS: a.conn.NC, JS: a.conn.JS,
		Replicas: a.conn.Replicas(), Registerer: a.registry, WebhookClient: hooks, Secrets: a.box})
}

func (a *App) initDrafting() (runner, error) {
	if a.mode == ModeUp {
		// A local model (Ollama, vLLM) lives on loopback.
		a.cfg.Drafting.AllowInternalModels = true
	}
	svc, err := drafting.New(a.cfg.Drafting, a.cfg.LLM, drafting.Deps{Router: a.router, Logger: a.log, NATS: a.conn.NC, JS: a.conn.JS, Replicas: a.conn.Replicas(), Secrets: a.box})
	if err != nil || !a.cfg.Demo.Enabled || a.mode != ModeUp {
		return svc, err
	}
	// The demo brand answers the sandbox's questions with citations.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return svc, svc.SeedDemo(ctx, a.cfg.Demo.Brand)
}

func (a *App) initAnalytics() (runner, error) {
	return analytics.New(a.cfg.Analytics, analytics.Deps{Router: a.router, NATS: a.conn.NC, JS: a.conn.JS, ClickHouse: a.ch, Logger: a.log, Registerer: a.registry, Replicas: a.conn.Replicas()})
}

type runFunc func(ctx context.Context) error

func (f runFunc) Run(ctx context.Context) error { return f(ctx) }
