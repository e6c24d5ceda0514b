package main_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/analytics"
	"github.com/ruche-project/ruche/services/gateway"
)

// TestScheduledReportsThroughTheGateway runs analytics (its clock on
// Monday 23 November 2026, 09:00 in Paris) and the gateway in-process on
// real NATS and ClickHouse: a brand's settings saved through the API, the
// due report generated and stored, then listed and downloaded, each route
// checking the caller's brands.
func TestScheduledReportsThroughTheGateway(t *testing.T) {
	conn, db := testkit.NATS(t), testkit.ClickHouse(t)
	ctx := t.Context()
	if err := analytics.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	var cfg analytics.Config
	fs := pflag.NewFlagSet("analytics", pflag.ContinueOnError)
	cfg.RegisterFlags(fs, "")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, paris)
	router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(cfg, analytics.Deps{Router: router, NATS: conn.NC, JS: conn.JS, ClickHouse: db, Logger: testkit.Logger(t),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done, routed := make(chan error, 1), make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	go func() { routed <- router.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done; <-routed })
	select {
	case <-svc.Ready():
	case err := <-done:
		t.Fatalf("analytics: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("analytics not ready")
	}
	const demoKey, otherKey = "reports-demo-key-0123456789", "reports-other-key-0123456789"
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo " + otherKey + ":other", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(key, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		return rec
	}
	settings := `{"revision":0,"settings":{"enabled":true,"weekday":"monday","hour":8,"tz":"Europe/Paris","locale":"fr","formats":["html","pdf"]}}`

	t.Run("settings_are_validated_and_saved", func(t *testing.T) {
		if rec := call(demoKey, "PUT", "/api/v1/reports/settings?brand=demo", strings.Replace(settings, `"hour":8`, `"hour":25`, 1)); rec.Code != 400 ||
			!strings.Contains(rec.Body.String(), `"field":"settings.hour"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := call(otherKey, "PUT", "/api/v1/reports/settings?brand=demo", settings); rec.Code != 403 {
			t.Fatalf("another brand's key: %d %s", rec.Code, rec.Body)
		}
		rec := call(demoKey, "PUT", "/api/v1/reports/settings?brand=demo", settings)
		var r query.ReportSettingsResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); rec.Code != 200 || err != nil || r.Revision == 0 || r.UpdatedBy == "" ||
			!r.NextRun.Equal(time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := call(demoKey, "PUT", "/api/v1/reports/settings?brand=demo", settings); rec.Code != 409 {
			t.Fatalf("saved twice from revision 0: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("due_report_is_generated_once", func(t *testing.T) {
		// The service checks on its own too (at start, then every minute):
		// whichever check claims the week first generates it, once.
		stored := func() query.StoredReports {
			var list query.StoredReports
			rec := call(demoKey, "GET", "/api/v1/reports/archive?brand=demo", "")
			if err := json.Unmarshal(rec.Body.Bytes(), &list); rec.Code != 200 || err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			return list
		}
		if n := svc.RunDueReports(ctx); n > 1 {
			t.Fatalf("generated %d, want at most 1", n)
		}
		deadline := time.Now().Add(30 * time.Second)
		for list := stored(); len(list.Reports) != 1 || list.Reports[0].State != query.StoredReportDone; list = stored() {
			if time.Now().After(deadline) {
				t.Fatalf("the due week was not generated: %+v", list)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if n := svc.RunDueReports(ctx); n != 0 {
			t.Fatalf("generated %d again", n)
		}
		if list := stored(); list.Reports[0].Attempts != 1 {
			t.Fatalf("%d attempts, want 1", list.Reports[0].Attempts)
		}
	})
	t.Run("listed_for_its_brand_only", func(t *testing.T) {
		rec := call(demoKey, "GET", "/api/v1/reports/archive?brand=demo", "")
		var list query.StoredReports
		if err := json.Unmarshal(rec.Body.Bytes(), &list); rec.Code != 200 || err != nil || len(list.Reports) != 1 || list.Reports[0].Week != "2026-W47" ||
			list.Reports[0].State != query.StoredReportDone {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := call(otherKey, "GET", "/api/v1/reports/archive?brand=demo", ""); rec.Code != 403 {
			t.Fatalf("another brand's key: %d %s", rec.Code, rec.Body)
		}
		if rec := call(otherKey, "GET", "/api/v1/reports/archive?brand=other", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"reports":[]`) {
			t.Fatalf("other brand: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("downloaded", func(t *testing.T) {
		rec := call(demoKey, "GET", "/api/v1/reports/archive/2026-W47?brand=demo&format=pdf", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Body.String(), "%PDF-1.") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "ruche-demo-2026-W47.pdf") {
			t.Fatalf("%d %v %.40q", rec.Code, rec.Header(), rec.Body)
		}
		rec = call(demoKey, "GET", "/api/v1/reports/archive/2026-W47?brand=demo", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Rapport hebdomadaire — demo") || !strings.Contains(rec.Body.String(), "Aucune donnée cette semaine.") {
			t.Fatalf("%d %.300s", rec.Code, rec.Body)
		}
	})
	t.Run("another_brand_cannot_download_it", func(t *testing.T) {
		if rec := call(otherKey, "GET", "/api/v1/reports/archive/2026-W47?brand=demo&format=pdf", ""); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := call(otherKey, "GET", "/api/v1/reports/archive/2026-W47?brand=other&format=pdf", ""); rec.Code != 404 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("on_demand_pdf", func(t *testing.T) {
		rec := call(demoKey, "GET", "/api/v1/reports/weekly?brand=demo&week=2026-W47&tz=Europe/Paris&format=pdf", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(rec.Body.String(), "%PDF-1.") {
			t.Fatalf("%d %v %.40q", rec.Code, rec.Header(), rec.Body)
		}
	})
}
