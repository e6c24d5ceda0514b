package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestCrisesAPI(t *testing.T) {
	// A stand-in answers moderation's crisis subjects (subjects route, not
	// the stand-in's service name).
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ListCrisesSubject: func(raw json.RawMessage) (any, string) {
			var req query.ListCrisesRequest
			_ = json.Unmarshal(raw, &req)
			if req.Status == "closed" {
				return `status: must be open or resolved, got "closed"`, query.CodeBadRequest
			}
			return query.ListCrisesResponse{Brand: req.Brand, Crises: []query.Crisis{{ID: "crisis:demo:1", Brand: req.Brand, Status: query.CrisisOpen, Trigger: query.TriggerVolume}}}, ""
		},
		query.PutCrisisWebhookSubject: func(raw json.RawMessage) (any, string) {
			var req query.PutCrisisWebhookRequest
			_ = json.Unmarshal(raw, &req)
			return query.CrisisWebhook{Brand: req.Brand, URL: req.URL, Secret: "whsec_x", UpdatedBy: req.UpdatedBy}, ""
		},
	})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"lists_the_brand_crises", "GET", "/api/v1/crises?brand=demo&status=open&limit=5", ``, 200, `"trigger":"volume"`},
		{"brand_is_required", "GET", "/api/v1/crises", ``, 400, `"field":"brand"`},
		{"other_brand_is_403", "GET", "/api/v1/crises?brand=cafe", ``, 403, "forbidden"},
		{"bad_limit_is_400", "GET", "/api/v1/crises?brand=demo&limit=many", ``, 400, `"field":"limit"`},
		{"bad_status_is_400", "GET", "/api/v1/crises?brand=demo&status=closed", ``, 400, `status: must be open or resolved`},
		{"sets_the_webhook_as_the_key", "PUT", "/api/v1/crises/webhook?brand=demo", `{"url":"https://hooks.example.com/ruche"}`, 200, `"secret":"whsec_x"`},
		{"webhook_refuses_unknown_fields", "PUT", "/api/v1/crises/webhook?brand=demo", `{"endpoint":"https://x"}`, 400, `unknown field`},
		{"webhook_of_another_brand_is_403", "PUT", "/api/v1/crises/webhook?brand=cafe", `{"url":"https://x"}`, 403, "forbidden"},
		{"moderation_down_is_503", "GET", "/api/v1/crises/webhook?brand=demo", ``, 503, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, tc.method, tc.path, tc.body); rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
		})
	}
	var list query.ListCrisesRequest
	si.last(t, query.ListCrisesSubject, &list)
	if list != (query.ListCrisesRequest{Brand: "demo", Status: "closed"}) {
		t.Errorf("last list request %+v", list)
	}
	var put query.PutCrisisWebhookRequest
	si.last(t, query.PutCrisisWebhookSubject, &put)
	if put.UpdatedBy == "" || put.URL != "https://hooks.example.com/ruche" || put.Brand != "demo" {
		t.Errorf("webhook request %+v", put)
	}
}
