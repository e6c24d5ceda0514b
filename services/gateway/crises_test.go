package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

func TestCrisesAPI(t *testing.T) {
	conn := testkit.NATS(t)
	// A stand-in for moderation on the real bus.
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.ModerationService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	var mu sync.Mutex
	var lists []query.ListCrisesRequest
	var puts []query.PutCrisisWebhookRequest
	add := func(subject string, fn func(r micro.Request)) {
		if err := svc.AddEndpoint(strings.ReplaceAll(subject, ".", "_"), micro.HandlerFunc(fn), micro.WithEndpointSubject(subject)); err != nil {
			t.Fatal(err)
		}
	}
	add(query.ListCrisesSubject, func(r micro.Request) {
		var req query.ListCrisesRequest
		_ = json.Unmarshal(r.Data(), &req)
		mu.Lock()
		lists = append(lists, req)
		mu.Unlock()
		if req.Status == "closed" {
			_ = r.Error(query.CodeBadRequest, `status: must be open or resolved, got "closed"`, []byte(`{"field":"status"}`))
			return
		}
		_ = r.RespondJSON(query.ListCrisesResponse{Brand: req.Brand, Crises: []query.Crisis{{ID: "crisis:demo:1", Brand: req.Brand, Status: query.CrisisOpen, Trigger: query.TriggerVolume}}})
	})
	add(query.PutCrisisWebhookSubject, func(r micro.Request) {
		var req query.PutCrisisWebhookRequest
		_ = json.Unmarshal(r.Data(), &req)
		mu.Lock()
		puts = append(puts, req)
		mu.Unlock()
		_ = r.RespondJSON(query.CrisisWebhook{Brand: req.Brand, URL: req.URL, Secret: "whsec_x", UpdatedBy: req.UpdatedBy})
	})
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"lists_the_brand_crises", "GET", "/api/v1/crises?brand=demo&status=open&limit=5", ``, 200, `"trigger":"volume"`},
		{"brand_is_required", "GET", "/api/v1/crises", ``, 400, `"field":"brand"`},
		{"other_brand_is_403", "GET", "/api/v1/crises?brand=cafe", ``, 403, "forbidden"},
		{"bad_limit_is_400", "GET", "/api/v1/crises?brand=demo&limit=many", ``, 400, `"field":"limit"`},
		{"bad_status_names_the_field", "GET", "/api/v1/crises?brand=demo&status=closed", ``, 400, `"field":"status"`},
		{"sets_the_webhook_as_the_key", "PUT", "/api/v1/crises/webhook?brand=demo", `{"url":"https://hooks.example.com/ruche"}`, 200, `"secret":"whsec_x"`},
		{"webhook_refuses_unknown_fields", "PUT", "/api/v1/crises/webhook?brand=demo", `{"endpoint":"https://x"}`, 400, `unknown field`},
		{"webhook_of_another_brand_is_403", "PUT", "/api/v1/crises/webhook?brand=cafe", `{"url":"https://x"}`, 403, "forbidden"},
		{"moderation_down_is_503", "GET", "/api/v1/crises/webhook?brand=demo", ``, 503, "unavailable"},
	} {
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
	mu.Lock()
	defer mu.Unlock()
	if len(lists) != 2 || lists[0] != (query.ListCrisesRequest{Brand: "demo", Status: "open", Limit: 5}) {
		t.Errorf("list requests %+v", lists)
	}
	if len(puts) != 1 || puts[0].UpdatedBy == "" || puts[0].URL != "https://hooks.example.com/ruche" {
		t.Errorf("webhook requests %+v", puts)
	}
}
