package connector

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ErrUnauthorized means the credentials were refused (revoked token): the
// source is marked unhealthy and not polled again until it is updated.
var ErrUnauthorized = errors.New("credentials refused")

// RefusedError is ErrUnauthorized with what the source's owner must change
// (a new app password, another service URL), said in their words: the
// source stops until it is updated, and its health shows Fix as it is.
type RefusedError struct {
	Fix string
}

func (e *RefusedError) Error() string { return e.Fix }

// Is makes a RefusedError an ErrUnauthorized.
func (e *RefusedError) Is(target error) bool { return target == ErrUnauthorized }

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
		return &RateLimitedError{Wait: RetryWait(resp.Header, now)}
	}
	return fmt.Errorf("network answered HTTP %d", resp.StatusCode)
}

// RetryWait reads how long to wait from Retry-After (seconds or HTTP date),
// X-Rate-Limit-Reset / X-RateLimit-Reset / RateLimit-Reset (unix seconds or
// an RFC 3339 time, as Mastodon sends); one minute when none is usable.
func RetryWait(h http.Header, now time.Time) time.Duration {
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
