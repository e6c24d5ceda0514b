package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/analytics/report"
)

// clock is a settable clock for the schedulers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time           { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)          { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func newClock(t time.Time) *clock         { return &clock{t: t} }
func paris8(day int) time.Time            { return local(day, 8, 0) }
func (h *harness) reports() *report.Store { return h.svc.queries.app.Archive }

// startAt runs the service with its clock stopped at t: its own scheduler
// then never finds the tests' weeks due (t is before their slots), and the
// tests drive schedulers of their own.
func (h *harness) startAt(t time.Time) {
	h.t.Helper()
	h.startWith(func() time.Time { return t })
}

// serviceClock is the services' clock in these tests: Monday 23 November
// 2026, 07:00 in Paris, before the 08:00 slot of week 48.
var serviceClock = local(23, 7, 0)

func (h *harness) scheduler(c *clock) *report.Scheduler {
	return report.NewScheduler(h.svc.queries.app.Reports, h.reports(), testkit.Logger(h.t), c.now, 30*time.Second)
}

// fieldOf sends req and returns the micro error's code, text and field.
func (h *harness) fieldOf(subject string, req any) (code, text, field string) {
	h.t.Helper()
	body, _ := json.Marshal(req)
	reply, err := h.bus.NC.Request(subject, body, 10*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	var data struct {
		Field string `json:"field"`
	}
	_ = json.Unmarshal(reply.Data, &data)
	return reply.Header.Get(micro.ErrorCodeHeader), reply.Header.Get(micro.ErrorHeader), data.Field
}

func (h *harness) putSettings(brand string, rev uint64, s query.ReportSettings) query.ReportSettingsResponse {
	h.t.Helper()
	var resp query.ReportSettingsResponse
	if err := h.request(query.PutReportSettingsSubject, query.PutReportSettingsRequest{Brand: brand, Revision: rev, Settings: s, UpdatedBy: "key-test"}, &resp); err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h *harness) storedList(brand string) []query.StoredReport {
	h.t.Helper()
	var resp query.StoredReports
	if err := h.request(query.ListStoredReportsSubject, query.ListStoredReportsRequest{Brand: brand}, &resp); err != nil {
		h.t.Fatal(err)
	}
	return resp.Reports
}

func (h *harness) storedFile(brand, week, format string) query.StoredReportFile {
	h.t.Helper()
	var f query.StoredReportFile
	if err := h.request(query.GetStoredReportSubject, query.GetStoredReportRequest{Brand: brand, Week: week, Format: format}, &f); err != nil {
		h.t.Fatal(err)
	}
	return f
}

func parisMonday8(enabled bool) query.ReportSettings {
	return query.ReportSettings{Enabled: enabled, Weekday: "monday", Hour: 8, TZ: "Europe/Paris", Locale: "fr", Formats: []string{"pdf", "html"}}
}

// TestScheduledReport drives one scheduler across the slot of week 48 and
// the next week's boundary, and checks the stored report of the seeded
// week 47 against the figures worked out by hand for kpiDataset.
func TestScheduledReport(t *testing.T) {
	h := newStoppedHarness(t, nil)
	h.startAt(serviceClock)
	h.seed(kpiDataset(), 1)
	s := parisMonday8(true)
	s.Voices = []query.Voice{{Name: "Café Lumière", Keywords: []string{"café lumière", "lumiere"}}, {Name: "Brûlerie Martin", Keywords: []string{"Brûlerie Martin"}}}
	h.putSettings("cafe-lumiere", 0, s)
	h.putSettings("autre-marque", 0, parisMonday8(false)) // disabled: never generated

	c := newClock(local(23, 7, 59))
	sch := h.scheduler(c)
	t.Run("nothing_before_the_slot", func(t *testing.T) {
		if n := sch.Tick(t.Context()); n != 0 || len(h.storedList("cafe-lumiere")) != 0 {
			t.Fatalf("generated %d before Monday 08:00", n)
		}
	})
	t.Run("the_previous_week_at_the_slot", func(t *testing.T) {
		c.set(paris8(23))
		if n := sch.Tick(t.Context()); n != 1 {
			t.Fatalf("generated %d, want 1", n)
		}
		list := h.storedList("cafe-lumiere")
		if len(list) != 1 {
			t.Fatalf("%d reports", len(list))
		}
		r := list[0]
		if r.Week != "2026-W47" || r.State != query.StoredReportDone || r.Attempts != 1 || !r.From.Equal(kpiFrom) || !r.To.Equal(kpiTo) ||
			r.TZ != "Europe/Paris" || r.Locale != "fr" || !r.GeneratedAt.Equal(paris8(23)) || len(r.Files) != 2 ||
			r.Files[0].Format != "html" || r.Files[1].Format != "pdf" || r.Files[1].ContentType != "application/pdf" {
			t.Fatalf("record %+v", r)
		}
		if len(h.storedList("autre-marque")) != 0 {
			t.Fatal("a disabled brand got a report")
		}
	})
	// Week 47 in Paris, by hand (see kpiDataset): 13 interactions against
	// 1 the week before (k14); 7 engagements over 1 620 followers at the
	// end of the week (0.43 %); 3 of 5 needing a reply answered (60 %),
	// after 10, 30 and 120 minutes (median 30 min; p90 2 h); 2 SLA
	// breaches (k3 late, k7 never answered); 1 DM reply; sentiment 4
	// positive, 1 neutral, 3 negative (net 12.5 %); 3 new followers;
	// Monday 9h busiest (2); share of voice 3 and 2 hits (60 / 40 %); the
	// notable ones by priority, spam left out: k7 80, k2 70, k4 60, k3 40.
	want := []string{
		"Rapport hebdomadaire — cafe-lumiere", "Semaine 2026-W47 · 16/11/2026 – 22/11/2026",
		"13", "+12 · semaine précédente", "0,4\u00a0%", "60,0\u00a0%", "30\u00a0min", "2\u00a0h\u00a000",
		"1\u00a0620", "12,5\u00a0%", "lun. 09h (2)", "Café Lumière", "40,0\u00a0%",
		"Priorité 80", "Priorité 70", "Priorité 60", "Priorité 40", "Toujours rien reçu <script>alert(1)</script>",
	}
	t.Run("stored_pdf_has_the_weeks_figures", func(t *testing.T) {
		f := h.storedFile("cafe-lumiere", "2026-W47", "pdf")
		sum := sha256.Sum256(f.Content)
		if f.ContentType != "application/pdf" || f.Size != len(f.Content) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("file %+v", f.StoredReportInfo)
		}
		text := pdfCheck(t, f.Content)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("PDF lacks %q", w)
			}
		}
		cards := cardValues(text, "semaine précédente")
		for label, v := range map[string]string{
			"Interactions": "13", "Engagements": "7", "Taux d'engagement": "0,4\u00a0%", "Taux de réponse": "60,0\u00a0%",
			"Première réponse (médiane)": "30\u00a0min", "Première réponse (90e centile)": "2\u00a0h\u00a000",
			"Délais (SLA) dépassés": "2", "Réponses en message privé": "1", "Sentiment net": "12,5\u00a0%",
			"Abonnés": "1\u00a0620", "Nouveaux abonnés": "3",
		} {
			if cards[label] != v {
				t.Errorf("card %q = %q, want %q", label, cards[label], v)
			}
		}
		if i, j := strings.Index(text, "Priorité 80"), strings.Index(text, "Priorité 40"); i < 0 || j < i {
			t.Error("notable interactions not by priority")
		}
		if strings.Contains(text, "Gagnez") {
			t.Error("the spam is notable")
		}
		if t.Failed() {
			t.Log(text)
		}
	})
	t.Run("stored_html_is_the_same_report", func(t *testing.T) {
		f := h.storedFile("cafe-lumiere", "2026-W47", "html")
		html := string(f.Content)
		if !strings.HasPrefix(f.ContentType, "text/html") || !strings.Contains(html, `<html lang="fr">`) ||
			!strings.Contains(html, "<div class=\"v\">13</div><div class=\"d\">&#43;12 · semaine précédente") ||
			!strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(html, "<td>Café Lumière</td><td class=\"n\">3</td>") {
			t.Fatalf("%s", html)
		}
	})
	t.Run("not_again_the_same_week", func(t *testing.T) {
		c.set(local(25, 18, 0))
		if n := sch.Tick(t.Context()); n != 0 {
			t.Fatalf("generated %d", n)
		}
		if r := h.storedList("cafe-lumiere")[0]; r.Attempts != 1 || !r.GeneratedAt.Equal(paris8(23)) {
			t.Fatalf("record %+v", r)
		}
	})
	t.Run("next_week_at_its_slot", func(t *testing.T) {
		c.set(time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)) // 08:00 in Paris
		if n := sch.Tick(t.Context()); n != 1 {
			t.Fatalf("generated %d, want 1", n)
		}
		list := h.storedList("cafe-lumiere")
		if len(list) != 2 || list[0].Week != "2026-W48" || list[1].Week != "2026-W47" {
			t.Fatalf("list %+v", list)
		}
		// Week 48 holds k13 and k15 (Monday 23).
		if text := pdfCheck(t, h.storedFile("cafe-lumiere", "2026-W48", "pdf").Content); cardValues(text, "semaine précédente")["Interactions"] != "2" {
			t.Fatalf("week 48: %q", text)
		}
	})
}

// cardValues reads the key figures off the PDF's text: each card is a
// label line, its value, and a line comparing with the previous week.
func cardValues(text, previous string) map[string]string {
	lines := strings.Split(text, "\n")
	out := map[string]string{}
	for i := 0; i+1 < len(lines); i++ {
		if _, seen := out[lines[i]]; !seen && strings.Contains(lines[min(i+2, len(lines)-1)], previous) {
			out[lines[i]] = lines[i+1]
		}
	}
	return out
}

// TestScheduledReportRace runs two replicas' schedulers at the same
// moment over several brands: each brand's week is generated once.
func TestScheduledReportRace(t *testing.T) {
	h := newStoppedHarness(t, nil)
	h.startAt(serviceClock)
	brands := []string{"b1", "b2", "b3", "b4", "b5", "b6"}
	for _, b := range brands {
		h.putSettings(b, 0, parisMonday8(true))
	}
	c := newClock(paris8(23))
	var generated sync.Map // brand → *atomic.Int32
	a, b := h.scheduler(c), h.scheduler(c)
	for _, s := range []*report.Scheduler{a, b} {
		inner := s.Generate
		s.Generate = func(ctx context.Context, brand, week string, st query.ReportSettings, now time.Time) (map[string][]byte, error) {
			n, _ := generated.LoadOrStore(brand, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			time.Sleep(20 * time.Millisecond) // hold the claim while the other replica looks
			return inner(ctx, brand, week, st, now)
		}
	}
	for round := 0; round < 3; round++ { // later rounds find every week done
		var wg sync.WaitGroup
		var total atomic.Int32
		for _, s := range []*report.Scheduler{a, b} {
			wg.Go(func() { total.Add(int32(s.Tick(t.Context()))) })
		}
		wg.Wait()
		if want := map[bool]int32{true: int32(len(brands)), false: 0}[round == 0]; total.Load() != want {
			t.Fatalf("round %d: %d reports generated, want %d", round, total.Load(), want)
		}
	}
	for _, brand := range brands {
		n, _ := generated.Load(brand)
		list := h.storedList(brand)
		if n == nil || n.(*atomic.Int32).Load() != 1 || len(list) != 1 || list[0].Attempts != 1 || list[0].State != query.StoredReportDone {
			t.Fatalf("brand %s: generated %v, records %+v", brand, n, list)
		}
	}
}

// TestScheduledReportRecovery: a replica that dies after its claim, and a
// generation that fails, are retried once the claim expires, by another
// replica, and stored once.
func TestScheduledReportRecovery(t *testing.T) {
	h := newStoppedHarness(t, nil)
	h.startAt(serviceClock)
	h.putSettings("crash", 0, parisMonday8(true))
	h.putSettings("flaky", 0, parisMonday8(true))
	c := newClock(paris8(23))
	ctx := t.Context()
	// A replica claims crash's week 47 and dies.
	if _, _, ok, err := h.reports().Claim(ctx, query.StoredReport{Brand: "crash", Week: "2026-W47"}, "dead-replica", c.now()); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	sch := h.scheduler(c)
	var fail atomic.Bool
	fail.Store(true)
	inner := sch.Generate
	sch.Generate = func(ctx context.Context, brand, week string, s query.ReportSettings, now time.Time) (map[string][]byte, error) {
		if brand == "flaky" && fail.Load() {
			return nil, errors.New("clickhouse: connection refused")
		}
		return inner(ctx, brand, week, s, now)
	}
	t.Run("a_live_claim_and_a_failure", func(t *testing.T) {
		if n := sch.Tick(ctx); n != 0 {
			t.Fatalf("generated %d", n)
		}
		crash, flaky := h.storedList("crash")[0], h.storedList("flaky")[0]
		if crash.State != query.StoredReportGenerating || crash.ClaimedBy != "dead-replica" {
			t.Fatalf("crash %+v", crash)
		}
		if flaky.State != query.StoredReportFailed || !strings.Contains(flaky.Error, "connection refused") || flaky.Attempts != 1 ||
			!flaky.ClaimExpires.Equal(paris8(23).Add(report.RetryDelay)) {
			t.Fatalf("flaky %+v", flaky)
		}
	})
	t.Run("retried_once_the_claims_expire", func(t *testing.T) {
		fail.Store(false)
		c.set(paris8(23).Add(report.RetryDelay))
		if n := sch.Tick(ctx); n != 1 { // flaky's retry is due, crash's claim is not expired yet
			t.Fatalf("generated %d, want 1", n)
		}
		c.set(paris8(23).Add(report.ClaimTTL))
		if n := sch.Tick(ctx); n != 1 {
			t.Fatalf("generated %d, want 1", n)
		}
		for _, b := range []string{"crash", "flaky"} {
			r := h.storedList(b)[0]
			if r.State != query.StoredReportDone || r.Attempts != 2 || r.ClaimedBy != sch.Owner() || r.Error != "" || len(r.Files) != 2 {
				t.Fatalf("%s %+v", b, r)
			}
			if !strings.HasPrefix(string(h.storedFile(b, "2026-W47", "pdf").Content), "%PDF-") {
				t.Fatalf("%s: no PDF", b)
			}
		}
	})
}

func TestReportSettings(t *testing.T) {
	h := newStoppedHarness(t, nil)
	h.startAt(serviceClock)
	t.Run("defaults_before_any_save", func(t *testing.T) {
		var r query.ReportSettingsResponse
		if err := h.request(query.GetReportSettingsSubject, query.GetReportSettingsRequest{Brand: "demo"}, &r); err != nil {
			t.Fatal(err)
		}
		if r.Revision != 0 || r.Settings.Enabled || r.Settings.Weekday != "monday" || r.NextRun != nil || strings.Join(r.Settings.Formats, ",") != "html,pdf" {
			t.Fatalf("%+v", r)
		}
	})
	var rev uint64
	t.Run("save_normalises_and_answers_the_next_run", func(t *testing.T) {
		s := parisMonday8(true)
		s.Weekday, s.Hour, s.Locale, s.Formats = "wednesday", 18, "", []string{"pdf"}
		r := h.putSettings("demo", 0, s)
		// The service's clock is Monday 23 at 07:00 in Paris: the next
		// Wednesday 18:00 is the 25th, 17:00 UTC.
		if r.Revision == 0 || r.Settings.Locale != "en" || r.NextRun == nil || !r.NextRun.Equal(time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)) || r.UpdatedBy != "key-test" {
			t.Fatalf("%+v next %v", r, r.NextRun)
		}
		rev = r.Revision
		var got query.ReportSettingsResponse
		if err := h.request(query.GetReportSettingsSubject, query.GetReportSettingsRequest{Brand: "demo"}, &got); err != nil {
			t.Fatal(err)
		}
		if got.Revision != rev || got.Settings.Weekday != "wednesday" || got.UpdatedAt == nil || !got.NextRun.Equal(*r.NextRun) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("export_masking_is_off_until_chosen", func(t *testing.T) {
		var r query.ReportSettingsResponse
		if err := h.request(query.GetReportSettingsSubject, query.GetReportSettingsRequest{Brand: "exports"}, &r); err != nil || r.Settings.MaskExports {
			t.Fatalf("default %+v, %v", r.Settings, err)
		}
		s := parisMonday8(false)
		s.MaskExports = true
		if got := h.putSettings("exports", 0, s); !got.Settings.MaskExports {
			t.Fatalf("saved %+v", got.Settings)
		}
		if err := h.request(query.GetReportSettingsSubject, query.GetReportSettingsRequest{Brand: "exports"}, &r); err != nil || !r.Settings.MaskExports {
			t.Fatalf("read back %+v, %v", r.Settings, err)
		}
	})
	t.Run("stale_revision_is_a_conflict", func(t *testing.T) {
		for _, stale := range []uint64{0, rev + 7} {
			code, text, _ := h.fieldOf(query.PutReportSettingsSubject, query.PutReportSettingsRequest{Brand: "demo", Revision: stale, Settings: parisMonday8(false)})
			if code != query.CodeConflict || !strings.Contains(text, "changed since") {
				t.Fatalf("revision %d: %s %s", stale, code, text)
			}
		}
		if r := h.putSettings("demo", rev, parisMonday8(false)); r.Revision <= rev || r.NextRun != nil {
			t.Fatalf("%+v", r)
		}
	})
	for _, tc := range []struct {
		name, field string
		mutate      func(*query.PutReportSettingsRequest)
	}{
		{"unknown_weekday", "settings.weekday", func(r *query.PutReportSettingsRequest) { r.Settings.Weekday = "lundi" }},
		{"hour_24", "settings.hour", func(r *query.PutReportSettingsRequest) { r.Settings.Hour = 24 }},
		{"negative_hour", "settings.hour", func(r *query.PutReportSettingsRequest) { r.Settings.Hour = -1 }},
		{"unknown_time_zone", "settings.tz", func(r *query.PutReportSettingsRequest) { r.Settings.TZ = "Mars/Olympus" }},
		{"server_local_time", "settings.tz", func(r *query.PutReportSettingsRequest) { r.Settings.TZ = "Local" }},
		{"missing_time_zone", "settings.tz", func(r *query.PutReportSettingsRequest) { r.Settings.TZ = "" }},
		{"german", "settings.locale", func(r *query.PutReportSettingsRequest) { r.Settings.Locale = "de" }},
		{"docx", "settings.formats", func(r *query.PutReportSettingsRequest) { r.Settings.Formats = []string{"pdf", "docx"} }},
		{"voice_without_keywords", "settings.voices", func(r *query.PutReportSettingsRequest) { r.Settings.Voices = []query.Voice{{Name: "x"}} }},
		{"bad_brand", "brand", func(r *query.PutReportSettingsRequest) { r.Brand = "Demo Brand" }},
	} {
		t.Run("rejects_"+tc.name, func(t *testing.T) {
			req := query.PutReportSettingsRequest{Brand: "fresh", Settings: parisMonday8(true)}
			tc.mutate(&req)
			if code, text, field := h.fieldOf(query.PutReportSettingsSubject, req); code != query.CodeBadRequest || field != tc.field || !strings.HasPrefix(text, tc.field+": ") {
				t.Fatalf("%s %q field %q", code, text, field)
			}
			var r query.ReportSettingsResponse
			if err := h.request(query.GetReportSettingsSubject, query.GetReportSettingsRequest{Brand: "fresh"}, &r); err != nil || r.Revision != 0 {
				t.Fatalf("saved anyway: %+v %v", r, err)
			}
		})
	}
	for _, tc := range []struct{ name, week, format, code, field string }{
		{"malformed_week", "2026-47", "pdf", query.CodeBadRequest, "week"},
		{"unknown_format", "2026-W47", "docx", query.CodeBadRequest, "format"},
		{"no_such_report", "2026-W47", "pdf", query.CodeNotFound, ""},
	} {
		t.Run("stored_file_"+tc.name, func(t *testing.T) {
			if code, text, field := h.fieldOf(query.GetStoredReportSubject, query.GetStoredReportRequest{Brand: "demo", Week: tc.week, Format: tc.format}); code != tc.code || field != tc.field {
				t.Fatalf("%s %q field %q", code, text, field)
			}
		})
	}
}
