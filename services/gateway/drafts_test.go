package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

func TestDraftsAPI(t *testing.T) {
	conn := testkit.NATS(t)
	// A stand-in for drafting on the real bus.
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.DraftingService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	var reviews []query.ReviewDraftRequest
	add := func(subject string, fn func(r micro.Request)) {
		if err := svc.AddEndpoint(strings.ReplaceAll(subject, ".", "_"), micro.HandlerFunc(fn), micro.WithEndpointSubject(subject)); err != nil {
			t.Fatal(err)
		}
	}
	add(query.ApproveDraft.Subject(), func(r micro.Request) {
		var req query.ReviewDraftRequest
		_ = json.Unmarshal(r.Data(), &req)
		reviews = append(reviews, req)
		if req.Version != 2 {
			_ = r.Error(query.CodeConflict, "the draft is at version 2, not 1: read it again", nil)
			return
		}
		_ = r.RespondJSON(query.Draft{Status: query.DraftApproved})
	})
	add(query.ListDrafts.Subject(), func(r micro.Request) {
		_ = r.RespondJSON(query.DraftList{Drafts: []query.Draft{{Status: query.DraftPending}}})
	})
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"lists_a_brands_drafts", "GET", "/api/v1/drafts?brand=demo&status=pending", ``, 200, `"status":"pending"`},
		{"an_unknown_status_is_400", "GET", "/api/v1/drafts?brand=demo&status=sent", ``, 400, `"field":"status"`},
		{"approves_as_the_key", "POST", "/api/v1/drafts/mastodon:42/approve?brand=demo", `{"version":2}`, 200, `"status":"approved"`},
		{"a_stale_version_is_409", "POST", "/api/v1/drafts/mastodon:42/approve?brand=demo", `{"version":1}`, 409, `"code":"conflict"`},
		{"a_missing_version_is_400", "POST", "/api/v1/drafts/mastodon:42/approve?brand=demo", `{}`, 400, `"field":"version"`},
		{"other_brand_is_403", "POST", "/api/v1/drafts/mastodon:42/approve?brand=cafe", `{"version":2}`, 403, "forbidden"},
		{"a_bad_reply_language_is_400", "GET", "/api/v1/drafts/settings/replies?brand=demo&lang=de", ``, 400, `"field":"lang"`},
		{"drafting_down_is_503", "GET", "/api/v1/drafts/settings?brand=demo", ``, 503, "unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+demoKey)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			gw.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
		})
	}
	if len(reviews) != 2 || reviews[0].InteractionID != "mastodon:42" || !strings.HasPrefix(reviews[0].By, "key-") || reviews[0].Brand != "demo" {
		t.Fatalf("reviews %+v", reviews)
	}
}
