package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ruche-project/ruche/pkg/obs"
)

// Check is one readiness check (NATS, ClickHouse...).
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Health is the readiness of a process, shared by all its HTTP servers. It
// flips to not ready first on shutdown, so load balancers stop sending
// traffic before anything stops.
type Health struct {
	mu     sync.RWMutex
	checks []Check
	ready  atomic.Bool
}

// NewHealth returns a Health that is not ready until SetReady(true).
func NewHealth() *Health { return &Health{} }

// AddCheck adds a readiness check.
func (h *Health) AddCheck(c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, c)
}

// SetReady flips readiness.
func (h *Health) SetReady(ready bool) { h.ready.Store(ready) }

// Ready runs every check (each with a 2s timeout) and returns the failures.
func (h *Health) Ready(ctx context.Context) map[string]string {
	failed := map[string]string{}
	if !h.ready.Load() {
		failed["process"] = "starting or shutting down"
	}
	h.mu.RLock()
	checks := append([]Check(nil), h.checks...)
	h.mu.RUnlock()
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := c.Fn(cctx); err != nil {
			failed[c.Name] = err.Error()
		}
		cancel()
	}
	return failed
}

// Options configure New.
type Options struct {
	Logger *slog.Logger
	Health *Health
	// Gatherer serves /metrics; nil serves no /metrics (public listeners:
	// metrics belong on the ops address only).
	Gatherer prometheus.Gatherer
	// BodyLimit of requests, e.g. "1M".
	BodyLimit string
}

// New returns an Echo with Ruche's middleware, error handler and ops routes.
func New(o Options) (*echo.Echo, error) {
	if o.Logger == nil || o.Health == nil {
		return nil, errors.New("httpx: nil logger or health")
	}
	if o.BodyLimit == "" {
		o.BodyLimit = "1M"
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(o.Logger)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		RequestIDHandler: func(c echo.Context, id string) {
			ctx := obs.WithCorrelationID(c.Request().Context(), id)
			c.SetRequest(c.Request().WithContext(ctx))
		},
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Logger.ErrorContext(c.Request().Context(), "panic in handler", "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.BodyLimit(o.BodyLimit))
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		if failed := o.Health.Ready(c.Request().Context()); len(failed) > 0 {
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "not ready", "failed": failed})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	if o.Gatherer != nil {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})))
	}
	return e, nil
}

// Serve serves e on addr until ctx is cancelled, then shuts down gracefully,
// letting in-flight requests finish for up to 10 seconds.
func Serve(ctx context.Context, e *echo.Echo, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, e, l)
}

// ServeListener is Serve on an open listener.
func ServeListener(ctx context.Context, e *echo.Echo, l net.Listener) error {
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown %s: %w", l.Addr(), err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
