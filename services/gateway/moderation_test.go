package gateway_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
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

func TestModerationAPI(t *testing.T) {
	conn := testkit.NATS(t)
	// A stand-in for moderation on the real bus.
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.ModerationService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	var puts []query.PutPolicyRequest
	var decides []query.DecideCaseRequest
	add := func(subject string, fn func(r micro.Request)) {
		if err := svc.AddEndpoint(strings.ReplaceAll(subject, ".", "_"), micro.HandlerFunc(fn), micro.WithEndpointSubject(subject)); err != nil {
			t.Fatal(err)
		}
	}
	add(query.PutPolicySubject, func(r micro.Request) {
		var req query.PutPolicyRequest
		_ = json.Unmarshal(r.Data(), &req)
		puts = append(puts, req)
		switch {
		case len(req.Document.Rules) > 0 && req.Document.Rules[0].When.Regex == "(":
			_ = r.Error(query.CodeBadRequest, "rules[0].when.regex: is not a valid RE2 expression", []byte(`{"field":"rules[0].when.regex"}`))
		case req.BaseVersion == 1:
			_ = r.Error(query.CodeConflict, "base_version 1 is not the latest version", nil)
		default:
			_ = r.RespondJSON(query.PolicyVersion{Brand: req.Brand, Version: req.BaseVersion + 1, Document: req.Document, SavedBy: req.SavedBy})
		}
	})
	add(query.DecideCaseSubject, func(r micro.Request) {
		var req query.DecideCaseRequest
		_ = json.Unmarshal(r.Data(), &req)
		decides = append(decides, req)
		_ = r.RespondJSON(query.DecideCaseResponse{Publish: "hide"})
	})
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	member := fmt.Sprintf("key-%x", sha256.Sum256([]byte(demoKey)))[:12]
	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"saves_a_version", "PUT", "/api/v1/policies?brand=demo", `{"base_version":0,"document":{"rules":[{"name":"a","when":{"labels":["spam"]},"then":["hide"]}]}}`, 201, `"version":1`},
		{"names_the_rule_and_field_of_a_bad_rule", "PUT", "/api/v1/policies?brand=demo", `{"document":{"rules":[{"name":"a","when":{"regex":"("},"then":["hide"]}]}}`, 400, `"field":"rules[0].when.regex"`},
		{"refuses_an_unknown_field", "PUT", "/api/v1/policies?brand=demo", `{"document":{"rules":[{"name":"a","when":{"keyword":["x"]},"then":["hide"]}]}}`, 400, `unknown field`},
		{"a_stale_base_is_409", "PUT", "/api/v1/policies?brand=demo", `{"base_version":1,"document":{"rules":[]}}`, 409, `"code":"conflict"`},
		{"other_brand_is_403", "PUT", "/api/v1/policies?brand=cafe", `{}`, 403, "forbidden"},
		{"decides_as_the_key", "POST", "/api/v1/cases/mastodon:42/decide?brand=demo", `{"decision":"hide","reason":"insult"}`, 200, `"publish":"hide"`},
		{"assigns_to_a_member_of_the_brand", "POST", "/api/v1/cases/mastodon:42/decide?brand=demo", `{"decision":"assign","assignee":"` + member + `"}`, 200, `"publish":"hide"`},
		{"assigning_to_a_stranger_is_400", "POST", "/api/v1/cases/mastodon:42/decide?brand=demo", `{"decision":"assign","assignee":"mallory"}`, 400, `"field":"assignee"`},
		{"a_repeated_brand_is_400", "PUT", "/api/v1/policies?brand=demo&brand=cafe", `{}`, 400, `"field":"brand"`},
		{"moderation_down_is_503", "POST", "/api/v1/cases/mastodon:42/claim?brand=demo", ``, 503, "unavailable"},
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
	if len(puts) == 0 || !strings.HasPrefix(puts[0].SavedBy, "key-") {
		t.Fatalf("saved by %+v, want the API key's id", puts)
	}
	if len(decides) != 2 || decides[1].Assignee != member || decides[0].InteractionID != "mastodon:42" || decides[0].Moderator != puts[0].SavedBy {
		t.Fatalf("decides %+v", decides)
	}
}
