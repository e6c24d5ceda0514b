package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestWebhooksAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.ListWebhooks.Subject(): canned(query.WebhookList{Webhooks: []query.Webhook{{ID: "wh_0011223344556677", Brand: "demo", URL: "https://crm.example.com/in"}}}),
		query.PutWebhook.Subject(): func(raw json.RawMessage) (any, string) {
			var req query.PutWebhookRequest
			_ = json.Unmarshal(raw, &req)
			if len(req.Events) == 0 {
				return "events: name at least one event", query.CodeBadRequest
			}
			id := req.ID
			if id == "" {
				id = "wh_0011223344556677"
			}
			return query.Webhook{ID: id, Brand: req.Brand, URL: req.URL, Events: req.Events, Active: true, Secret: "whsec_once"}, ""
		},
		query.DeleteWebhook.Subject(): func(raw json.RawMessage) (any, string) {
			var req query.WebhookRef
			_ = json.Unmarshal(raw, &req)
			if req.ID != "wh_0011223344556677" {
				return "webhook not found", query.CodeNotFound
			}
			return query.Empty{}, ""
		},
		query.ListWebhookDeliveries.Subject(): canned(query.WebhookDeliveries{Deliveries: []query.WebhookDelivery{{ID: "whd_1", State: query.DeliveryDelivered, Attempts: 2, LastStatus: 200}}}),
	})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"lists", "GET", "/api/v1/webhooks?brand=demo", ``, 200, `"url":"https://crm.example.com/in"`},
		{"creates_with_the_secret_once", "POST", "/api/v1/webhooks?brand=demo", `{"url":"https://crm.example.com/in","events":["draft.*"]}`, 201, `"secret":"whsec_once"`},
		{"updates", "PUT", "/api/v1/webhooks/wh_0011223344556677?brand=demo", `{"url":"https://crm.example.com/v2","events":["*"],"rotate_secret":true}`, 200, `"url":"https://crm.example.com/v2"`},
		{"a_new_webhook_has_no_secret_to_rotate", "POST", "/api/v1/webhooks?brand=demo", `{"url":"https://x.example.com","events":["*"],"rotate_secret":true}`, 400, `"field":"rotate_secret"`},
		{"publishing_refusals_pass_through", "POST", "/api/v1/webhooks?brand=demo", `{"url":"https://x.example.com","events":[]}`, 400, `events: name at least one event`},
		{"unknown_fields_are_refused", "POST", "/api/v1/webhooks?brand=demo", `{"url":"https://x.example.com","events":["*"],"secret":"mine"}`, 400, "unknown field"},
		{"another_brand_is_403", "GET", "/api/v1/webhooks?brand=cafe", ``, 403, "forbidden"},
		{"deliveries", "GET", "/api/v1/webhooks/wh_0011223344556677/deliveries?brand=demo&limit=10", ``, 200, `"last_status":200`},
		{"bad_limit", "GET", "/api/v1/webhooks/wh_0011223344556677/deliveries?brand=demo&limit=0", ``, 400, `"field":"limit"`},
		{"deletes", "DELETE", "/api/v1/webhooks/wh_0011223344556677?brand=demo", ``, 204, ``},
		{"unknown_is_404", "DELETE", "/api/v1/webhooks/wh_ffffffffffffffff?brand=demo", ``, 404, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, tc.method, tc.path, tc.body); rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
		})
	}
	var put query.PutWebhookRequest
	si.last(t, query.PutWebhook.Subject(), &put)
	if put.UpdatedBy == "" || put.Brand != "demo" {
		t.Errorf("last put %+v", put)
	}
	t.Run("the_audit_log_never_holds_the_secret", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/audit?brand=demo&action=webhooks.manage", "")
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "whsec_once") || !strings.Contains(rec.Body.String(), "crm.example.com") {
			t.Fatalf("audit = %d %s", rec.Code, rec.Body)
		}
	})
}

func TestDraftMetricsAndAuditSearchAPI(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.GetDraftMetrics.Subject(): canned(query.DraftMetrics{Approved: 2, Rejected: 1, AcceptanceRate: 0.667}),
		query.SearchAudit.Subject():     canned(query.AuditSearchResult{NextCursor: "1795167000000.r1"}),
	})
	for _, tc := range []struct {
		name, path string
		status     int
		contains   string
	}{
		{"draft_metrics", "/api/v1/kpis/drafts?brand=demo&from=2026-11-16&to=2026-11-22&tz=Europe/Paris", 200, `"acceptance_rate":0.667`},
		{"draft_metrics_bad_tz", "/api/v1/kpis/drafts?brand=demo&tz=Mars/Olympus", 400, `"field":"tz"`},
		{"draft_metrics_bad_date", "/api/v1/kpis/drafts?brand=demo&from=yesterday", 400, `"field":"from"`},
		{"audit_search", "/api/v1/audit/search?brand=demo&actor=u-1&action=cases.decide&since=2026-11-16&limit=5", 200, `"next_cursor":"1795167000000.r1"`},
		{"audit_search_bad_limit", "/api/v1/audit/search?brand=demo&limit=5000", 400, `"field":"limit"`},
		{"audit_search_other_brand", "/api/v1/audit/search?brand=cafe", 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := do(t, gw, "GET", tc.path, ""); rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("GET %s = %d %s", tc.path, rec.Code, rec.Body)
			}
		})
	}
	var m query.DraftMetricsRequest
	si.last(t, query.GetDraftMetrics.Subject(), &m)
	paris, _ := time.LoadLocation("Europe/Paris")
	if !m.From.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, paris)) || !m.To.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, paris)) {
		t.Errorf("period asked %v – %v, want the 16th to the 22nd inclusive in Paris", m.From, m.To)
	}
	var a query.SearchAuditRequest
	si.last(t, query.SearchAudit.Subject(), &a)
	if a.Actor != "u-1" || a.Action != "cases.decide" || a.Since == nil || a.Limit != 5 {
		t.Errorf("audit search asked %+v", a)
	}
}
