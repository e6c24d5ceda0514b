package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/gateway"
)

// TestSavedViews: a user's inbox views are theirs and their brand's, kept
// by the server; bad names and queries are refused naming the field.
func TestSavedViews(t *testing.T) {
	g := newTestGateway(t)
	camille, _ := g.join("a", "moderator", "camille@a.example")
	dominique, _ := g.join("a", "moderator", "dominique@a.example")

	var views gateway.ViewsView
	g.must(camille, "PUT", "/api/v1/views/Urgents?brand=a", `{"query":"brand=a&min_priority=70&status=open&cursor=x&q="}`, 200).decode(t, &views)
	if len(views.Items) != 1 || views.Items[0].Name != "Urgents" || views.Items[0].Query != "min_priority=70&status=open" {
		t.Fatalf("saved: %+v", views)
	}
	g.must(camille, "PUT", "/api/v1/views/N%C3%A9gatifs?brand=a", `{"query":"sentiment=negative&label=spam"}`, 200)
	g.must(camille, "GET", "/api/v1/views?brand=a", "", 200).decode(t, &views)
	if len(views.Items) != 2 || views.Items[1].Name != "Négatifs" {
		t.Fatalf("listed: %+v", views)
	}
	// Another user of the brand has their own views.
	g.must(dominique, "GET", "/api/v1/views?brand=a", "", 200).decode(t, &views)
	if len(views.Items) != 0 {
		t.Fatalf("dominique sees %+v", views)
	}
	// Another brand is refused.
	if r := g.do(camille, "GET", "/api/v1/views?brand=b", ""); r.code != http.StatusForbidden {
		t.Fatalf("brand b: %d %s", r.code, r.body)
	}
	if r := g.do(camille, "PUT", "/api/v1/views/x?brand=b", `{"query":""}`); r.code != http.StatusForbidden {
		t.Fatalf("put on brand b: %d %s", r.code, r.body)
	}
	for _, tc := range []struct{ name, path, body, field string }{
		{"unknown_parameter", "/api/v1/views/x?brand=a", `{"query":"evil=1"}`, `"field":"query"`},
		{"broken_query", "/api/v1/views/x?brand=a", `{"query":"a=%zz"}`, `"field":"query"`},
		{"long_name", "/api/v1/views/" + strings.Repeat("n", 41) + "?brand=a", `{"query":""}`, `"field":"name"`},
		{"blank_name", "/api/v1/views/%20?brand=a", `{"query":""}`, `"field":"name"`},
		{"unknown_field", "/api/v1/views/x?brand=a", `{"filter":""}`, `"field":"body"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := g.do(camille, "PUT", tc.path, tc.body); r.code != http.StatusBadRequest || !strings.Contains(r.body, tc.field) {
				t.Fatalf("%d %s", r.code, r.body)
			}
		})
	}
	g.must(camille, "DELETE", "/api/v1/views/Urgents?brand=a", "", 200).decode(t, &views)
	if len(views.Items) != 1 || views.Items[0].Name != "Négatifs" {
		t.Fatalf("after delete: %+v", views)
	}
	g.must(camille, "DELETE", "/api/v1/views/Urgents?brand=a", "", 404)
}
