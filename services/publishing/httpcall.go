package publishing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// endpoint is what every HTTP connector holds: its client and its clock
// (the time a rate-limit delay counts from).
type endpoint struct {
	client *http.Client
	now    func() time.Time
}

func newEndpoint(client *http.Client) endpoint { return endpoint{client: client, now: time.Now} }

// call is call with the connector's client and clock.
func (e endpoint) call(ctx context.Context, req *http.Request, parseErr func([]byte) (code, reason string)) ([]byte, error) {
	return call(ctx, e.client, req, e.now(), parseErr)
}

// goneAfterRetry is true for a delete retried after an attempt whose answer
// was lost, when the network says the item is gone: that attempt deleted it.
func goneAfterRetry(a Action, err error, gone func(*NetworkError) bool) bool {
	var ne *NetworkError
	return a.Kind == publishv1.KindDelete && a.Attempt > 1 && errors.As(err, &ne) && gone(ne)
}

// maxResponse bounds what is read of a network's answer.
const maxResponse = 1 << 20

// callWithHeaders is call, with the answer's headers (a created item's id
// may come back in one: LinkedIn's x-restli-id).
func (e endpoint) callWithHeaders(ctx context.Context, req *http.Request, parseErr func([]byte) (code, reason string)) (http.Header, []byte, error) {
	return exchange(ctx, e.client, req, e.now(), parseErr)
}

// call sends one request and classifies the answer: 2xx returns the body;
// 429 and 5xx are retryable NetworkErrors (429 with the time the rate
// limit resets); other statuses are permanent, with the reason parseErr
// reads from the network's error body.
func call(ctx context.Context, client *http.Client, req *http.Request, now time.Time, parseErr func([]byte) (code, reason string)) ([]byte, error) {
	_, body, err := exchange(ctx, client, req, now, parseErr)
	return body, err
}

// exchange is call, with the answer's headers.
func exchange(ctx context.Context, client *http.Client, req *http.Request, now time.Time, parseErr func([]byte) (code, reason string)) (http.Header, []byte, error) {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, asNetworkError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return resp.Header, nil, asNetworkError(err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.Header, body, nil
	}
	code, reason := parseErr(body)
	if code == "" {
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(resp.StatusCode)), " ", "_")
	}
	if reason == "" {
		reason = http.StatusText(resp.StatusCode)
	}
	ne := &NetworkError{Status: resp.StatusCode, Code: code, Reason: reason}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		ne.RetryAt = RetryAt(resp.Header, now)
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout:
		if at := announcedRetry(resp.Header, now); at.After(now) {
			ne.RetryAt = at // a 503 may say when to come back; else the backoff
		}
	default:
		ne.Permanent = true
	}
	return resp.Header, nil, ne
}

// RetryAt is the earliest time a rate-limited account may be asked again:
// the latest of Retry-After (seconds or an HTTP date) and the rate-limit
// reset headers (x-ratelimit-reset, x-rate-limit-reset, ratelimit-reset) in
// Unix seconds (X, Bluesky, the sandbox) or ISO 8601 (Mastodon). Without
// any of them it is a minute from now: a 429 is never retried at once.
func RetryAt(h http.Header, now time.Time) time.Time {
	if at := announcedRetry(h, now); !at.IsZero() {
		return at
	}
	return now.Add(time.Minute)
}

// announcedRetry is the latest time the headers name (see RetryAt), zero
// when they name none.
func announcedRetry(h http.Header, now time.Time) time.Time {
	var at time.Time
	later := func(t time.Time) {
		if t.After(at) {
			at = t
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			later(now.Add(time.Duration(s) * time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			later(t)
		}
	}
	for _, name := range []string{"X-RateLimit-Reset", "X-Rate-Limit-Reset", "RateLimit-Reset"} {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			if name == "RateLimit-Reset" && s < 1e9 {
				later(now.Add(time.Duration(s) * time.Second)) // delta seconds (IETF draft)
			} else {
				later(time.Unix(s, 0))
			}
		} else if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			later(t)
		}
	}
	return at
}

// jsonRequest builds a request with a JSON body (nil for none).
func jsonRequest(method, url string, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// decodeBody decodes a network's success body into v; a body that does not
// decode is a retryable error (the action may have happened: reconcile).
func decodeBody(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &NetworkError{Code: "bad_response", Reason: "undecodable answer: " + err.Error()}
	}
	return nil
}
