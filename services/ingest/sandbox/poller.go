package sandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/bus"
)

// PollerConfig configures the reading of one sandbox account.
type PollerConfig struct {
	// BaseURL of the sandbox API, e.g. http://127.0.0.1:8082.
	BaseURL string
	// Account to read, and Brand its interactions belong to.
	Account, Brand string
	// SourceID names the source (cursor key, metrics, interactions);
	// "sandbox" by default.
	SourceID string
	// Token is sent as a bearer token when set.
	Token string
	// Interval between polls once caught up (1s by default).
	Interval time.Duration
	// PageSize of one request (100 by default).
	PageSize int
	// RequestTimeout bounds one request (10s by default).
	RequestTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait after an error (1s, 1m); it
	// doubles with each consecutive failure.
	MinBackoff, MaxBackoff time.Duration
	// AuthRetry is the wait after a 401 or 403 (5m by default): a revoked
	// token does not mend itself, so it is not hammered.
	AuthRetry time.Duration
}

func (c *PollerConfig) setDefaults() {
	c.SourceID = cmp.Or(c.SourceID, NetworkName)
	c.Interval = cmp.Or(c.Interval, time.Second)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, 10*time.Second)
	c.MinBackoff = cmp.Or(c.MinBackoff, time.Second)
	c.MaxBackoff = cmp.Or(c.MaxBackoff, time.Minute)
	c.AuthRetry = cmp.Or(c.AuthRetry, 5*time.Minute)
	if c.PageSize <= 0 {
		c.PageSize = maxPageSize
	}
}

// Validate checks the settings (after defaults).
func (c *PollerConfig) Validate() error {
	if _, err := url.ParseRequestURI(c.BaseURL); err != nil || !strings.HasPrefix(c.BaseURL, "http") {
		return fmt.Errorf("sandbox poller: base URL %q is not an http(s) URL", c.BaseURL)
	}
	if err := events.ValidateBrand(c.Brand); err != nil {
		return fmt.Errorf("sandbox poller: %w", err)
	}
	if c.Account == "" {
		return errors.New("sandbox poller: account is required")
	}
	if c.PageSize > maxPageSize {
		return fmt.Errorf("sandbox poller: page size must be at most %d", maxPageSize)
	}
	if c.MaxBackoff < c.MinBackoff {
		return errors.New("sandbox poller: max backoff is below min backoff")
	}
	return nil
}

// EventPublisher publishes events; *bus.Publisher is one.
type EventPublisher interface {
	PublishEvent(ctx context.Context, e events.Event, env events.Envelope) (bus.Published, error)
}

// PollerDeps are what the poller needs.
type PollerDeps struct {
	Publisher EventPublisher
	Cursors   *Cursors
	Logger    *slog.Logger
	// Registerer receives the poller's metrics (none when nil).
	Registerer prometheus.Registerer
	// Client makes the requests (a default client when nil).
	Client *http.Client
}

// Poller reads the activity of a sandbox account the way a connector reads
// a platform: pages after a cursor kept in NATS KV, each item normalised
// into interaction.received.v1 and published; backoff on errors, 429
// honoured, a revoked token not retried in a loop.
type Poller struct {
	cfg     PollerConfig
	pub     EventPublisher
	cursors *Cursors
	log     *slog.Logger
	client  *http.Client
	metrics *pollerMetrics
	now     func() time.Time

	mu     sync.Mutex
	health Health
}

// Health is the state of the source, for APIs and tests.
type Health struct {
	Source  string `json:"source"`
	Healthy bool   `json:"healthy"`
	// State is ok, starting, unauthorized, rate_limited or failing.
	State       string        `json:"state"`
	Cursor      string        `json:"cursor"`
	LastSuccess time.Time     `json:"last_success"`
	LastError   string        `json:"last_error,omitempty"`
	LastErrorAt time.Time     `json:"last_error_at"`
	Lag         time.Duration `json:"lag"`
	Published   uint64        `json:"published"`
	Duplicates  uint64        `json:"duplicates"`
	Malformed   uint64        `json:"malformed"`
	Requests    uint64        `json:"requests"`
}

// NewPoller builds a poller; it refuses missing dependencies.
func NewPoller(cfg PollerConfig, d PollerDeps) (*Poller, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Publisher == nil || d.Cursors == nil || d.Logger == nil {
		return nil, errors.New("sandbox poller: missing dependency")
	}
	client := d.Client
	if client == nil {
		client = &http.Client{}
	}
	p := &Poller{
		cfg: cfg, pub: d.Publisher, cursors: d.Cursors, client: client, now: time.Now,
		log:     d.Logger.With("component", "sandbox-poller", "source", cfg.SourceID, "brand", cfg.Brand),
		metrics: newPollerMetrics(d.Registerer),
		health:  Health{Source: cfg.SourceID, State: "starting"},
	}
	return p, nil
}

// Health returns the state of the source.
func (p *Poller) Health() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.health
}

// Run polls until ctx is done. A restart resumes from the stored cursor;
// items read twice (a crash between publish and cursor write) collapse on
// their deterministic event id.
func (p *Poller) Run(ctx context.Context) error {
	cursor, err := p.loadCursor(ctx)
	if err != nil {
		return nil // ctx done
	}
	p.log.Info("sandbox poller started", "url", p.cfg.BaseURL, "account", p.cfg.Account, "cursor", cursor)
	failures := 0
	for {
		page, err := p.fetch(ctx, cursor)
		if err == nil {
			err = p.ingest(ctx, page)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			if !sleep(ctx, p.onError(err, failures)) {
				return nil
			}
			continue
		}
		failures = 0
		if page.NextSinceID != "" && page.NextSinceID != cursor {
			cursor = page.NextSinceID
			if err := p.cursors.Put(ctx, p.cfg.SourceID, cursor); err != nil && ctx.Err() == nil {
				// The cursor in memory is right; at worst a restart re-reads
				// a page, which dedup absorbs.
				p.metrics.errors.WithLabelValues(p.cfg.SourceID, "cursor").Inc()
				p.log.Warn("cursor not stored", "error", err)
			}
		}
		p.onSuccess(cursor)
		if !page.HasMore && !sleep(ctx, p.cfg.Interval) {
			return nil
		}
	}
}

func (p *Poller) loadCursor(ctx context.Context) (string, error) {
	for failures := 1; ; failures++ {
		cursor, err := p.cursors.Get(ctx, p.cfg.SourceID)
		if err == nil {
			return cursor, nil
		}
		p.metrics.errors.WithLabelValues(p.cfg.SourceID, "cursor").Inc()
		p.log.Warn("cursor not readable, retrying", "error", err)
		if !sleep(ctx, p.backoff(failures)) {
			return "", ctx.Err()
		}
	}
}

// pollError is a failed request, classified.
type pollError struct {
	reason string // metrics label
	status int
	wait   time.Duration // server-imposed wait (429)
	err    error
}

func (e *pollError) Error() string { return e.err.Error() }
func (e *pollError) Unwrap() error { return e.err }

func (p *Poller) fetch(ctx context.Context, cursor string) (Page, error) {
	q := url.Values{"limit": {strconv.Itoa(p.cfg.PageSize)}}
	if cursor != "" {
		q.Set("since_id", cursor)
	}
	u := fmt.Sprintf("%s/api/v1/accounts/%s/activity?%s", strings.TrimRight(p.cfg.BaseURL, "/"), url.PathEscape(p.cfg.Account), q.Encode())
	rctx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return Page{}, &pollError{reason: "network", err: err}
	}
	req.Header.Set("Accept", "application/json")
	if p.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	}
	p.mu.Lock()
	p.health.Requests++
	p.mu.Unlock()
	resp, err := p.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return Page{}, &pollError{reason: "timeout", err: fmt.Errorf("poll sandbox: %w", err)}
		}
		return Page{}, &pollError{reason: "network", err: fmt.Errorf("poll sandbox: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return Page{}, &pollError{reason: "network", err: fmt.Errorf("read sandbox page: %w", err)}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return Page{}, &pollError{reason: "unauthorized", status: s, err: fmt.Errorf("poll sandbox: %d %s", s, snippet(body))}
	case s == http.StatusTooManyRequests:
		return Page{}, &pollError{reason: "rate_limited", status: s, wait: retryAfter(resp.Header, p.now()), err: fmt.Errorf("poll sandbox: rate limited")}
	case s >= 500:
		return Page{}, &pollError{reason: "server_error", status: s, err: fmt.Errorf("poll sandbox: %d %s", s, snippet(body))}
	default:
		return Page{}, &pollError{reason: "client_error", status: s, err: fmt.Errorf("poll sandbox: %d %s", s, snippet(body))}
	}
	var page Page
	if err := json.Unmarshal(body, &page); err != nil {
		return Page{}, &pollError{reason: "decode", err: fmt.Errorf("decode sandbox page: %w", err)}
	}
	return page, nil
}

// ingest publishes every readable item of the page; a malformed one is
// reported and skipped. A publish failure stops the page: the cursor does
// not move, and the page is read again after a backoff.
func (p *Poller) ingest(ctx context.Context, page Page) error {
	for _, raw := range page.Items {
		r, err := Normalize(raw, p.cfg.Brand, p.cfg.SourceID, p.now())
		if err != nil {
			p.metrics.items.WithLabelValues(p.cfg.SourceID, "malformed").Inc()
			p.mu.Lock()
			p.health.Malformed++
			p.mu.Unlock()
			// The item itself is not logged: it may hold personal data.
			p.log.Warn("malformed sandbox item skipped", "error", err, "bytes", len(raw))
			continue
		}
		env, err := events.NewEnvelope(r, r.ID, r.Brand, r.ReceivedAt)
		if err != nil {
			return &pollError{reason: "publish", err: err}
		}
		res, err := p.pub.PublishEvent(ctx, r, env)
		if err != nil {
			return &pollError{reason: "publish", err: fmt.Errorf("publish %s: %w", r.ID, err)}
		}
		outcome := "published"
		p.mu.Lock()
		if res.Duplicate {
			outcome = "duplicate"
			p.health.Duplicates++
		} else {
			p.health.Published++
		}
		p.health.Lag = r.ReceivedAt.Sub(r.CreatedAt)
		p.mu.Unlock()
		p.metrics.items.WithLabelValues(p.cfg.SourceID, outcome).Inc()
		p.metrics.lag.WithLabelValues(p.cfg.SourceID).Set(r.ReceivedAt.Sub(r.CreatedAt).Seconds())
	}
	return nil
}

// onError records a failure and returns how long to wait before retrying.
func (p *Poller) onError(err error, failures int) time.Duration {
	pe := &pollError{reason: "network", err: err}
	errors.As(err, &pe)
	wait, state := p.backoff(failures), "failing"
	switch pe.reason {
	case "unauthorized", "client_error":
		wait, state = p.cfg.AuthRetry, "unauthorized"
		if pe.reason == "client_error" {
			state = "failing"
		}
	case "rate_limited":
		state = "rate_limited"
		if pe.wait > 0 {
			wait = min(pe.wait, 15*time.Minute)
		}
	}
	p.metrics.errors.WithLabelValues(p.cfg.SourceID, pe.reason).Inc()
	p.metrics.up.WithLabelValues(p.cfg.SourceID).Set(0)
	p.mu.Lock()
	p.health.Healthy, p.health.State = false, state
	p.health.LastError, p.health.LastErrorAt = err.Error(), p.now().UTC()
	p.mu.Unlock()
	lvl := slog.LevelWarn
	if state == "unauthorized" {
		lvl = slog.LevelError
	}
	p.log.Log(context.Background(), lvl, "sandbox poll failed", "reason", pe.reason, "status", pe.status, "retry_in", wait, "error", err)
	return wait
}

func (p *Poller) onSuccess(cursor string) {
	now := p.now().UTC()
	p.metrics.up.WithLabelValues(p.cfg.SourceID).Set(1)
	p.metrics.last.WithLabelValues(p.cfg.SourceID).Set(float64(now.Unix()))
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.health.Healthy && p.health.State != "starting" {
		p.log.Info("sandbox source healthy again")
	}
	p.health.Healthy, p.health.State, p.health.LastSuccess, p.health.Cursor = true, "ok", now, cursor
}

// backoff is exponential from MinBackoff to MaxBackoff, with jitter so that
// many sources do not retry in step.
func (p *Poller) backoff(failures int) time.Duration {
	d := p.cfg.MinBackoff
	for i := 1; i < failures && d < p.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a 429's wait: Retry-After in seconds or as an HTTP date,
// else X-RateLimit-Reset (Unix seconds); zero when neither is usable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if s := strings.TrimSpace(h.Get("Retry-After")); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(s); err == nil {
			return max(0, t.Sub(now))
		}
	}
	if s := strings.TrimSpace(h.Get("X-RateLimit-Reset")); s != "" {
		if unix, err := strconv.ParseInt(s, 10, 64); err == nil {
			return max(0, time.Unix(unix, 0).Sub(now))
		}
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// snippet shortens an error body for a log line.
func snippet(b []byte) string {
	r := []rune(strings.TrimSpace(string(b)))
	if len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return string(r)
}
