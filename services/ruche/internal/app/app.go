package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Mode says how the process was started.
type Mode int

// Modes.
const (
	// ModeUp is `ruche up`: everything in one process, development defaults.
	ModeUp Mode = iota
	// ModeRun is `ruche run`: a subset of services against a real cluster.
	ModeRun
	// ModeTask is a one-off command (migrate).
	ModeTask
)

func (m Mode) String() string {
	switch m {
	case ModeUp:
		return "up"
	case ModeRun:
		return "run"
	}
	return "task"
}

// App is the composition root: it builds the targets in dependency order,
// runs their loops, and stops them in order on shutdown.
type App struct {
	cfg  Config
	mode Mode
	// targets are the ones asked for (their dependencies come with them).
	targets  []string
	version  string
	log      *slog.Logger
	registry *prometheus.Registry
	health   *httpx.Health

	conn    *bus.Conn
	ch      *clickhouse.DB
	box     *secret.Box
	sources *ingest.Sources
	router  *bus.Router
	// pollers are extra polled networks for ingest (the sandbox).
	pollers []connector.Poller
	// sandboxURL is the sandbox network's base URL when `ruche up` serves it.
	sandboxURL string

	runners []namedRunner
	closers []func()
}

// readier is a runner that tells when it is ready to serve.
type readier interface {
	Ready() <-chan struct{}
}

type namedRunner struct {
	name string
	runner
}

// New builds every target of targets (and their dependencies). On error,
// what was built is closed.
func New(ctx context.Context, cfg Config, mode Mode, version string, log *slog.Logger, targets []string) (*App, error) {
	a := &App{cfg: cfg, mode: mode, targets: targets, version: version, log: log, registry: prometheus.NewRegistry(), health: httpx.NewHealth()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	names, err := order(targets)
	if err != nil {
		return nil, err
	}
	mods := modules()
	for _, name := range names {
		m := mods[name]
		if m.init == nil {
			continue
		}
		r, err := m.init(a)
		if err != nil {
			a.close()
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		if r != nil {
			a.runners = append(a.runners, namedRunner{name, r})
		}
	}
	return a, nil
}

// Run runs every loop until ctx is cancelled or one fails. Shutdown is in
// order: readiness flips first (load balancers stop sending), then after
// ops.shutdown_delay the loops stop (HTTP servers finish in-flight
// requests, handlers finish or leave their message unacked for
// redelivery, the sink flushes), then connections close.
func (a *App) Run(ctx context.Context) error {
	defer a.close()
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLoops()
	g, gctx := errgroup.WithContext(loopCtx)
	for _, r := range a.runners {
		g.Go(func() error {
			if err := r.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			return nil
		})
	}
	// Ready once every loop that says when it is ready is (the analytics
	// query endpoint registered, the router's consumers subscribed...).
	for _, r := range a.runners {
		if rr, ok := r.runner.(readier); ok {
			select {
			case <-rr.Ready():
			case <-gctx.Done():
			}
		}
	}
	a.health.SetReady(true)
	a.log.Info("ruche is running", "version", a.version, "targets", a.names())
	select {
	case <-ctx.Done():
		a.log.Info("shutting down: readiness off", "delay", a.cfg.Ops.ShutdownDelay)
		a.health.SetReady(false)
		time.Sleep(a.cfg.Ops.ShutdownDelay)
	case <-gctx.Done():
		a.health.SetReady(false)
	}
	stopLoops()
	err := g.Wait()
	a.log.Info("stopped")
	return err
}

func (a *App) names() []string {
	out := make([]string, len(a.runners))
	for i, r := range a.runners {
		out[i] = r.name
	}
	return out
}

func (a *App) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

func (a *App) onClose(f func()) { a.closers = append(a.closers, f) }
