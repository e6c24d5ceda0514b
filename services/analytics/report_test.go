package analytics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/analyticstest"
)

func TestWeeklyReport(t *testing.T) {
	voices := []query.Voice{{Name: "Café Lumière", Keywords: []string{"café lumière", "lumiere"}}, {Name: "Brûlerie Martin", Keywords: []string{"Brûlerie Martin"}}}
	h := seededN(t, kpiDataset(), 2)
	get := func(t *testing.T, req query.WeeklyReportRequest) query.WeeklyReport {
		var r query.WeeklyReport
		start := time.Now()
		if err := h.request(query.WeeklyReportSubject, req, &r); err != nil {
			t.Fatal(err)
		}
		t.Logf("report answered in %s", time.Since(start))
		return r
	}
	t.Run("french_report_of_week_47", func(t *testing.T) {
		r := get(t, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", TZ: "Europe/Paris", Locale: "fr", Voices: voices})
		if !r.From.Equal(kpiFrom) || !r.To.Equal(kpiTo) || r.KPIs.Volume.Total != 13 || r.Previous.Volume.Total != 1 {
			t.Fatalf("from %s to %s volume %d previous %d", r.From, r.To, r.KPIs.Volume.Total, r.Previous.Volume.Total)
		}
		// Highest priority first (k5, priority 99, is spam), then by id.
		equal(t, shortIDs(r.Notable), "k7,k2,k4,k3,k1")
		for _, want := range []string{
			`<html lang="fr">`, "Rapport hebdomadaire — cafe-lumiere", "Semaine 2026-W47 · 16/11/2026 – 22/11/2026",
			"<div class=\"v\">13</div><div class=\"d\">&#43;12 · semaine précédente",    // volume and its trend
			"<div class=\"v\">60,0\u00a0%</div><div class=\"d\">— · semaine précédente", // nothing to compare with
			"0,4\u00a0%",       // engagement rate 7 / 1620
			"60,0\u00a0%",      // response rate
			"30\u00a0min",      // median first response
			"2\u00a0h\u00a000", // p90
			"1\u00a0620",       // followers at the end of the week
			"12,5\u00a0%",      // net sentiment
			"lun. 09h (2)",     // best time
			"<td>Café Lumière</td><td class=\"n\">3</td><td class=\"n\">60,0\u00a0%</td>",
			"&lt;script&gt;alert(1)&lt;/script&gt;", // interaction text is escaped
			"Taux d&#39;engagement = engagements ÷ abonnés",
		} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if t.Failed() {
			t.Log(r.HTML)
		}
		if strings.Contains(r.HTML, "<script>") {
			t.Error("report carries a script from an interaction")
		}
	})
	t.Run("english_report", func(t *testing.T) {
		r := get(t, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", TZ: "Europe/Paris"})
		for _, want := range []string{"Weekly report — cafe-lumiere", "Week 2026-W47 · 2026-11-16 – 2026-11-22", "0.4%", "1,620", "Mon 09h (2)"} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("report lacks %q", want)
			}
		}
	})
	t.Run("pdf_on_demand", func(t *testing.T) {
		r := get(t, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", TZ: "Europe/Paris", PDF: true})
		text := pdfCheck(t, r.PDF)
		for _, want := range []string{"Weekly report — cafe-lumiere", "Week 2026-W47 · 2026-11-16 – 2026-11-22", "0.4%", "60.0%", "1,620", "Mon 09h (2)", "Priority 80"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q", want)
			}
		}
		if cardValues(text, "previous week")["Interactions"] != "13" {
			t.Errorf("volume card: %q", text)
		}
		if plain := get(t, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47"}); plain.PDF != nil {
			t.Error("a PDF nobody asked for")
		}
	})
	t.Run("default_is_the_last_complete_week", func(t *testing.T) {
		y, w := time.Now().In(paris).AddDate(0, 0, -7).ISOWeek()
		if r := get(t, query.WeeklyReportRequest{Brand: "cafe-lumiere", TZ: "Europe/Paris"}); r.Week != fmt.Sprintf("%04d-W%02d", y, w) {
			t.Fatalf("week %s", r.Week)
		}
	})
	for _, tc := range []struct{ name, week, locale, want string }{
		{"malformed_week", "2026-47", "", "ISO week"},
		{"week_54", "2026-W54", "", "does not exist"},
		{"unknown_locale", "2026-W47", "de", "locale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r query.WeeklyReport
			err := h.request(query.WeeklyReportSubject, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: tc.week, Locale: tc.locale}, &r)
			if le, ok := asListErr(err); !ok || le.code != query.CodeBadRequest || !strings.Contains(le.text, tc.want) {
				t.Fatalf("err = %v, want 400 mentioning %q", err, tc.want)
			}
		})
	}
}

// pdfCheck is the PDF's text (analyticstest.PDFText).
func pdfCheck(t testing.TB, b []byte) string { return analyticstest.PDFText(t, b) }
