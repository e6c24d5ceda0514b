package httpx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func newServer(t *testing.T, h *httpx.Health) *echo.Echo {
	t.Helper()
	e, err := httpx.New(httpx.Options{Logger: testkit.Logger(t), Health: h, Gatherer: prometheus.NewRegistry(), BodyLimit: "1K"})
	if err != nil {
		t.Fatal(err)
	}
	e.POST("/echo", func(c echo.Context) error {
		var body map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return httpx.BadRequest("body", "not JSON: %v", err)
		}
		return c.String(http.StatusOK, obs.CorrelationID(c.Request().Context()))
	})
	e.GET("/boom", func(c echo.Context) error { return errors.New("secret detail") })
	e.GET("/panic", func(c echo.Context) error { panic("oops") })
	return e
}

func do(e *echo.Echo, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestPublicServerHasNoMetrics(t *testing.T) {
	e, err := httpx.New(httpx.Options{Logger: testkit.Logger(t), Health: httpx.NewHealth()})
	if err != nil {
		t.Fatal(err)
	}
	if rec := do(e, http.MethodGet, "/metrics", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("/metrics on a public listener = %d, want 404", rec.Code)
	}
}

func TestServer(t *testing.T) {
	h := httpx.NewHealth()
	e := newServer(t, h)
	cases := []struct {
		name       string
		method     string
		path, body string
		hdr        []string
		status     int
		contains   string
	}{
		{"bad_json_names_the_field", http.MethodPost, "/echo", "{", nil, 400, `"field":"body"`},
		{"request_id_becomes_correlation_id", http.MethodPost, "/echo", "{}", []string{"X-Request-Id", "req-9"}, 200, "req-9"},
		{"body_limit_is_a_json_413", http.MethodPost, "/echo", `{"a":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, `"code":"too_large"`},
		{"unknown_error_hides_detail", http.MethodGet, "/boom", "", nil, 500, `"message":"internal error"`},
		{"panic_is_recovered", http.MethodGet, "/panic", "", nil, 500, `"code":"internal"`},
		{"unknown_route_is_json_404", http.MethodGet, "/nope", "", nil, 404, `"code":"not_found"`},
		{"healthz", http.MethodGet, "/healthz", "", nil, 200, "ok"},
		{"readyz_before_ready", http.MethodGet, "/readyz", "", nil, 503, "starting"},
		{"metrics", http.MethodGet, "/metrics", "", nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(e, tc.method, tc.path, tc.body, tc.hdr...)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "secret detail") {
				t.Fatal("internal error detail leaked")
			}
		})
	}
	t.Run("readyz_reports_failing_checks", func(t *testing.T) {
		h.SetReady(true)
		if rec := do(e, http.MethodGet, "/readyz", ""); rec.Code != 200 {
			t.Fatalf("ready: %d %s", rec.Code, rec.Body)
		}
		h.AddCheck(httpx.Check{Name: "clickhouse", Fn: func(context.Context) error { return errors.New("connection refused") }})
		rec := do(e, http.MethodGet, "/readyz", "")
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "clickhouse") {
			t.Fatalf("not ready: %d %s", rec.Code, rec.Body)
		}
	})
}
