package gateway_test

import (
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/gateway"
)

// TestOpenAPI holds the document to the router: every route is documented
// with the permission the table gives it, and every documented operation
// is a route.
func TestOpenAPI(t *testing.T) {
	g := newTestGateway(t)
	spec, err := gateway.ParseSpec(gateway.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	table := gateway.PermissionTable()
	documented := map[string]bool{}
	for path, methods := range spec.Paths {
		for m, op := range methods {
			key := strings.ToUpper(m) + " " + echoPath(path)
			documented[key] = true
			if op.Permission != table[key] {
				t.Errorf("%s: x-ruche-permission %q, the table says %q", key, op.Permission, table[key])
			}
			if op.Summary == "" {
				t.Errorf("%s has no summary", key)
			}
			hasBrand := false
			for _, p := range op.Parameters {
				hasBrand = hasBrand || strings.HasSuffix(p.Ref, "/brand")
			}
			if brandScoped := table[key] != "public" && table[key] != "signed_in"; brandScoped != hasBrand {
				t.Errorf("%s: brand parameter documented = %v", key, hasBrand)
			}
		}
	}
	for _, r := range g.gw.Handler().Routes() {
		if strings.HasPrefix(r.Method, "echo_") || gateway.PageRoutes()[r.Method+" "+r.Path] {
			continue // the workspace's pages are not API
		}
		if key := r.Method + " " + r.Path; !documented[key] {
			t.Errorf("route %s is not in openapi.yaml", key)
		} else {
			delete(documented, key)
		}
	}
	for key := range documented {
		t.Errorf("openapi.yaml documents %s, which is not a route", key)
	}
	page := g.must(caller{}, "GET", "/docs", ``, 200).body
	for _, want := range []string{"/api/v1/audit", "cases.decide", "/openapi.yaml"} {
		if !strings.Contains(page, want) {
			t.Errorf("/docs lacks %q", want)
		}
	}
	if y := g.must(caller{}, "GET", "/openapi.yaml", ``, 200).body; !strings.HasPrefix(y, "openapi: 3.1.0") {
		t.Fatal(y[:40])
	}
	g.must(caller{}, "GET", "/welcome", ``, 200)
}

// echoPath turns /users/{id} into echo's /users/:id.
func echoPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '{':
			b.WriteByte(':')
		case '}':
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}
