package gateway_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestPlanningAPI(t *testing.T) {
	const file = "\ufeffDate;Heure;Réseau;Texte\r\n14/12/2026;09:30;sandbox;Bonjour ; à tous\r\n"
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ImportPosts.Subject(): func(b json.RawMessage) (any, string) {
			var req query.ImportPostsRequest
			_ = json.Unmarshal(b, &req)
			res := query.ImportPostsResult{DryRun: req.DryRun}
			if strings.Contains(string(req.CSV), "31/02") {
				res.Problems = []query.ImportProblem{{Row: 2, Column: "Date", Message: query.Localized{FR: "date", EN: "date"}}}
			} else if !req.DryRun {
				res.Created = []string{"imp-1-2"}
			}
			return res, ""
		},
		query.PutQueue.Subject(): func(b json.RawMessage) (any, string) {
			var q query.PutQueueRequest
			_ = json.Unmarshal(b, &q)
			return q.Queue, ""
		},
		query.GetQueue.Subject():         canned(query.Queue{Brand: "demo", Network: "sandbox"}),
		query.AddToQueue.Subject():       canned(query.Post{ID: "p-1", State: "scheduled"}),
		query.RecycleEvergreen.Subject(): canned(query.RecycleResult{Created: []query.Post{{ID: "eg-p-1-1"}}}),
		query.CreateFeedToken.Subject():  canned(query.FeedToken{Brand: "demo", Token: "tok", Path: "/ical/demo/tok.ics"}),
		query.RevokeFeedToken.Subject():  canned(query.Empty{}),
		query.GetFeed.Subject(): func(b json.RawMessage) (any, string) {
			var req query.FeedRequest
			_ = json.Unmarshal(b, &req)
			if req.Brand != "demo" || req.Token != "tok" {
				return "no such calendar feed", query.CodeNotFound
			}
			return query.Feed{Calendar: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}, ""
		},
	})
	t.Run("import_csv_body_as_sent", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/posts/import?brand=demo&dry_run=true&zone=Europe/Paris", strings.NewReader(file))
		req.Header.Set("X-Api-Key", demoKey)
		req.Header.Set("Content-Type", "text/csv")
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var got query.ImportPostsRequest
		si.last(t, query.ImportPosts.Subject(), &got)
		if string(got.CSV) != file || !got.DryRun || got.Zone != "Europe/Paris" || got.Brand != "demo" || got.By == "" {
			t.Fatalf("forwarded %+v", got)
		}
	})
	t.Run("import_multipart_file", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormFile("file", "mois.csv")
		_, _ = part.Write([]byte(file))
		_ = mw.Close()
		req := httptest.NewRequest("POST", "/api/v1/posts/import?brand=demo", &body)
		req.Header.Set("X-Api-Key", demoKey)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		if rec.Code != 201 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var got query.ImportPostsRequest
		si.last(t, query.ImportPosts.Subject(), &got)
		if string(got.CSV) != file || got.DryRun {
			t.Fatalf("forwarded %+v", got)
		}
	})
	t.Run("import_with_problems_is_422", func(t *testing.T) {
		rec := do(t, gw, "POST", "/api/v1/posts/import?brand=demo", "Date;Heure;Réseau;Texte\n31/02/2027;10:00;sandbox;x\n")
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"column":"Date"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	for _, tc := range []struct{ name, method, path, body, field string }{
		{"import_empty_file", "POST", "/api/v1/posts/import?brand=demo", "", "file"},
		{"import_bad_dry_run", "POST", "/api/v1/posts/import?brand=demo&dry_run=peut-etre", "x", "dry_run"},
		{"slots_need_a_network", "GET", "/api/v1/slots?brand=demo", "", "network"},
		{"queue_needs_a_post", "POST", "/api/v1/queue?brand=demo", `{"post_id":"a.b","revision":2}`, "post_id"},
		{"queue_needs_a_revision", "POST", "/api/v1/queue?brand=demo", `{"post_id":"p-1"}`, "revision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, tc.method, tc.path, tc.body); rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.field) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("slots_and_queue_forwarded", func(t *testing.T) {
		rec := do(t, gw, "PUT", "/api/v1/slots?brand=demo&network=sandbox", `{"zone":"Europe/Paris","slots":[{"weekday":1,"time":"09:00"}],"evergreen_gap_days":30,"evergreen_max_reposts":4,"evergreen_ahead_days":14,"revision":1}`)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var put query.PutQueueRequest
		si.last(t, query.PutQueue.Subject(), &put)
		if put.Brand != "demo" || put.Network != "sandbox" || put.Zone != "Europe/Paris" || len(put.Slots) != 1 || put.EvergreenGapDays != 30 || put.EvergreenMaxReposts != 4 || put.EvergreenAheadDays != 14 || put.Revision != 1 || put.By == "" {
			t.Fatalf("forwarded %+v", put)
		}
		if rec := do(t, gw, "POST", "/api/v1/queue?brand=demo", `{"post_id":"p-1","revision":3,"network":"sandbox"}`); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var add query.AddToQueueRequest
		si.last(t, query.AddToQueue.Subject(), &add)
		if add.ID != "p-1" || add.Brand != "demo" || add.Revision != 3 || add.Network != "sandbox" {
			t.Fatalf("forwarded %+v", add)
		}
		if rec := do(t, gw, "POST", "/api/v1/queue/recycle?brand=demo&network=sandbox", `{"count":3}`); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var rc query.RecycleRequest
		si.last(t, query.RecycleEvergreen.Subject(), &rc)
		if rc.Brand != "demo" || rc.Network != "sandbox" || rc.Count != 3 || rc.By == "" {
			t.Fatalf("forwarded %+v", rc)
		}
		if rec := do(t, gw, "GET", "/api/v1/slots?brand=cafe&network=sandbox", ""); rec.Code != 403 {
			t.Fatalf("other brand: %d", rec.Code)
		}
	})
	t.Run("feed_is_public_and_its_token_is_the_credential", func(t *testing.T) {
		if rec := do(t, gw, "POST", "/api/v1/calendar/feed-token?brand=demo", ""); rec.Code != 201 || !strings.Contains(rec.Body.String(), "/ical/demo/tok.ics") {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		get := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			gw.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec
		}
		rec := get("/ical/demo/tok.ics")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/calendar; charset=utf-8" || !strings.HasPrefix(rec.Body.String(), "BEGIN:VCALENDAR\r\n") {
			t.Fatalf("feed: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		for _, path := range []string{"/ical/demo/wrong.ics", "/ical/demo/tok", "/ical/other/tok.ics"} {
			if rec := get(path); rec.Code != 404 {
				t.Errorf("%s: %d, want 404", path, rec.Code)
			}
		}
		if rec := do(t, gw, "DELETE", "/api/v1/calendar/feed-token?brand=demo", ""); rec.Code != 204 {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
		}
	})
}
