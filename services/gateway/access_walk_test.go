package gateway_test

import (
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/gateway/access"
)

// tableRoute is one route of the permission table, its path parameters
// filled.
type tableRoute struct {
	method, route, path, rule string
}

// tableRoutes lists the registered routes with their table entry.
func (g *testGateway) tableRoutes() []tableRoute {
	table := gateway.PermissionTable()
	var out []tableRoute
	for _, r := range g.gw.Handler().Routes() {
		key := r.Method + " " + r.Path
		if rule := table[key]; rule != "" {
			out = append(out, tableRoute{r.Method, key, paramRE.ReplaceAllString(r.Path, "a-resource"), rule})
		}
	}
	return out
}

// TestRoleWalk walks every brand-scoped route as each role of brand a on
// its own brand: a route whose action the role does not allow is refused
// before its handler, for the API (the refusal names the role) and the
// workspace alike.
func TestRoleWalk(t *testing.T) {
	g := newTestGateway(t)
	walked := 0
	for _, role := range access.Roles {
		who, _ := g.join("a", string(role), string(role)+"@a.example")
		for _, r := range g.tableRoutes() {
			if r.rule == "public" || r.rule == "signed_in" || access.Allowed(role, access.Action(r.rule)) {
				continue
			}
			walked++
			got := g.do(who, r.method, r.path+"?brand=a", `{"brand":"a"}`)
			if got.code != 403 {
				t.Errorf("%s: %s = %d %s, want 403", role, r.route, got.code, got.body)
				continue
			}
			if !gateway.PageRoutes()[r.route] && !strings.Contains(got.body, "does not allow "+r.rule) {
				t.Errorf("%s: %s refused for another reason: %s", role, r.route, got.body)
			}
		}
	}
	if walked < 100 {
		t.Fatalf("only %d refusals walked", walked)
	}
}

// TestCSRFWalk: every state-changing route a session may call needs the
// CSRF token and this site's origin; the public ones (sign-in, language)
// refuse another site's origin.
func TestCSRFWalk(t *testing.T) {
	g := newTestGateway(t)
	owner, _ := g.join("a", "owner", "owner@a.example")
	noToken := owner
	noToken.csrf = ""
	crossSite := owner
	crossSite.origin = "https://evil.example"
	walked := 0
	for _, r := range g.tableRoutes() {
		if r.method == "GET" || r.method == "HEAD" {
			continue
		}
		walked++
		path := r.path + "?brand=a"
		if r.rule == "public" {
			if got := g.do(caller{origin: "https://evil.example"}, r.method, path, `{}`); got.code != 403 {
				t.Errorf("%s from another site = %d %s, want 403", r.route, got.code, got.body)
			}
			continue
		}
		if got := g.do(noToken, r.method, path, `{}`); got.code != 403 || !strings.Contains(got.body, "CSRF") {
			t.Errorf("%s without the CSRF token = %d %s, want 403", r.route, got.code, got.body)
		}
		if got := g.do(crossSite, r.method, path, `{}`); got.code != 403 || !strings.Contains(got.body, "cross-origin") {
			t.Errorf("%s from another site = %d %s, want 403", r.route, got.code, got.body)
		}
	}
	if walked < 80 {
		t.Fatalf("only %d state-changing routes walked", walked)
	}
	// The session still works: nothing above signed it out.
	g.must(owner, "GET", "/api/v1/me", ``, 200)
}
