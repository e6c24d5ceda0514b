package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestWeeklyReportPDFAPI(t *testing.T) {
	pdf := []byte("%PDF-1.3\n...%%EOF\n")
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.WeeklyReportSubject: func(b json.RawMessage) (any, string) {
			var req query.WeeklyReportRequest
			_ = json.Unmarshal(b, &req)
			r := query.WeeklyReport{Brand: req.Brand, Week: "2026-W47", HTML: "<!DOCTYPE html>"}
			if req.PDF {
				r.PDF = pdf
			}
			return r, ""
		},
	})
	check := func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || rec.Body.String() != string(pdf) ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), `filename=ruche-demo-2026-W47.pdf`) {
			t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body)
		}
		var req query.WeeklyReportRequest
		si.last(t, query.WeeklyReportSubject, &req)
		if !req.PDF || req.Week != "2026-W47" || req.Locale != "fr" {
			t.Fatalf("request %+v", req)
		}
	}
	t.Run("format_pdf", func(t *testing.T) {
		check(t, do(t, gw, "GET", "/api/v1/reports/weekly?brand=demo&week=2026-W47&locale=fr&format=pdf", ""))
	})
	t.Run("accept_header", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/reports/weekly?brand=demo&week=2026-W47", nil)
		req.Header.Set("X-Api-Key", demoKey)
		req.Header.Set("Accept", "application/pdf")
		req.Header.Set("Accept-Language", "fr")
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		check(t, rec)
	})
	t.Run("html_asks_no_pdf", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/reports/weekly?brand=demo", ""); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
		var req query.WeeklyReportRequest
		si.last(t, query.WeeklyReportSubject, &req)
		if req.PDF {
			t.Fatal("asked for a PDF")
		}
	})
	t.Run("unknown_format_is_400", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/reports/weekly?brand=demo&format=docx", ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"format"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestReportSettingsAPI(t *testing.T) {
	saved := query.ReportSettingsResponse{Brand: "demo", Revision: 4, Settings: query.ReportSettings{Enabled: true, Weekday: "monday", Hour: 8, TZ: "Europe/Paris", Locale: "fr", Formats: []string{"html", "pdf"}}}
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.GetReportSettingsSubject: canned(saved),
		query.PutReportSettingsSubject: func(b json.RawMessage) (any, string) {
			var req query.PutReportSettingsRequest
			_ = json.Unmarshal(b, &req)
			switch {
			case req.Revision != saved.Revision:
				return "the report settings of brand demo changed since revision 3", query.CodeConflict
			case req.Settings.Hour > 23:
				return "settings.hour: must be from 0 to 23, got 24", query.CodeBadRequest
			}
			return saved, ""
		},
	})
	t.Run("get", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/reports/settings?brand=demo", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"revision":4`) || !strings.Contains(rec.Body.String(), `"tz":"Europe/Paris"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("put_carries_the_settings_the_revision_and_the_key", func(t *testing.T) {
		rec := do(t, gw, "PUT", "/api/v1/reports/settings?brand=demo",
			`{"revision":4,"settings":{"enabled":true,"weekday":"monday","hour":8,"tz":"Europe/Paris","locale":"fr","formats":["pdf"],"voices":[{"name":"Café","keywords":["cafe"]}]}}`)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.PutReportSettingsRequest
		si.last(t, query.PutReportSettingsSubject, &req)
		if req.Brand != "demo" || req.Revision != 4 || !req.Settings.Enabled || req.Settings.TZ != "Europe/Paris" || req.Settings.Formats[0] != "pdf" ||
			req.Settings.Voices[0].Name != "Café" || !strings.HasPrefix(req.UpdatedBy, "key-") {
			t.Fatalf("request %+v", req)
		}
	})
	for _, tc := range []struct{ name, body, code, want string }{
		{"stale_revision_is_409", `{"revision":3,"settings":{"weekday":"monday","tz":"UTC"}}`, "409", "changed since revision 3"},
		{"bad_value_is_400", `{"revision":4,"settings":{"weekday":"monday","hour":24,"tz":"UTC"}}`, "400", "must be from 0 to 23"},
		{"wrong_type_names_the_field", `{"revision":4,"settings":{"hour":"eight"}}`, "400", `"field":"settings.hour"`},
		{"unknown_field_is_400", `{"revision":4,"settings":{"weekdays":"monday"}}`, "400", "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, "PUT", "/api/v1/reports/settings?brand=demo", tc.body); strconv.Itoa(rec.Code) != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestStoredReportsAPI(t *testing.T) {
	html := "<!DOCTYPE html><h1>Rapport</h1>"
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ListStoredReportsSubject: canned(query.StoredReports{Brand: "demo", Reports: []query.StoredReport{{Brand: "demo", Week: "2026-W47", State: "done"}}}),
		query.GetStoredReportSubject: func(b json.RawMessage) (any, string) {
			var req query.GetStoredReportRequest
			_ = json.Unmarshal(b, &req)
			if req.Week != "2026-W47" {
				return "no stored report of brand demo for week " + req.Week, query.CodeNotFound
			}
			f := query.StoredReportFile{Brand: "demo", Week: req.Week, Content: []byte(html)}
			f.Format, f.ContentType = req.Format, "text/html; charset=utf-8"
			if req.Format == "pdf" {
				f.ContentType, f.Content = "application/pdf", []byte("%PDF-1.3")
			}
			return f, ""
		},
	})
	t.Run("list", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/reports/archive?brand=demo", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"week":"2026-W47"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("download_html", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/reports/archive/2026-W47?brand=demo", "")
		if rec.Code != 200 || rec.Body.String() != html || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
		}
	})
	t.Run("download_pdf", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/reports/archive/2026-W47?brand=demo&format=pdf", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || rec.Body.String() != "%PDF-1.3" {
			t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
		}
		var req query.GetStoredReportRequest
		si.last(t, query.GetStoredReportSubject, &req)
		if req.Brand != "demo" || req.Format != "pdf" {
			t.Fatalf("request %+v", req)
		}
	})
	t.Run("unknown_week_is_404", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/reports/archive/2026-W01?brand=demo", ""); rec.Code != 404 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	// The key is scoped to demo: another brand's reports and settings are
	// refused before analytics is asked.
	for _, path := range []string{
		"/api/v1/reports/archive?brand=other", "/api/v1/reports/archive/2026-W47?brand=other&format=pdf",
		"/api/v1/reports/settings?brand=other", "/api/v1/reports/weekly?brand=other&format=pdf",
	} {
		t.Run("other_brand_is_403"+strings.ReplaceAll(strings.Split(path, "?")[0], "/", "_"), func(t *testing.T) {
			before := si.asked(query.GetStoredReportSubject)
			if rec := do(t, gw, "GET", path, ""); rec.Code != 403 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if si.asked(query.GetStoredReportSubject) != before {
				t.Fatal("analytics was asked")
			}
		})
	}
	t.Run("other_brand_put_is_403", func(t *testing.T) {
		if rec := do(t, gw, "PUT", "/api/v1/reports/settings?brand=other", `{"settings":{"weekday":"monday","tz":"UTC"}}`); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// asked counts the requests the stand-in got on subject.
func (s *standIn) asked(subject string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen[subject])
}
