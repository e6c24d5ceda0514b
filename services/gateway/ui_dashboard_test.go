package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// standIns answer, on the real bus, the endpoints the dashboard and the
// on-call screen ask (analytics, moderation, publishing, drafting), and
// record the commands they receive.
type standIns struct {
	mu         sync.Mutex
	paused     *query.PauseState
	pausedBy   []string
	reviews    []query.ReviewDraftRequest
	kpiReqs    []query.KPIsRequest
	sourcePuts []query.SourceSpec
}

func float(f float64) *float64 { return &f }
func secs(n int64) *int64      { return &n }

// hostile is a crisis sample's text: it must reach the page as text.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

func startStandIns(t *testing.T, g *testGateway) *standIns {
	t.Helper()
	st := &standIns{}
	nc := g.js.Conn()
	serve := func(service string) *rpc.Server {
		srv, err := rpc.NewServer(nc, service, "0.0.1", "stand-in", testkit.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		return srv
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	an := serve(query.AnalyticsService)
	must(rpc.Handle(an, query.GetReportSettings, func(_ context.Context, r query.GetReportSettingsRequest) (query.ReportSettingsResponse, error) {
		return query.ReportSettingsResponse{Brand: r.Brand, Settings: query.ReportSettings{TZ: "Europe/Paris",
			Voices: []query.Voice{{Name: "A", Keywords: []string{"a"}}, {Name: "Rival", Keywords: []string{"rival"}}}}}, nil
	}))
	must(rpc.Handle(an, query.GetKPIs, func(_ context.Context, r query.KPIsRequest) (query.KPIs, error) {
		st.mu.Lock()
		st.kpiReqs = append(st.kpiReqs, r)
		st.mu.Unlock()
		k := query.KPIs{Brand: r.Brand, From: r.From, To: r.To, TZ: r.TZ, Definitions: map[string]string{"volume": "distinct interactions"}}
		day := r.From.In(time.FixedZone("", 3600)).Format(time.DateOnly)
		if r.From.Before(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) { // the previous period
			k.Volume = query.Volume{Total: 1000, ByDay: []query.DayCount{{Day: day, Count: 1000}}, ByNetwork: map[string]uint64{"sandbox": 1000}}
			k.Response = query.Response{Rate: float(40), MedianSeconds: secs(600), P90Seconds: secs(3600), SLABreaches: 2}
			k.Sentiment.NetScore = float(10)
			return k, nil
		}
		k.Volume = query.Volume{Total: 1500, ByDay: []query.DayCount{{Day: day, Count: 1234}, {Day: "2026-12-07", Count: 266}},
			ByNetwork: map[string]uint64{"sandbox": 1200, "mastodon": 300}}
		k.Engagement.Engagements = 900
		k.Response = query.Response{Rate: float(55), MedianSeconds: secs(300), P90Seconds: secs(5400), SLABreaches: 1}
		k.Sentiment = query.SentimentTrend{Positive: 500, Neutral: 700, Negative: 300, NetScore: float(13.3),
			ByDay: []query.SentimentDay{{Day: day, Positive: 400, Neutral: 600, Negative: 234}}}
		k.ShareOfVoice = []query.VoiceShare{{Name: "A", Mentions: 75, Share: float(75)}, {Name: "Rival", Mentions: 25, Share: float(25)}}
		k.BestTimes.Grid[0][9] = 42
		return k, nil
	}))
	must(rpc.Handle(an, query.ListSegment, func(_ context.Context, r query.SegmentRequest) (query.SegmentPage, error) {
		return query.SegmentPage{Segment: r.Segment, Definition: "reach ≥ 10000", Items: []query.SegmentMember{
			{Network: "sandbox", AuthorID: "u1", Handle: "@claire", Name: "Claire", Reach: 25000, InWindow: 4, Positive: 3}}}, nil
	}))
	must(rpc.Handle(an, query.GetInteraction, func(_ context.Context, r query.GetInteractionRequest) (query.InteractionDetail, error) {
		return query.InteractionDetail{Interaction: query.Interaction{ID: r.ID, Network: "sandbox", AuthorHandle: "@paul", Text: "Ma commande n'arrive pas"}}, nil
	}))

	mod := serve(query.ModerationService)
	opened := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	must(rpc.Handle(mod, query.ListCrises, func(_ context.Context, r query.ListCrisesRequest) (query.ListCrisesResponse, error) {
		return query.ListCrisesResponse{Brand: r.Brand, Crises: []query.Crisis{{ID: "crisis:a:1", Brand: r.Brand, Status: query.CrisisOpen,
			Trigger: query.TriggerVolume, OpenedAt: opened, WindowSeconds: 300, Volume: 120, NegativeShare: 0.6, BaselineVolume: 20,
			BaselineNegativeShare: 0.1, ZScore: 8.5, PeakVolume: 150, TotalVolume: 270, TotalNegative: 170, TopTerms: []string{"remboursement", "panne"},
			Windows: []query.CrisisWindow{{Start: opened, Volume: 120, Negative: 72, NegativeShare: 0.6}, {Start: opened.Add(5 * time.Minute), Volume: 150, Negative: 98, NegativeShare: 0.65}},
			Samples: []query.CrisisSample{{InteractionID: "sandbox:9", At: opened, Text: hostile}}}}}, nil
	}))

	must(rpc.Handle(mod, query.GetPolicy, func(_ context.Context, r query.GetPolicyRequest) (query.GetPolicyResponse, error) {
		return query.GetPolicyResponse{Brand: r.Brand, Active: 1, Latest: 1, Versions: []query.PolicyVersionInfo{{Version: 1, SavedBy: "u1", SavedAt: opened}},
			Policy:  &query.PolicyVersion{Brand: r.Brand, Version: 1, Document: query.PolicyDocument{Rules: []query.PolicyRule{{Name: "spam", When: query.PolicyMatch{Labels: []string{"spam"}}, Then: []string{"hide"}}}}},
			Builtin: []query.BuiltinRule{{Name: "builtin:threat", DescriptionEN: "Threats go to a human at once", DescriptionFR: "Les menaces vont à un humain"}}}, nil
	}))
	must(rpc.Handle(mod, query.DryRunPolicy, func(_ context.Context, r query.DryRunPolicyRequest) (query.DryRunPolicyResponse, error) {
		return query.DryRunPolicyResponse{Brand: r.Brand, ActiveVersion: 1, Items: 40, Changed: 1,
			Before: query.DryRunCounts{Verdicts: map[string]int{"allow": 40}}, After: query.DryRunCounts{Verdicts: map[string]int{"allow": 39, "hide": 1}},
			Sample: []query.DryRunChange{{InteractionID: "sandbox:3", Text: hostile, Before: query.DryRunOutcome{Verdict: "allow"}, After: query.DryRunOutcome{Verdict: "hide", Actions: []string{"hide"}, RuleHits: []string{r.Document.Rules[0].Name}}}}}, nil
	}))
	ing := serve(query.IngestService)
	must(rpc.Handle(ing, query.ListSources, func(_ context.Context, r query.ListSourcesRequest) (query.ListSourcesResponse, error) {
		return query.ListSourcesResponse{Sources: []query.SourceView{
			{ID: "news", Brand: r.Brand, Network: "rss", Settings: map[string]string{"keywords": "café lumière, lumiere"}, SecretNames: []string{}, Health: query.SourceHealth{Status: query.HealthOK, ItemsPerMinute: 2.5, LagSeconds: 90}},
			{ID: "masto", Brand: r.Brand, Network: "mastodon", SecretNames: []string{"token"}, Health: query.SourceHealth{Status: query.HealthUnhealthy, LastError: &opened, LastErrorText: "401 token refused"}},
		}}, nil
	}))
	must(rpc.Handle(ing, query.PutSource, func(_ context.Context, r query.PutSourceRequest) (query.SourceView, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.sourcePuts = append(st.sourcePuts, r.Source)
		return query.SourceView{ID: r.Source.ID}, nil
	}))
	pub := serve(query.PublishingService)
	must(rpc.Handle(pub, query.ListAccounts, func(_ context.Context, r query.ListAccountsRequest) (query.ListAccountsResponse, error) {
		return query.ListAccountsResponse{Accounts: []query.AccountView{{ID: "sandbox", Brand: r.Brand, Network: "sandbox", Health: query.AccountHealth{Status: "ok", LastSuccess: &opened}}}}, nil
	}))
	state := func(brand string) query.PauseState {
		if st.paused != nil {
			return *st.paused
		}
		return query.PauseState{Brand: brand}
	}
	must(rpc.Handle(pub, query.GetPause, func(_ context.Context, r query.ListAccountsRequest) (query.PauseState, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		return state(r.Brand), nil
	}))
	must(rpc.Handle(pub, query.PausePublishing, func(_ context.Context, r query.PauseRequest) (query.PauseState, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.pausedBy = append(st.pausedBy, r.By)
		since := opened
		st.paused = &query.PauseState{Brand: r.Brand, Paused: true, By: r.By, Reason: r.Reason, Since: &since, Held: 3}
		return *st.paused, nil
	}))
	must(rpc.Handle(pub, query.ResumePublishing, func(_ context.Context, r query.PauseRequest) (query.PauseState, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.paused = nil
		return query.PauseState{Brand: r.Brand, Held: 3}, nil
	}))

	dr := serve(query.DraftingService)
	draft := query.Draft{Status: query.DraftPending, Current: draftv1.Created{InteractionID: "sandbox:7", Version: 2, Network: "sandbox",
		Lang: "fr", Text: "Bonjour Paul, nous regardons votre commande.", Confidence: 0.8}}
	must(rpc.Handle(dr, query.ListDrafts, func(_ context.Context, r query.ListDraftsRequest) (query.DraftList, error) {
		if r.Status == query.DraftPending {
			return query.DraftList{Drafts: []query.Draft{draft}}, nil
		}
		return query.DraftList{Drafts: []query.Draft{}}, nil
	}))
	review := func(status string) func(context.Context, query.ReviewDraftRequest) (query.Draft, error) {
		return func(_ context.Context, r query.ReviewDraftRequest) (query.Draft, error) {
			if r.Version != draft.Current.Version {
				return query.Draft{}, rpc.Conflict("version %d is not the current one", r.Version)
			}
			if status == query.DraftRejected && r.Reason == "" {
				return query.Draft{}, rpc.BadRequest("reason", "a rejection needs its reason")
			}
			st.mu.Lock()
			st.reviews = append(st.reviews, r)
			st.mu.Unlock()
			d := draft
			d.Status = status
			return d, nil
		}
	}
	must(rpc.Handle(dr, query.ApproveDraft, review(query.DraftApproved)))
	must(rpc.Handle(dr, query.RejectDraft, review(query.DraftRejected)))
	return st
}

func TestUIDashboard(t *testing.T) {
	g := newTestGateway(t)
	st := startStandIns(t, g)
	manager, managerID := g.join("a", "manager", "lea@a.example")
	moderator, _ := g.join("a", "moderator", "camille@a.example")

	t.Run("renders_crises_kpis_and_every_chart_three_ways", func(t *testing.T) {
		r := g.page(manager, "/dashboard?brand=a")
		if r.code != http.StatusOK {
			t.Fatalf("dashboard: %d %s", r.code, r.body)
		}
		for _, want := range []string{
			`id="crisis-banner"`, "Crisis open since", "remboursement, panne", "Publishing queue: running.", `id="queue-pause"`,
			`id="kpi-volume"`, "1,500", "+50", // 1,500 against 1,000
			`id="chart-volume"`, `data-chart="{&#34;kind&#34;:&#34;line&#34;`, "1,234", "Previous period",
			`id="chart-sentiment"`, `id="chart-response"`, "5 min", "1.5", // median 300 s, p90 5,400 s
			`id="chart-engagement"`, `&#34;kind&#34;:&#34;heatmap&#34;`, `id="chart-share-of-voice"`, `id="chart-networks"`,
			`href="/dashboard/csv/volume?brand=a&amp;days=7&amp;locale=en"`,
			`id="chart-opinion-leaders"`, "Claire (@claire)", "25,000",
			`id="crisis-crisis-a-1"`, "&lt;script&gt;alert(", `<blockquote dir="auto">`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the dashboard lacks %q", want)
			}
		}
		if strings.Contains(r.body, hostile) || strings.Contains(r.body, "<script>alert") {
			t.Fatal("a sample's text reached the page as markup")
		}
		if strings.Contains(r.body, "style=") || strings.Contains(r.body, "<script>") {
			t.Fatal("inline style or script on the dashboard")
		}
		// Each chart's table has its rows: 7 days, the heatmap's 7 weekdays.
		if n := strings.Count(r.body, `<th scope="row">`); n < 7+7+2+7+2+2+1+2 {
			t.Fatalf("only %d table rows", n)
		}
		// The previous period is the same length, just before; both in the brand's zone.
		st.mu.Lock()
		reqs := st.kpiReqs
		st.mu.Unlock()
		if len(reqs) != 2 || reqs[0].TZ != "Europe/Paris" || len(reqs[0].Voices) != 2 {
			t.Fatalf("KPI requests: %+v", reqs)
		}
		var cur, prev query.KPIsRequest
		for _, q := range reqs {
			if q.To.Equal(reqs[0].From) || q.To.Equal(reqs[1].From) {
				prev = q
			} else {
				cur = q
			}
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		if !cur.To.Equal(time.Date(2026, 12, 8, 0, 0, 0, 0, paris)) || !cur.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, paris)) ||
			!prev.From.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, paris)) || !prev.To.Equal(cur.From) {
			t.Fatalf("periods: %v–%v and %v–%v", cur.From, cur.To, prev.From, prev.To)
		}
	})

	t.Run("speaks_french", func(t *testing.T) {
		r := g.page(manager, "/dashboard?brand=a", "Accept-Language", "fr")
		for _, want := range []string{"Tableau de bord", "Crise ouverte depuis le 07/12/2026 09:00", "1\u00a0500", "Période précédente", "Lundi", "Part de voix"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the French dashboard lacks %q", want)
			}
		}
	})

	t.Run("a_period_other_than_7_30_90_is_refused", func(t *testing.T) {
		if r := g.page(manager, "/dashboard?brand=a&days=12"); r.code != http.StatusBadRequest || !strings.Contains(r.body, "7, 30 or 90") {
			t.Fatalf("days=12: %d %s", r.code, r.body)
		}
	})

	t.Run("a_chart_downloads_as_csv_in_the_locale", func(t *testing.T) {
		r := g.page(manager, "/dashboard/csv/volume?brand=a&days=7&locale=fr")
		if r.code != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %v %s", r.code, r.header, r.body)
		}
		lines := strings.Split(strings.TrimPrefix(r.body, "\ufeff"), "\r\n")
		if lines[0] != "Jour;Volume;Période précédente" || len(lines) < 8 || !strings.Contains(r.body, "2026-12-01;1\u00a0234;1\u00a0000") {
			t.Fatalf("csv body: %q", r.body)
		}
		if r := g.page(manager, "/dashboard/csv/nope?brand=a"); r.code != http.StatusNotFound {
			t.Fatalf("unknown chart: %d", r.code)
		}
		if r := g.page(moderator, "/dashboard/csv/volume?brand=a"); r.code != http.StatusForbidden {
			t.Fatalf("moderator's export: %d", r.code)
		}
	})

	t.Run("a_manager_pauses_and_resumes_the_queue_from_the_banner", func(t *testing.T) {
		hx := []string{"HX-Request", "true"}
		if r := g.form(manager, "/crisis/pause?brand=a", url.Values{"reason": {"bad buzz"}}, hx...); r.code != http.StatusForbidden {
			t.Fatalf("pause without CSRF: %d", r.code)
		}
		r := g.form(manager, "/crisis/pause?brand=a", url.Values{"reason": {"bad buzz"}}, "HX-Request", "true", gateway.CSRFHeader, manager.csrf)
		if r.code != http.StatusOK || !strings.Contains(r.body, "Publishing queue: paused.") || !strings.Contains(r.body, "bad buzz") ||
			!strings.Contains(r.body, `id="queue-resume"`) || strings.Contains(r.body, "<html") {
			t.Fatalf("pause: %d %s", r.code, r.body)
		}
		st.mu.Lock()
		by := st.pausedBy
		st.mu.Unlock()
		if len(by) != 1 || by[0] != managerID {
			t.Fatalf("paused by %v, want %s", by, managerID)
		}
		r = g.form(manager, "/crisis/resume?brand=a", nil, "HX-Request", "true", gateway.CSRFHeader, manager.csrf)
		if r.code != http.StatusOK || !strings.Contains(r.body, "Publishing queue: running.") {
			t.Fatalf("resume: %d %s", r.code, r.body)
		}
	})

	t.Run("a_moderator_sees_no_pause_no_export_and_cannot_pause", func(t *testing.T) {
		r := g.page(moderator, "/dashboard?brand=a")
		if r.code != http.StatusOK || strings.Contains(r.body, `id="queue-pause"`) || strings.Contains(r.body, "/dashboard/csv/") ||
			strings.Contains(r.body, "chart-opinion-leaders") {
			t.Fatalf("moderator's dashboard: %d", r.code)
		}
		if r := g.form(moderator, "/crisis/pause?brand=a", nil, "HX-Request", "true", gateway.CSRFHeader, moderator.csrf); r.code != http.StatusForbidden {
			t.Fatalf("moderator's pause: %d %s", r.code, r.body)
		}
	})

	t.Run("on_call_approves_and_rejects_the_version_read", func(t *testing.T) {
		r := g.page(manager, "/oncall?brand=a")
		for _, want := range []string{"Crisis open since", "Ma commande n&#39;arrive pas", "Bonjour Paul", `hx-post="/oncall/approve?brand=a&amp;id=sandbox%3A7&amp;version=2"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("on call lacks %q", want)
			}
		}
		hx := []string{"HX-Request", "true", gateway.CSRFHeader, manager.csrf}
		r = g.form(manager, "/oncall/approve?brand=a&id=sandbox%3A7&version=2", nil, hx...)
		if r.code != http.StatusOK || !strings.Contains(r.body, "Approved: the reply goes to publishing.") {
			t.Fatalf("approve: %d %s", r.code, r.body)
		}
		if r = g.form(manager, "/oncall/approve?brand=a&id=sandbox%3A7&version=1", nil, hx...); r.code != http.StatusConflict {
			t.Fatalf("approving a stale version: %d %s", r.code, r.body)
		}
		if r = g.form(manager, "/oncall/reject?brand=a&id=sandbox%3A7&version=2", nil, hx...); r.code != http.StatusBadRequest || !strings.Contains(r.body, "reason") {
			t.Fatalf("reject without reason: %d %s", r.code, r.body)
		}
		r = g.form(manager, "/oncall/reject?brand=a&id=sandbox%3A7&version=2", url.Values{"reason": {"ton trop familier"}}, hx...)
		if r.code != http.StatusOK || !strings.Contains(r.body, "Rejected.") {
			t.Fatalf("reject: %d %s", r.code, r.body)
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if len(st.reviews) != 2 || st.reviews[0].By != managerID || st.reviews[1].Reason != "ton trop familier" {
			t.Fatalf("reviews: %+v", st.reviews)
		}
	})
}

func TestUISettings(t *testing.T) {
	g := newTestGateway(t)
	st := startStandIns(t, g)
	manager, _ := g.join("a", "manager", "lea@a.example")
	moderator, moderatorID := g.join("a", "moderator", "camille@a.example")
	hx := []string{"HX-Request", "true", gateway.CSRFHeader, manager.csrf}

	t.Run("sources_and_accounts_show_their_health_and_keywords", func(t *testing.T) {
		r := g.page(manager, "/settings/sources?brand=a")
		for _, want := range []string{`class="health-ok"`, `class="health-unhealthy"`, "401 token refused", "café lumière\nlumiere", `id="accounts"`, "2.5", "2\u202fmin"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("sources lack %q", want)
			}
		}
		r = g.form(manager, "/settings/sources/keywords?brand=a&id=news", url.Values{"keywords": {"café lumière\nbrûlerie, lumiere"}}, hx...)
		if r.code != http.StatusNoContent || r.header.Get("HX-Redirect") != "/settings/sources?brand=a" {
			t.Fatalf("save keywords: %d %s", r.code, r.body)
		}
		st.mu.Lock()
		put := st.sourcePuts
		st.mu.Unlock()
		if len(put) != 1 || put[0].Settings["keywords"] != "café lumière\nbrûlerie\nlumiere" || put[0].Network != "rss" {
			t.Fatalf("source put: %+v", put)
		}
		if r := g.form(manager, "/settings/sources/keywords?brand=a&id=masto", url.Values{"keywords": {"x"}}, hx...); r.code != http.StatusBadRequest {
			t.Fatalf("keywords of a source with secrets: %d", r.code)
		}
		if r := g.form(moderator, "/settings/sources/keywords?brand=a&id=news", url.Values{"keywords": {"x"}}, "HX-Request", "true", gateway.CSRFHeader, moderator.csrf); r.code != http.StatusForbidden {
			t.Fatalf("moderator's keywords: %d", r.code)
		}
	})

	t.Run("the_policy_dry_run_shows_what_would_change", func(t *testing.T) {
		r := g.page(moderator, "/settings/policy?brand=a")
		if r.code != 200 || !strings.Contains(r.body, `id="dry-run-button"`) || strings.Contains(r.body, "/settings/policy/save") || !strings.Contains(r.body, "Threats go to a human") {
			t.Fatalf("moderator's policy page: %d", r.code)
		}
		doc := `{"rules":[{"name":"promo-links","when":{"keywords":["promo"]},"then":["hide"]}]}`
		r = g.form(moderator, "/settings/policy/dry-run?brand=a", url.Values{"document": {doc}, "days": {"3"}}, "HX-Request", "true", gateway.CSRFHeader, moderator.csrf)
		if r.code != 200 || !strings.Contains(r.body, "1 of 40 interactions would change") || !strings.Contains(r.body, "promo-links") ||
			!strings.Contains(r.body, "&lt;script&gt;") || strings.Contains(r.body, "<script>") {
			t.Fatalf("dry run: %d %s", r.code, r.body)
		}
		if r := g.form(moderator, "/settings/policy/dry-run?brand=a", url.Values{"document": {`{"rules": [`}}, "HX-Request", "true", gateway.CSRFHeader, moderator.csrf); r.code != 400 {
			t.Fatalf("a broken document: %d", r.code)
		}
	})

	t.Run("people_and_roles", func(t *testing.T) {
		r := g.page(manager, "/settings/people?brand=a")
		if r.code != 200 || !strings.Contains(r.body, "camille@a.example") || !strings.Contains(r.body, `name="role"`) {
			t.Fatalf("people: %d", r.code)
		}
		r = g.form(manager, "/settings/people/role?brand=a&id="+url.QueryEscape(moderatorID), url.Values{"role": {"analyst"}}, hx...)
		if r.code != http.StatusNoContent {
			t.Fatalf("role change: %d %s", r.code, r.body)
		}
		if r := g.page(moderator, "/settings/people?brand=a"); !strings.Contains(r.body, "Analyst") || strings.Contains(r.body, `name="role"`) {
			t.Fatalf("after the change, the analyst's view: %s", r.body)
		}
	})
}
