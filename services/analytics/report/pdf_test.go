package report

import (
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/analyticstest"
)

// pdfCheck is the PDF's text (analyticstest.PDFText).
func pdfCheck(t testing.TB, b []byte) string { return analyticstest.PDFText(t, b) }

var paris, _ = time.LoadLocation("Europe/Paris")

func ptr[T any](v T) *T { return &v }

// sampleReport is a report's figures as analytics computes them, without
// ClickHouse.
func sampleReport(locale string) query.WeeklyReport {
	from := time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC)
	k := query.KPIs{
		Volume:     query.Volume{Total: 1234, ByDay: []query.DayCount{{Day: "2026-11-16", Count: 200}, {Day: "2026-11-22", Count: 1034}}},
		Engagement: query.Engagement{Engagements: 987, Rate: ptr(4.26)},
		Response:   query.Response{Rate: ptr(87.5), MedianSeconds: ptr(int64(1800)), P90Seconds: ptr(int64(7500)), SLABreaches: 3, DMReplies: 12},
		Sentiment: query.SentimentTrend{NetScore: ptr(-12.5), ByDay: []query.SentimentDay{
			{Day: "2026-11-16", Positive: 100, Neutral: 50, Negative: 50}, {Day: "2026-11-22", Positive: 1, Neutral: 2, Negative: 3}}},
		ShareOfVoice: []query.VoiceShare{{Name: "Café Lumière", Mentions: 30, Share: ptr(75.0)}, {Name: "Brûlerie Martin", Mentions: 10, Share: ptr(25.0)}},
		Community: query.Community{End: 23456, NewFollowers: 321, Accounts: []query.AccountGrowth{
			{Network: "mastodon", Account: "@cafe", Start: 20000, End: 23456, Change: 3456, Rate: ptr(17.28)}}},
		BestTimes: query.BestTimes{Top: []query.TimeSlot{{Weekday: 1, Hour: 9, Engagements: 42}}},
	}
	prev := k
	prev.Volume.Total, prev.Engagement.Rate = 1000, ptr(4.0)
	notable := []query.Interaction{
		{ID: "n1", Network: "mastodon", AuthorHandle: "@zoë", Priority: 80, CreatedAt: from.Add(40 * time.Hour),
			Text: "Toujours rien reçu 😡 (commande n° 42) — « inadmissible » ; Dvořák’s œuvre coûte 12\u202f€"},
		{ID: "n2", Network: "instagram", AuthorHandle: "@anna", Priority: 60, CreatedAt: from.Add(50 * time.Hour), Text: strings.Repeat("Très long message. ", 40)},
	}
	return query.WeeklyReport{Brand: "cafe-lumiere", Week: "2026-W47", From: from, To: from.AddDate(0, 0, 7), Locale: locale,
		KPIs: k, Previous: prev, Notable: notable}
}

func TestReportPDF(t *testing.T) {
	created := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	t.Run("french", func(t *testing.T) {
		b, err := renderPDF(sampleReport("fr"), paris, created)
		if err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("RUCHE_REPORT_PDF_DIR"); dir != "" { // to look at it
			_ = os.WriteFile(dir+"/report-fr.pdf", b, 0o644)
		}
		text := pdfCheck(t, b)
		for _, want := range []string{
			"Rapport hebdomadaire — cafe-lumiere", "Semaine 2026-W47 · 16/11/2026 – 22/11/2026", "Chiffres clés",
			"1\u00a0234", "+234 · semaine précédente", // volume and its trend
			"4,3\u00a0%", "+0,3 · semaine précédente", // engagement rate 4.26 % against 4.0 %
			"87,5\u00a0%", "30\u00a0min", "2\u00a0h\u00a005", "-12,5\u00a0%", "23\u00a0456", "321",
			"16/11/2026", "lun. 09h (42)", "Café Lumière", "75,0\u00a0%", "mastodon @cafe", "+3\u00a0456 (17,3\u00a0%)",
			"Interactions marquantes", "Priorité 80", "mastodon @zoë",
			"Taux d'engagement = engagements ÷ abonnés", "page 1/2",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q", want)
			}
		}
		// The interaction's text: the emoji left out, ř folded, the
		// narrow no-break space made a no-break space; MultiCell may wrap it.
		flat := strings.ReplaceAll(text, "\n", " ")
		if !strings.Contains(flat, "Toujours rien reçu (commande n° 42) — « inadmissible » ; Dvorák’s œuvre coûte 12\u00a0€") {
			t.Errorf("notable text not as expected in %q", flat)
		}
		if t.Failed() {
			t.Log(text)
		}
	})
	t.Run("english", func(t *testing.T) {
		b, err := renderPDF(sampleReport("en"), paris, created)
		if err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("RUCHE_REPORT_PDF_DIR"); dir != "" {
			_ = os.WriteFile(dir+"/report-en.pdf", b, 0o644)
		}
		text := pdfCheck(t, b)
		for _, want := range []string{"Weekly report — cafe-lumiere", "Week 2026-W47 · 2026-11-16 – 2026-11-22", "1,234", "87.5%", "23,456", "Mon 09h (42)", "Priority 80"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q", want)
			}
		}
	})
	t.Run("empty_week", func(t *testing.T) {
		r := query.WeeklyReport{Brand: "b", Week: "2026-W01", From: time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC), Locale: "en"}
		r.To = r.From.AddDate(0, 0, 7)
		b, err := renderPDF(r, time.UTC, created)
		if err != nil {
			t.Fatal(err)
		}
		if text := pdfCheck(t, b); !strings.Contains(text, "No data for this week.") || !strings.Contains(text, "page 1/1") {
			t.Fatalf("%q", text)
		}
	})
}

func TestPDFText(t *testing.T) {
	for in, want := range map[string]string{
		"Café Lumière — 1\u00a0234,5\u00a0€": "Caf\xe9 Lumi\xe8re \x97 1\xa0234,5\xa0\x80",
		"1\u202f234":        "1\xa0234",
		"Merci 👍🏽!":         "Merci !",
		"Łódź, Dvořák, ǘ":   "L\xf3dz, Dvor\xe1k, \xfc",
		"Привет":            "??????",
		"tab\there\r\nline": "tab here\nline",
		"e\u0301 \u0301":    "\xe9 ", // composed first; a mark left alone is dropped
	} {
		if got := pdfText(in); got != want {
			t.Errorf("pdfText(%q) = %q, want %q", in, got, want)
		}
	}
	// Windows-1252 as x/text's charmap knows it.
	for r := rune(0x20); r < 0x3000; r++ {
		if r == 0x7F || r >= 0x80 && r < 0xA0 {
			continue
		}
		c, ok := cp1252(r)
		if want, wantOK := charmap.Windows1252.EncodeRune(r); ok != wantOK || ok && c != want {
			t.Fatalf("U+%04X: ours %q %v, charmap's %q %v", r, c, ok, want, wantOK)
		}
	}
}
