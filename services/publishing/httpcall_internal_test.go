package publishing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestServerErrorRetryTime: a 5xx says when to come back only when its
// headers do; otherwise it is left to the backoff (no RetryAt), unlike a
// 429, which is never retried before a minute.
func TestServerErrorRetryTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		want       time.Time
	}{
		{"503_without_headers_backs_off", http.StatusServiceUnavailable, "", time.Time{}},
		{"503_with_retry_after", http.StatusServiceUnavailable, "30", now.Add(30 * time.Second)},
		{"429_without_headers_waits_a_minute", http.StatusTooManyRequests, "", now.Add(time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			_, err := call(context.Background(), srv.Client(), req, now, func([]byte) (string, string) { return "", "" })
			var ne *NetworkError
			if !errors.As(err, &ne) {
				t.Fatalf("error %v, want a NetworkError", err)
			}
			if !ne.RetryAt.Equal(tc.want) {
				t.Fatalf("RetryAt = %v, want %v", ne.RetryAt, tc.want)
			}
		})
	}
}
