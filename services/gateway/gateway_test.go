package gateway_test

import (
	"encoding/json"
	"net/http"
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

const (
	demoKey  = "demo-key-0123456789abcdef"
	adminKey = "admin-key-0123456789abcdef"
)

func TestParseAPIKeys(t *testing.T) {
	cases := []struct {
		name, in string
		ok       bool
	}{
		{"empty", "", true},
		{"two_entries", demoKey + ":demo " + adminKey + ":*", true},
		{"several_brands", demoKey + ":demo,cafe-lumiere", true},
		{"short_key", "short:demo", false},
		{"no_brand", demoKey + ":", false},
		{"no_colon", demoKey, false},
		{"bad_brand", demoKey + ":Demo Brand", false},
		{"duplicate", demoKey + ":a " + demoKey + ":b", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.ParseAPIKeys(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestInteractionsAPI(t *testing.T) {
	conn := testkit.NATS(t)
	// A stand-in for analytics on the real bus: it answers the query contract.
	var seen []query.ListInteractionsRequest
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.AnalyticsService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	err = svc.AddEndpoint("list", micro.HandlerFunc(func(r micro.Request) {
		var req query.ListInteractionsRequest
		_ = json.Unmarshal(r.Data(), &req)
		seen = append(seen, req)
		if req.Cursor == "bad" {
			_ = r.Error(query.CodeBadRequest, "cursor is not valid", nil)
			return
		}
		_ = r.RespondJSON(query.ListInteractionsResponse{Items: []query.Interaction{{ID: "generic:1", Brand: req.Brand, Text: "Bonjour"}}, NextCursor: "n1"})
	}), micro.WithEndpointSubject(query.ListInteractionsSubject))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo " + adminKey + ":*", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		path     string
		auth     string
		status   int
		contains string
	}{
		{"no_key_is_401", "/api/v1/interactions?brand=demo", "", 401, "unauthorized"},
		{"wrong_key_is_401", "/api/v1/interactions?brand=demo", "Bearer not-a-key-0123456789abcdef", 401, "unauthorized"},
		{"other_brand_is_403", "/api/v1/interactions?brand=cafe", "Bearer " + demoKey, 403, "forbidden"},
		{"missing_brand_is_400", "/api/v1/interactions", "Bearer " + demoKey, 400, `"field":"brand"`},
		{"bad_limit_is_400", "/api/v1/interactions?brand=demo&limit=0", "Bearer " + demoKey, 400, `"field":"limit"`},
		{"lists_from_analytics", "/api/v1/interactions?brand=demo&limit=10", "Bearer " + demoKey, 200, `"next_cursor":"n1"`},
		{"wildcard_key_sees_any_brand", "/api/v1/interactions?brand=cafe", "Bearer " + adminKey, 200, `"brand":"cafe"`},
		{"service_400_is_passed_on", "/api/v1/interactions?brand=demo&cursor=bad", "Bearer " + demoKey, 400, "cursor is not valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			gw.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s = %d %s", tc.path, rec.Code, rec.Body)
			}
		})
	}
	if len(seen) != 3 || seen[0].Brand != "demo" || seen[0].Limit != 10 {
		t.Fatalf("analytics saw %+v", seen)
	}
	t.Run("no_responder_is_503", func(t *testing.T) {
		_ = svc.Stop()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/interactions?brand=demo", nil)
		req.Header.Set("X-Api-Key", demoKey)
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req)
		if rec.Code != 503 {
			t.Fatalf("= %d %s", rec.Code, rec.Body)
		}
	})
}
