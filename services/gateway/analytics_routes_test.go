package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// standIn answers analytics' subjects on a real embedded NATS with canned
// replies and records the raw requests it got.
type standIn struct {
	mu   sync.Mutex
	seen map[string][]json.RawMessage
}

func (s *standIn) last(t *testing.T, subject string, into any) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.seen[subject]
	if len(reqs) == 0 {
		t.Fatalf("no request on %s", subject)
	}
	if err := json.Unmarshal(reqs[len(reqs)-1], into); err != nil {
		t.Fatal(err)
	}
}

// newAnalyticsGateway starts a gateway and a stand-in answering each
// subject of replies with its value (a func(json.RawMessage) (any, string)
// may return an error code instead).
func newAnalyticsGateway(t *testing.T, replies map[string]func(json.RawMessage) (any, string)) (*gateway.Service, *standIn) {
	t.Helper()
	return newGatewayOn(t, testkit.NATS(t), replies)
}

// newGatewayOn is newAnalyticsGateway on conn.
func newGatewayOn(t *testing.T, conn *bus.Conn, replies map[string]func(json.RawMessage) (any, string)) (*gateway.Service, *standIn) {
	t.Helper()
	si := &standIn{seen: map[string][]json.RawMessage{}}
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.AnalyticsService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	i := 0
	for subject, reply := range replies {
		i++
		err := svc.AddEndpoint("e"+string(rune('a'+i)), micro.HandlerFunc(func(r micro.Request) {
			si.mu.Lock()
			si.seen[subject] = append(si.seen[subject], append(json.RawMessage(nil), r.Data()...))
			si.mu.Unlock()
			v, code := reply(r.Data())
			if code != "" {
				_ = r.Error(code, v.(string), nil)
				return
			}
			_ = r.RespondJSON(v)
		}), micro.WithEndpointSubject(subject))
		if err != nil {
			t.Fatal(err)
		}
	}
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo,masked", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return gw, si
}

func do(t *testing.T, gw *gateway.Service, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-Api-Key", demoKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	gw.Handler().ServeHTTP(rec, req)
	return rec
}

func canned(v any) func(json.RawMessage) (any, string) {
	return func(json.RawMessage) (any, string) { return v, "" }
}

func TestInteractionFiltersAPI(t *testing.T) {
	page := query.ListInteractionsResponse{Items: []query.Interaction{{ID: "mastodon:1", Brand: "demo"}}}
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ListInteractionsSubject: canned(page),
		query.GetInteractionSubject: func(b json.RawMessage) (any, string) {
			var req query.GetInteractionRequest
			_ = json.Unmarshal(b, &req)
			if req.ID != "mastodon:1" {
				return "interaction not found", query.CodeNotFound
			}
			return query.InteractionDetail{Interaction: page.Items[0], Status: "open"}, ""
		},
	})
	t.Run("filters_go_to_the_list_endpoint", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/interactions?brand=demo&network=mastodon,instagram&kind=dm&kind=comment&status=open&sentiment=negative"+
			"&intent=question&min_priority=40&max_priority=90&assignee=lea&queue=vip&author=a1&from=2026-11-01&to=2026-11-23T00:00:00Z&q=cr%C3%A8me&limit=20", "")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.SearchInteractionsRequest
		si.last(t, query.ListInteractionsSubject, &req)
		f := req.InteractionFilter
		if req.Brand != "demo" || req.Limit != 20 || strings.Join(f.Networks, ",") != "mastodon,instagram" || strings.Join(f.Kinds, ",") != "dm,comment" ||
			f.Statuses[0] != "open" || f.Sentiments[0] != "negative" || f.Intents[0] != "question" || *f.MinPriority != 40 || *f.MaxPriority != 90 ||
			f.Assignee != "lea" || f.Queue != "vip" || f.AuthorID != "a1" || f.Text != "crème" ||
			!f.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !f.To.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("request %+v filter %+v", req, f)
		}
	})
	t.Run("no_filter_asks_without_filters", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/interactions?brand=demo", ""); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.SearchInteractionsRequest
		si.last(t, query.ListInteractionsSubject, &req)
		if req.Brand != "demo" || !reflect.DeepEqual(req.InteractionFilter, query.InteractionFilter{}) {
			t.Fatalf("request %+v", req)
		}
	})
	for _, tc := range []struct{ name, path, field string }{
		{"bad_priority_is_400", "/api/v1/interactions?brand=demo&min_priority=high", "min_priority"},
		{"bad_date_is_400", "/api/v1/interactions?brand=demo&from=23/11/2026", "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, "GET", tc.path, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.field) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("one_interaction", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/interactions/mastodon:1?brand=demo", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"open"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("an_escaped_id_is_unescaped", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/interactions/mastodon%3A1?brand=demo", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"open"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown_interaction_is_404", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/interactions/mastodon:2?brand=demo", ""); rec.Code != 404 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("other_brand_is_403", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/interactions/mastodon:1?brand=cafe", ""); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestKPIsAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.KPIsSubject: canned(query.KPIs{Brand: "demo", Definitions: map[string]string{"engagement_rate": "engagements / audience × 100"}}),
	})
	t.Run("dates_are_the_brand_days_and_to_is_inclusive", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/kpis?brand=demo&from=2026-11-16&to=2026-11-22&tz=Europe/Paris&network=mastodon"+
			"&voice=Caf%C3%A9%20Lumi%C3%A8re:caf%C3%A9%20lumi%C3%A8re|lumiere&voice=Martin:br%C3%BBlerie%20martin", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "engagements / audience") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.KPIsRequest
		si.last(t, query.KPIsSubject, &req)
		if !req.From.Equal(time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC)) || !req.To.Equal(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)) ||
			req.TZ != "Europe/Paris" || req.Network != "mastodon" || len(req.Voices) != 2 || req.Voices[0].Name != "Café Lumière" ||
			strings.Join(req.Voices[0].Keywords, ",") != "café lumière,lumiere" {
			t.Fatalf("request %+v", req)
		}
	})
	t.Run("no_tz_is_the_brands_zone", func(t *testing.T) {
		gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
			query.KPIsSubject: canned(query.KPIs{Brand: "demo"}),
			query.GetReportSettingsSubject: func(json.RawMessage) (any, string) {
				return query.ReportSettingsResponse{Brand: "demo", Settings: query.ReportSettings{TZ: "America/Santiago"}}, ""
			},
		})
		if rec := do(t, gw, "GET", "/api/v1/kpis?brand=demo", ""); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.KPIsRequest
		si.last(t, query.KPIsSubject, &req)
		santiago, _ := time.LoadLocation("America/Santiago")
		if end := req.To.In(santiago); req.TZ != "America/Santiago" || end.Hour() != 0 || !req.From.In(santiago).AddDate(0, 0, 7).Equal(end) {
			t.Fatalf("tz %q, period %s → %s, want the 7 days ending tonight in Santiago", req.TZ, req.From, req.To)
		}
	})
	t.Run("no_tz_and_no_brand_zone_is_utc", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/kpis?brand=demo", ""); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.KPIsRequest
		si.last(t, query.KPIsSubject, &req)
		if req.TZ != "" || req.To.UTC().Hour() != 0 {
			t.Fatalf("tz %q, period %s → %s", req.TZ, req.From, req.To)
		}
	})
	t.Run("no_period_is_the_last_seven_days_in_tz", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/kpis?brand=demo&tz=Europe/Paris", ""); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.KPIsRequest
		si.last(t, query.KPIsSubject, &req)
		paris, _ := time.LoadLocation("Europe/Paris")
		end := req.To.In(paris)
		if end.Hour() != 0 || end.Minute() != 0 || !end.After(time.Now()) || end.Sub(time.Now()) > 24*time.Hour ||
			!req.From.In(paris).AddDate(0, 0, 7).Equal(end) {
			t.Fatalf("period %s → %s, want the 7 days ending tonight in Paris", req.From, req.To)
		}
	})
	for _, tc := range []struct{ name, path, field string }{
		{"from_without_to", "/api/v1/kpis?brand=demo&from=2026-11-16", "to"},
		{"to_without_from", "/api/v1/kpis?brand=demo&to=2026-11-16", "from"},
		{"unknown_tz", "/api/v1/kpis?brand=demo&from=2026-11-16&to=2026-11-22&tz=Paris", "tz"},
		{"voice_without_name", "/api/v1/kpis?brand=demo&from=2026-11-16&to=2026-11-22&voice=x", "voice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, "GET", tc.path, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.field) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestPostPerformanceAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.PostPerformanceSubject: canned(query.PostPerformance{Brand: "demo", Posts: []query.PostStats{{Network: "sandbox", PlatformID: "42", Engagements: 50}}}),
	})
	rec := do(t, gw, "GET", "/api/v1/kpis/posts?brand=demo&from=2026-11-16&to=2026-11-22&tz=Europe/Paris&network=sandbox&limit=20", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"engagements":50`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var req query.PostPerformanceRequest
	si.last(t, query.PostPerformanceSubject, &req)
	if !req.From.Equal(time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC)) || !req.To.Equal(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)) ||
		req.TZ != "Europe/Paris" || req.Network != "sandbox" || req.Limit != 20 || req.Brand != "demo" {
		t.Fatalf("request %+v", req)
	}
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/kpis/posts?brand=demo&limit=0", "limit"},
		{"/api/v1/kpis/posts?brand=demo&limit=501", "limit"},
		{"/api/v1/kpis/posts?brand=demo&from=2026-11-16", "to"},
	} {
		if rec := do(t, gw, "GET", tc.path, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.field) {
			t.Errorf("%s: %d %s", tc.path, rec.Code, rec.Body)
		}
	}
	if rec := do(t, gw, "GET", "/api/v1/kpis/posts?brand=cafe", ""); rec.Code != 403 {
		t.Fatalf("another brand: %d %s", rec.Code, rec.Body)
	}
}

func TestSegmentsAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.SegmentSubject: canned(query.SegmentPage{Segment: "engaged", Items: []query.SegmentMember{{Network: "mastodon", AuthorID: "u1", Score: 4}}}),
	})
	rec := do(t, gw, "GET", "/api/v1/segments/engaged?brand=demo&network=mastodon&as_of=2026-11-23&limit=10&cursor=c1", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"author_id":"u1"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var req query.SegmentRequest
	si.last(t, query.SegmentSubject, &req)
	if req.Brand != "demo" || req.Segment != "engaged" || req.Network != "mastodon" || req.Limit != 10 || req.Cursor != "c1" ||
		!req.AsOf.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("request %+v", req)
	}
}

func TestContestsAPI(t *testing.T) {
	draw := query.ContestDraw{ID: "noel-2026", Brand: "demo", Seed: "00", Winners: []query.ContestEntry{{AuthorID: "a6"}}}
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ContestDrawSubject:   canned(draw),
		query.ContestGetSubject:    canned(draw),
		query.ContestVerifySubject: canned(query.ContestVerification{ID: "noel-2026", WinnersMatch: true, EligibleMatch: true}),
	})
	t.Run("draw_records_the_caller", func(t *testing.T) {
		rec := do(t, gw, "POST", "/api/v1/contests/draw?brand=demo", `{"id":"noel-2026","drawn_by":"someone-else","rules":{"network":"mastodon","post_id":"p1","winners":1,"keywords":["concours"]}}`)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"a6"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var req query.ContestDrawRequest
		si.last(t, query.ContestDrawSubject, &req)
		if req.Brand != "demo" || req.ID != "noel-2026" || req.Rules.PostID != "p1" || req.Rules.Winners != 1 || !strings.HasPrefix(req.DrawnBy, "key-") {
			t.Fatalf("request %+v", req)
		}
	})
	t.Run("draw_for_another_brand_is_403", func(t *testing.T) {
		if rec := do(t, gw, "POST", "/api/v1/contests/draw?brand=cafe", `{"rules":{}}`); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := do(t, gw, "POST", "/api/v1/contests/draw?brand=demo", `{"brand":"cafe","rules":{}}`); rec.Code != 400 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := do(t, gw, "POST", "/api/v1/contests/draw", `{"brand":"cafe","rules":{}}`); rec.Code != 403 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown_field_is_400", func(t *testing.T) {
		if rec := do(t, gw, "POST", "/api/v1/contests/draw", `{"brand":"demo","winner":"me"}`); rec.Code != 400 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("get_and_verify", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/contests/noel-2026?brand=demo", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"seed":"00"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec := do(t, gw, "POST", "/api/v1/contests/noel-2026/verify?brand=demo", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"winners_match":true`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var ref query.ContestRef
		si.last(t, query.ContestVerifySubject, &ref)
		if ref.Brand != "demo" || ref.ID != "noel-2026" {
			t.Fatalf("%+v", ref)
		}
	})
}

func TestCSVExports(t *testing.T) {
	at := time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ListInteractionsSubject: func(b json.RawMessage) (any, string) {
			var req query.SearchInteractionsRequest
			_ = json.Unmarshal(b, &req)
			if req.Brand == "masked" {
				return query.ListInteractionsResponse{Items: []query.Interaction{{ID: "mastodon:3", Network: "mastodon", Kind: "dm", CreatedAt: at,
					AuthorName: "claire@example.fr", Text: "Rappelez-moi au 06 12 34 56 78"}}}, ""
			}
			if req.Cursor == "" {
				return query.ListInteractionsResponse{Items: []query.Interaction{{ID: "mastodon:1", Network: "mastodon", Kind: "comment", CreatedAt: at,
					AuthorHandle: "@claire", Text: "Crème ; brûlée\n\"top\"", Priority: 1234, Labels: []string{"sentiment:positive", "lang:fr"}}}, NextCursor: "p2"}, ""
			}
			return query.ListInteractionsResponse{Items: []query.Interaction{{ID: "mastodon:2", Network: "mastodon", Kind: "dm", CreatedAt: at, Text: "=1+1"}}}, ""
		},
		query.SegmentSubject: func(b json.RawMessage) (any, string) {
			var req query.SegmentRequest
			_ = json.Unmarshal(b, &req)
			m := query.SegmentMember{Network: "mastodon", AuthorID: "u1", Reach: 50000, Score: 150000}
			if req.Brand == "masked" {
				m.Name = "u1@example.fr"
			}
			return query.SegmentPage{Items: []query.SegmentMember{m}}, ""
		},
		query.KPIsSubject: canned(query.KPIs{Brand: "demo", Volume: query.Volume{ByDay: []query.DayCount{{Day: "2026-11-16", Count: 1200}}},
			Sentiment: query.SentimentTrend{ByDay: []query.SentimentDay{{Day: "2026-11-16", Positive: 3}}}}),
		query.ContestGetSubject: canned(query.ContestDraw{ID: "noel", Eligible: []query.ContestEntry{{AuthorID: "a1"}, {AuthorID: "a2"}}, Winners: []query.ContestEntry{{AuthorID: "a2"}}}),
		// Brand "masked" chose to mask its exports; "demo" did not.
		query.GetReportSettingsSubject: func(b json.RawMessage) (any, string) {
			var req query.GetReportSettingsRequest
			_ = json.Unmarshal(b, &req)
			return query.ReportSettingsResponse{Brand: req.Brand, Settings: query.ReportSettings{MaskExports: req.Brand == "masked"}}, ""
		},
	})
	t.Run("interactions_masked_when_the_brand_chose_it", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/interactions?brand=masked&format=csv&locale=en", "")
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "[email]") {
			t.Fatalf("%d %q", rec.Code, body)
		}
		if strings.Contains(body, "claire@example.fr") || strings.Contains(body, "06 12 34 56 78") {
			t.Fatalf("personal data in a masked export: %q", body)
		}
		rec = do(t, gw, "GET", "/api/v1/segments/ambassadors?brand=masked&format=csv&locale=en", "")
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "u1@example.fr") || !strings.Contains(rec.Body.String(), "[email]") {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
	t.Run("interactions_in_french_over_every_page", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/interactions?brand=demo&format=csv&locale=fr&tz=Europe/Paris&kind=comment,dm", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(rec.Header().Get("Content-Disposition"), "interactions-demo.csv") {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
		want := "\ufeffidentifiant;réseau;type;créé le;auteur;nom;texte;verdict;priorité;étiquettes;lien\r\n" +
			"mastodon:1;mastodon;comment;23/11/2026 14:05;@claire;;\"Crème ; brûlée\r\n\"\"top\"\"\";;1\u00a0234;sentiment:positive,lang:fr;\r\n" +
			"mastodon:2;mastodon;dm;23/11/2026 14:05;;;'=1+1;;0;;\r\n"
		if got := rec.Body.String(); got != want {
			t.Fatalf("got\n%q\nwant\n%q", got, want)
		}
		var req query.SearchInteractionsRequest
		si.last(t, query.ListInteractionsSubject, &req)
		if req.Limit != query.MaxListLimit || req.Cursor != "p2" || strings.Join(req.Kinds, ",") != "comment,dm" {
			t.Fatalf("last page request %+v", req)
		}
	})
	t.Run("segment_in_english", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/segments/ambassadors?brand=demo&format=csv&locale=en", "")
		want := "\ufeffnetwork;author_id;handle;name;reach;interactions;in_window;positive;negative;first_seen;last_seen;score\r\nmastodon;u1;;;50000;0;0;0;0;;;150000\r\n"
		if rec.Code != 200 || rec.Body.String() != want {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
	t.Run("kpis_daily_series_in_french", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/kpis?brand=demo&from=2026-11-16&to=2026-11-22&format=csv&locale=fr", "")
		want := "\ufeffjour;volume;positifs;neutres;négatifs\r\n16/11/2026;1\u00a0200;3;0;0\r\n"
		if rec.Code != 200 || rec.Body.String() != want {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
	t.Run("contest_winners_first", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/contests/noel?brand=demo&format=csv", "")
		want := "\ufeffrank;network;author_id;handle;entry\r\n1;;a2;;\r\n;;a1;;\r\n"
		if rec.Code != 200 || rec.Body.String() != want {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
	t.Run("unknown_format_is_400", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/interactions?brand=demo&format=xlsx", ""); rec.Code != 400 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestWeeklyReportAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.WeeklyReportSubject: canned(query.WeeklyReport{Brand: "demo", Week: "2026-W47", HTML: "<!DOCTYPE html><h1>Rapport hebdomadaire</h1>"}),
	})
	t.Run("html_in_the_accept_language", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/api/v1/reports/weekly?brand=demo&week=2026-W47&tz=Europe/Paris&voice=Lumi%C3%A8re:lumiere", nil)
		req.Header.Set("X-Api-Key", demoKey)
		req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9")
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), "Rapport hebdomadaire") ||
			!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
		}
		var r query.WeeklyReportRequest
		si.last(t, query.WeeklyReportSubject, &r)
		if r.Brand != "demo" || r.Week != "2026-W47" || r.TZ != "Europe/Paris" || r.Locale != "fr" || len(r.Voices) != 1 {
			t.Fatalf("request %+v", r)
		}
	})
	t.Run("json", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/reports/weekly?brand=demo&format=json&locale=en", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"week":"2026-W47"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}
