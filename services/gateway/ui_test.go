package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/gateway"
)

// form posts a form as a browser does (Origin of this site).
func (g *testGateway) form(who caller, path string, values url.Values, header ...string) reply {
	g.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if who.session != "" {
		req.AddCookie(&http.Cookie{Name: gateway.SessionCookie, Value: who.session})
	}
	rec := httptest.NewRecorder()
	g.gw.Handler().ServeHTTP(rec, req)
	cookies := map[string]*http.Cookie{}
	for _, ck := range rec.Result().Cookies() {
		cookies[ck.Name] = ck
	}
	return reply{code: rec.Code, body: rec.Body.String(), cookies: cookies, header: rec.Header()}
}

// page gets a workspace page as a browser does.
func (g *testGateway) page(who caller, path string, header ...string) reply {
	g.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if who.session != "" {
		req.AddCookie(&http.Cookie{Name: gateway.SessionCookie, Value: who.session})
	}
	rec := httptest.NewRecorder()
	g.gw.Handler().ServeHTTP(rec, req)
	return reply{code: rec.Code, body: rec.Body.String(), header: rec.Header()}
}

func TestUISignIn(t *testing.T) {
	g := newTestGateway(t)
	g.join("a", "moderator", "camille@a.example")

	r := g.page(caller{}, "/inbox?brand=a")
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/signin?next=%2Finbox%3Fbrand%3Da" {
		t.Fatalf("signed out: %d %q", r.code, r.header.Get("Location"))
	}
	r = g.page(caller{}, "/inbox/list?brand=a", "HX-Request", "true")
	if r.code != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("HX-Redirect"), "/signin?next=") {
		t.Fatalf("signed out, htmx: %d %q", r.code, r.header.Get("HX-Redirect"))
	}

	r = g.page(caller{}, "/signin?next=/inbox", "Accept-Language", "fr-FR,fr;q=0.9")
	if r.code != 200 || !strings.Contains(r.body, `<html lang="fr"`) || !strings.Contains(r.body, "Mot de passe") {
		t.Fatalf("sign-in page in French: %d %s", r.code, r.body)
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || r.header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("headers: %v", r.header)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "style=") || strings.Contains(r.body, "<style") {
		t.Fatalf("inline script or style: %s", r.body)
	}

	r = g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"wrong password!!"}, "next": {"/inbox"}})
	if r.code != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong email or password") || !strings.Contains(r.body, `value="camille@a.example"`) {
		t.Fatalf("wrong password: %d %s", r.code, r.body)
	}
	r = g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}})
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/inbox" || r.cookies[gateway.SessionCookie] == nil {
		t.Fatalf("sign-in: %d %v", r.code, r.header)
	}
	who := caller{session: r.cookies[gateway.SessionCookie].Value, csrf: r.cookies[gateway.CSRFCookie].Value}

	// Signed in, /signin goes on; a page without ?brand= names the caller's brand.
	if r = g.page(who, "/signin?next=/inbox"); r.code != http.StatusSeeOther || r.header.Get("Location") != "/inbox" {
		t.Fatalf("signed in, /signin: %d %v", r.code, r.header)
	}
	if r = g.page(who, "/inbox"); r.code != http.StatusSeeOther || r.header.Get("Location") != "/inbox?brand=a" {
		t.Fatalf("/inbox: %d %v", r.code, r.header)
	}
	// Another brand's page is refused, as a page.
	if r = g.page(who, "/inbox?brand=b"); r.code != http.StatusForbidden || !strings.Contains(r.body, "<h1>") {
		t.Fatalf("/inbox?brand=b: %d %s", r.code, r.body)
	}
	// Signing out needs the CSRF token.
	if r = g.form(who, "/signout", nil, "HX-Request", "true"); r.code != http.StatusForbidden {
		t.Fatalf("sign-out without CSRF: %d", r.code)
	}
	if r = g.form(who, "/signout", nil, "HX-Request", "true", gateway.CSRFHeader, who.csrf); r.code != http.StatusNoContent || r.header.Get("HX-Redirect") != "/signin" {
		t.Fatalf("sign-out: %d %v", r.code, r.header)
	}
	if r = g.page(who, "/inbox?brand=a"); r.code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", r.code)
	}
}

func TestUIRootAndIndex(t *testing.T) {
	g := newTestGateway(t)
	if r := g.page(caller{}, "/"); r.code != http.StatusSeeOther || r.header.Get("Location") != "/inbox" {
		t.Fatalf("browser at /: %d %v", r.code, r.header)
	}
	for _, path := range []string{"/", "/api/v1"} {
		if r := g.must(caller{}, "GET", path, "", 200); !strings.Contains(r.body, `"openapi":"/openapi.yaml"`) {
			t.Fatalf("%s: %s", path, r.body)
		}
	}
	r := g.page(caller{}, "/assets/app.js")
	if r.code != 200 || r.header.Get("Cache-Control") == "" || !strings.Contains(r.body, "X-Csrf-Token") {
		t.Fatalf("asset: %d %v", r.code, r.header)
	}
	if r := g.page(caller{}, "/assets/nope.js"); r.code != 404 {
		t.Fatalf("missing asset: %d", r.code)
	}
}
