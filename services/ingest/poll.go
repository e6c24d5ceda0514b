package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// Poller is the listening side of a network that Ruche polls (Mastodon,
// Bluesky, YouTube, RSS...). Implementations follow the network's documented
// API and report its errors with the types below so the loop can react.
type Poller interface {
	// Name is the network name of the sources it polls.
	Name() string
	// RequiredSecrets names the source secrets the API needs.
	RequiredSecrets() []string
	// Poll returns one page of items after cursor ("" on the first poll:
	// start from the most recent page) and the cursor to store once they are
	// published. More means another page is ready now.
	Poll(ctx context.Context, src Source, cursor string) (Page, error)
}

// Page is one poll's result.
type Page struct {
	Items   []v1.Received
	Skipped []Skipped
	Cursor  string
	More    bool
}

// ErrUnauthorized means the credentials were refused (revoked token): the
// source is marked unhealthy and not polled again until it is updated.
var ErrUnauthorized = errors.New("credentials refused")

// RateLimitedError means the network asked to wait (HTTP 429).
type RateLimitedError struct {
	Wait time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited by the network: retry in %s", e.Wait.Round(time.Second))
}

// StatusError classifies an HTTP answer of a network API: 401/403 become
// ErrUnauthorized, 429 a *RateLimitedError (honouring Retry-After and the
// x-rate-limit-reset family of headers), other non-2xx a plain error.
func StatusError(resp *http.Response, now time.Time) error {
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: HTTP %d", ErrUnauthorized, resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests:
		return &RateLimitedError{Wait: retryWait(resp.Header, now)}
	}
	return fmt.Errorf("network answered HTTP %d", resp.StatusCode)
}

// retryWait reads how long to wait from Retry-After (seconds or HTTP date),
// X-Rate-Limit-Reset / X-RateLimit-Reset / RateLimit-Reset (unix seconds or
// an RFC 3339 time, as Mastodon sends); one minute when none is usable.
func retryWait(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	for _, k := range []string{"X-Rate-Limit-Reset", "X-RateLimit-Reset", "RateLimit-Reset"} {
		v := h.Get(k)
		if v == "" {
			continue
		}
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			if s > 1e9 { // a unix time
				return max(time.Unix(s, 0).Sub(now), 0)
			}
			return time.Duration(s) * time.Second // delta seconds (RateLimit-Reset)
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	return time.Minute
}

// Backfiller is a Poller that can also re-read history: pages going back in
// time from cursor ("" = the newest) down to since. More is false once
// since is reached. Dedup makes a second backfill of the same range harmless.
type Backfiller interface {
	Poller
	Backfill(ctx context.Context, src Source, since time.Time, cursor string) (Page, error)
}
