package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// ownerKeyA and ownerKeyB are configured keys, owners of brands a and b.
const (
	ownerKeyA = "owner-key-a-0123456789abcdef"
	ownerKeyB = "owner-key-b-0123456789abcdef"
)

// clock is the gateway's injected time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testGateway struct {
	t     testing.TB
	gw    *gateway.Service
	clock *clock
	js    jetstream.JetStream
}

func newTestGateway(t testing.TB, mutate ...func(*gateway.Config)) *testGateway {
	t.Helper()
	conn := testkit.NATS(t)
	cfg := gateway.Config{Addr: "127.0.0.1:0", APIKeys: ownerKeyA + ":a " + ownerKeyB + ":b", BodyLimit: "1M"}
	for _, m := range mutate {
		m(&cfg)
	}
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	gw, err := gateway.New(cfg, gateway.Deps{NATS: conn.NC, JS: conn.JS, Logger: testkit.Logger(t), Health: httpx.NewHealth(),
		Registry: prometheus.NewRegistry(), Version: "test", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &testGateway{t: t, gw: gw, clock: clk, js: conn.JS}
}

// caller is how a request authenticates: a key, or a session's cookie and
// CSRF token.
type caller struct {
	key     string
	session string
	csrf    string
	origin  string
}

type reply struct {
	code    int
	body    string
	cookies map[string]*http.Cookie
	header  http.Header
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (g *testGateway) do(who caller, method, path, body string) reply {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if who.key != "" {
		req.Header.Set("Authorization", "Bearer "+who.key)
	}
	if who.session != "" {
		req.AddCookie(&http.Cookie{Name: gateway.SessionCookie, Value: who.session})
	}
	if who.csrf != "" {
		req.Header.Set(gateway.CSRFHeader, who.csrf)
	}
	if who.origin != "" {
		req.Header.Set("Origin", who.origin)
	}
	rec := httptest.NewRecorder()
	g.gw.Handler().ServeHTTP(rec, req)
	r := reply{code: rec.Code, body: rec.Body.String(), cookies: map[string]*http.Cookie{}, header: rec.Header()}
	for _, c := range rec.Result().Cookies() {
		r.cookies[c.Name] = c
	}
	return r
}

func (g *testGateway) must(who caller, method, path, body string, want int) reply {
	g.t.Helper()
	r := g.do(who, method, path, body)
	if r.code != want {
		g.t.Fatalf("%s %s = %d %s, want %d", method, path, r.code, r.body, want)
	}
	return r
}

// signedIn turns a sign-in answer into a session caller.
func signedIn(t testing.TB, r reply) caller {
	t.Helper()
	var s gateway.SignedIn
	r.decode(t, &s)
	ck := r.cookies[gateway.SessionCookie]
	if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || s.CSRFToken == "" {
		t.Fatalf("session cookie %+v, csrf %q", ck, s.CSRFToken)
	}
	if csrf := r.cookies[gateway.CSRFCookie]; csrf == nil || csrf.Value != s.CSRFToken || csrf.HttpOnly {
		t.Fatalf("csrf cookie %+v", csrf)
	}
	return caller{session: ck.Value, csrf: s.CSRFToken}
}

// join invites email as role on brand (with the brand's configured owner
// key) and accepts; it returns the new member's session and id.
func (g *testGateway) join(brand, role, email string) (caller, string) {
	g.t.Helper()
	key := map[string]string{"a": ownerKeyA, "b": ownerKeyB}[brand]
	var link gateway.LinkView
	g.must(caller{key: key}, "POST", "/api/v1/invitations?brand="+brand, `{"role":"`+role+`","email":"`+email+`"}`, 201).decode(g.t, &link)
	r := g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"name":"Test","password":"correct horse battery"}`, 200)
	var s gateway.SignedIn
	r.decode(g.t, &s)
	return signedIn(g.t, r), s.User.ID
}

func TestRouteTable(t *testing.T) {
	g := newTestGateway(t)
	table := gateway.PermissionTable()
	seen := map[string]bool{}
	for _, r := range g.gw.Handler().Routes() {
		if r.Name == "echo_route_not_found" || strings.HasPrefix(r.Method, "echo_") {
			continue // echo's own 404 handlers of groups
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		if table[key] == "" {
			t.Errorf("route %s has no entry in the permission table (routes.go)", key)
		}
	}
	for key := range table {
		if !seen[key] {
			t.Errorf("permission table entry %s names no route", key)
		}
	}
}

// TestUnlistedRouteIsRefused: a route nobody put in the permission table
// answers 403 to everyone, even the owner.
func TestUnlistedRouteIsRefused(t *testing.T) {
	g := newTestGateway(t)
	reached := false
	g.gw.Handler().POST("/api/v1/crises/:id/resolve", func(c echo.Context) error { reached = true; return c.NoContent(204) })
	r := g.must(caller{key: ownerKeyA}, "POST", "/api/v1/crises/x/resolve?brand=a", ``, 403)
	if reached || !strings.Contains(r.body, "permission table") {
		t.Fatalf("reached=%v %s", reached, r.body)
	}
	g.must(caller{key: ownerKeyA}, "GET", "/api/v1/no-such-route", ``, 404)
}

// paramValue fills a route's path parameters.
var paramRE = regexp.MustCompile(`:[a-z_]+`)

// TestBrandIsolation walks every brand-scoped route as members of brand a
// (a moderator, an owner, a personal key of the owner) against brand b:
// every one is refused before reaching a handler.
func TestBrandIsolation(t *testing.T) {
	g := newTestGateway(t)
	moderator, _ := g.join("a", "moderator", "mod@a.example")
	owner, _ := g.join("a", "owner", "owner@a.example")
	var key gateway.CreatedKey
	g.must(owner, "POST", "/api/v1/keys", `{"name":"ci"}`, 201).decode(t, &key)
	callers := map[string]caller{"moderator": moderator, "owner": owner, "owner_key": {key: key.Key}, "config_key": {key: ownerKeyA}}
	table := gateway.PermissionTable()
	n := 0
	for _, r := range g.gw.Handler().Routes() {
		rule := table[r.Method+" "+r.Path]
		if rule == "" || rule == "public" || rule == "signed_in" {
			continue
		}
		n++
		path := paramRE.ReplaceAllString(r.Path, "b-resource")
		for name, who := range callers {
			// The brand as a parameter, and in a body for the routes that
			// take one there.
			for _, req := range []struct{ path, body string }{
				{path + "?brand=b", `{}`},
				{path, `{"brand":"b"}`},
			} {
				if req.path == path && gateway.PageRoutes()[r.Method+" "+r.Path] {
					continue // a page without ?brand= redirects to the caller's own brand
				}
				got := g.do(who, r.Method, req.path, req.body)
				if got.code == 400 && req.path == path && strings.Contains(got.body, `"field":"brand"`) {
					continue // the route takes its brand from ?brand= only
				}
				if got.code != 403 && got.code != 404 {
					t.Errorf("%s: %s %s = %d %s, want 403 or 404", name, r.Method, req.path, got.code, got.body)
				}
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d brand-scoped routes walked", n)
	}
}

// TestCrossBrandResources: a manager of brand a naming brand b's
// resources under its own brand finds nothing.
func TestCrossBrandResources(t *testing.T) {
	g := newTestGateway(t)
	ownerA, _ := g.join("a", "owner", "owner@a.example")
	_, memberB := g.join("b", "analyst", "analyst@b.example")
	var inv gateway.LinkView
	g.must(caller{key: ownerKeyB}, "POST", "/api/v1/invitations?brand=b", `{"role":"analyst"}`, 201).decode(t, &inv)
	g.must(ownerA, "PUT", "/api/v1/users/"+memberB+"/role?brand=a", `{"role":"read_only"}`, 404)
	g.must(ownerA, "DELETE", "/api/v1/users/"+memberB+"/role?brand=a", ``, 404)
	g.must(ownerA, "POST", "/api/v1/users/"+memberB+"/password-reset?brand=a", ``, 404)
	g.must(ownerA, "DELETE", "/api/v1/users/"+memberB+"/sessions?brand=a", ``, 404)
	g.must(ownerA, "DELETE", "/api/v1/invitations/"+inv.ID+"?brand=a", ``, 404)
	g.must(ownerA, "PUT", "/api/v1/teams?brand=a", `{"teams":[{"name":"x","members":["`+memberB+`"]}]}`, 400)
	var members struct{ Items []gateway.Member }
	g.must(ownerA, "GET", "/api/v1/users?brand=a", ``, 200).decode(t, &members)
	if len(members.Items) != 1 || members.Items[0].Email != "owner@a.example" {
		t.Fatalf("members of a: %+v", members.Items)
	}
	// An account on two brands is managed only by who manages both.
	g.must(caller{key: ownerKeyB}, "POST", "/api/v1/invitations?brand=b", `{"role":"owner","email":"owner@a.example"}`, 201).decode(t, &inv)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+inv.Token+"/accept", `{"password":"correct horse battery"}`, 200)
	managerA, _ := g.join("a", "manager", "manager@a.example")
	var ids struct{ Items []gateway.Member }
	g.must(managerA, "GET", "/api/v1/users?brand=a", ``, 200).decode(t, &ids)
	for _, m := range ids.Items {
		if m.Email == "owner@a.example" {
			g.must(managerA, "POST", "/api/v1/users/"+m.ID+"/password-reset?brand=a", ``, 403)
			g.must(managerA, "PUT", "/api/v1/users/"+m.ID+"/role?brand=a", `{"role":"analyst"}`, 403)
		}
	}
}

func TestRoles(t *testing.T) {
	g := newTestGateway(t)
	moderator, modID := g.join("a", "moderator", "mod@a.example")
	manager, _ := g.join("a", "manager", "manager@a.example")
	g.must(moderator, "GET", "/api/v1/audit?brand=a", ``, 403)
	g.must(moderator, "PUT", "/api/v1/policies?brand=a", `{}`, 403)
	g.must(moderator, "GET", "/api/v1/interactions?brand=a&format=csv", ``, 403)
	g.must(moderator, "POST", "/api/v1/invitations?brand=a", `{"role":"moderator"}`, 403)
	// A manager cannot make an owner, nor invite one.
	g.must(manager, "PUT", "/api/v1/users/"+modID+"/role?brand=a", `{"role":"owner"}`, 403)
	g.must(manager, "POST", "/api/v1/invitations?brand=a", `{"role":"owner"}`, 403)
	var m gateway.Member
	g.must(manager, "PUT", "/api/v1/users/"+modID+"/role?brand=a", `{"role":"analyst"}`, 200).decode(t, &m)
	if m.Role != "analyst" {
		t.Fatalf("role = %s", m.Role)
	}
	g.must(manager, "PUT", "/api/v1/users/"+modID+"/role?brand=a", `{"role":"admin"}`, 400)
	// The last owner stays.
	_, ownerID := g.join("a", "owner", "owner@a.example")
	g.must(caller{key: ownerKeyA}, "DELETE", "/api/v1/users/"+ownerID+"/role?brand=a", ``, 409)
	// Removing a role ends access to the brand.
	g.must(manager, "DELETE", "/api/v1/users/"+modID+"/role?brand=a", ``, 204)
	g.must(moderator, "GET", "/api/v1/teams?brand=a", ``, 403)
}

func TestCSRF(t *testing.T) {
	g := newTestGateway(t)
	owner, ownerID := g.join("a", "owner", "owner@a.example")
	body := `{"teams":[{"name":"night","members":["` + ownerID + `"]}]}`
	noToken := owner
	noToken.csrf = ""
	g.must(noToken, "PUT", "/api/v1/teams?brand=a", body, 403)
	wrong := owner
	wrong.csrf = "not-the-token"
	g.must(wrong, "PUT", "/api/v1/teams?brand=a", body, 403)
	crossSite := owner
	crossSite.origin = "https://evil.example"
	g.must(crossSite, "PUT", "/api/v1/teams?brand=a", body, 403)
	var teams gateway.TeamsView
	g.must(owner, "GET", "/api/v1/teams?brand=a", ``, 200).decode(t, &teams)
	if len(teams.Teams) != 0 || teams.Revision != 0 {
		t.Fatalf("a refused request changed the teams: %+v", teams)
	}
	sameSite := owner
	sameSite.origin = "http://example.com" // httptest's Host
	g.must(sameSite, "PUT", "/api/v1/teams?brand=a", body, 200).decode(t, &teams)
	if len(teams.Teams) != 1 || teams.Revision == 0 {
		t.Fatalf("teams: %+v", teams)
	}
	// A stale revision is a conflict.
	g.must(owner, "PUT", "/api/v1/teams?brand=a", `{"teams":[],"revision":`+"1"+`}`, 200)
	g.must(owner, "PUT", "/api/v1/teams?brand=a", `{"teams":[],"revision":1}`, 409)
	// Logging out needs the token too (no forced sign-out by another site).
	g.must(noToken, "POST", "/api/v1/auth/logout", ``, 403)
	// Sign-in from another site is refused.
	g.must(caller{origin: "https://evil.example"}, "POST", "/api/v1/auth/login", `{"email":"owner@a.example","password":"correct horse battery"}`, 403)
}

func TestSessions(t *testing.T) {
	g := newTestGateway(t)
	first, _ := g.join("a", "analyst", "ana@a.example")
	login := `{"email":"ana@a.example","password":"correct horse battery"}`

	t.Run("fixation_refused", func(t *testing.T) {
		planted := caller{session: "attacker.chosen-value"}
		r := g.must(planted, "POST", "/api/v1/auth/login", login, 200)
		s := signedIn(t, r)
		if s.session == planted.session {
			t.Fatal("the planted session id was kept")
		}
		g.must(planted, "GET", "/api/v1/me", ``, 401)
		// A valid session brought to a new sign-in is replaced, not reused.
		r2 := g.must(s, "POST", "/api/v1/auth/login", login, 200)
		if signedIn(t, r2).session == s.session {
			t.Fatal("sign-in kept the previous session")
		}
		g.must(s, "GET", "/api/v1/me", ``, 401)
	})
	t.Run("reuse_after_logout_refused", func(t *testing.T) {
		s := signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
		g.must(s, "GET", "/api/v1/me", ``, 200)
		r := g.must(s, "POST", "/api/v1/auth/logout", ``, 204)
		if ck := r.cookies[gateway.SessionCookie]; ck == nil || ck.MaxAge >= 0 {
			t.Fatalf("logout left the cookie: %+v", ck)
		}
		g.must(s, "GET", "/api/v1/me", ``, 401)
	})
	t.Run("logout_all_ends_every_session", func(t *testing.T) {
		s1 := signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
		s2 := signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
		g.must(s1, "POST", "/api/v1/auth/logout-all", ``, 204)
		g.must(s2, "GET", "/api/v1/me", ``, 401)
		g.must(first, "GET", "/api/v1/me", ``, 401)
		signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
	})
	t.Run("idle_and_absolute_timeouts", func(t *testing.T) {
		s := signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
		for range 30 { // active every 25 min: never idle, but old
			g.clock.Add(25 * time.Minute)
			if r := g.do(s, "GET", "/api/v1/me", ``); r.code != 200 {
				if g.clock.Now().Sub(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)) < 12*time.Hour {
					t.Fatalf("active session ended early: %d %s", r.code, r.body)
				}
				break
			}
		}
		g.must(s, "GET", "/api/v1/me", ``, 401)
		s = signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/login", login, 200))
		g.clock.Add(31 * time.Minute)
		g.must(s, "GET", "/api/v1/me", ``, 401)
	})
}

func TestLockout(t *testing.T) {
	g := newTestGateway(t)
	g.join("a", "analyst", "ana@a.example")
	wrong := `{"email":"ana@a.example","password":"wrong password!"}`
	right := `{"email":"ana@a.example","password":"correct horse battery"}`
	for range 5 {
		g.must(caller{}, "POST", "/api/v1/auth/login", wrong, 401)
	}
	r := g.must(caller{}, "POST", "/api/v1/auth/login", right, 429)
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	g.clock.Add(time.Second)
	g.must(caller{}, "POST", "/api/v1/auth/login", wrong, 401) // 6th: 2 s
	g.clock.Add(time.Second)
	g.must(caller{}, "POST", "/api/v1/auth/login", right, 429)
	g.clock.Add(time.Second)
	g.must(caller{}, "POST", "/api/v1/auth/login", right, 200)
	// The count starts again after a success.
	for range 4 {
		g.must(caller{}, "POST", "/api/v1/auth/login", wrong, 401)
	}
	g.must(caller{}, "POST", "/api/v1/auth/login", right, 200)
	// An unknown email answers as a wrong password.
	r = g.must(caller{}, "POST", "/api/v1/auth/login", `{"email":"nobody@a.example","password":"whatever it is"}`, 401)
	if !strings.Contains(r.body, "wrong email or password") {
		t.Fatal(r.body)
	}
}

func TestPasswordReset(t *testing.T) {
	g := newTestGateway(t)
	member, id := g.join("a", "moderator", "mod@a.example")
	var link gateway.LinkView
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/users/"+id+"/password-reset?brand=a", ``, 201).decode(t, &link)
	if !strings.Contains(link.URL, "/welcome#reset=") {
		t.Fatal(link.URL)
	}
	g.must(caller{}, "POST", "/api/v1/auth/password-reset", `{"token":"`+link.Token+`","password":"short"}`, 400)
	s := signedIn(t, g.must(caller{}, "POST", "/api/v1/auth/password-reset", `{"token":"`+link.Token+`","password":"a brand new password"}`, 200))
	g.must(s, "GET", "/api/v1/me", ``, 200)
	g.must(member, "GET", "/api/v1/me", ``, 401) // older sessions end
	g.must(caller{}, "POST", "/api/v1/auth/password-reset", `{"token":"`+link.Token+`","password":"another new password"}`, 404)
	g.must(caller{}, "POST", "/api/v1/auth/login", `{"email":"mod@a.example","password":"correct horse battery"}`, 401)
	g.must(caller{}, "POST", "/api/v1/auth/login", `{"email":"mod@a.example","password":"a brand new password"}`, 200)
	// Expired links do not work.
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/users/"+id+"/password-reset?brand=a", ``, 201).decode(t, &link)
	g.clock.Add(gateway.ResetTTL)
	g.must(caller{}, "POST", "/api/v1/auth/password-reset", `{"token":"`+link.Token+`","password":"a brand new password"}`, 404)
}

func TestInvitations(t *testing.T) {
	g := newTestGateway(t)
	var link gateway.LinkView
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/invitations?brand=a", `{"role":"analyst","ttl":"1h","email":"Zoe@A.example"}`, 201).decode(t, &link)
	var view gateway.InvitationView
	g.must(caller{}, "GET", "/api/v1/auth/invitations/"+link.Token, ``, 200).decode(t, &view)
	if view.Brand != "a" || view.Role != "analyst" || view.Email != "zoe@a.example" {
		t.Fatalf("%+v", view)
	}
	var list struct{ Items []struct{ ID string } }
	g.must(caller{key: ownerKeyA}, "GET", "/api/v1/invitations?brand=a", ``, 200).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != link.ID {
		t.Fatalf("%+v", list)
	}
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"other@a.example","password":"correct horse battery"}`, 400)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"password":"short"}`, 400)
	g.clock.Add(time.Hour)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"password":"correct horse battery"}`, 404)
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/invitations?brand=a", `{"role":"analyst"}`, 201).decode(t, &link)
	g.must(caller{key: ownerKeyA}, "DELETE", "/api/v1/invitations/"+link.ID+"?brand=a", ``, 204)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"x@a.example","password":"correct horse battery"}`, 404)
	// Used once only.
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/invitations?brand=a", `{"role":"analyst"}`, 201).decode(t, &link)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"x@a.example","password":"correct horse battery"}`, 200)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"y@a.example","password":"correct horse battery"}`, 404)
	// An existing account accepts with its password and gains the role.
	g.must(caller{key: ownerKeyB}, "POST", "/api/v1/invitations?brand=b", `{"role":"moderator"}`, 201).decode(t, &link)
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"x@a.example","password":"not the password"}`, 401)
	var s gateway.SignedIn
	g.must(caller{}, "POST", "/api/v1/auth/invitations/"+link.Token+"/accept", `{"email":"x@a.example","password":"correct horse battery"}`, 200).decode(t, &s)
	if s.User.Roles["a"] != "analyst" || s.User.Roles["b"] != "moderator" {
		t.Fatalf("roles %+v", s.User.Roles)
	}
}

func TestPersonalKeys(t *testing.T) {
	g := newTestGateway(t)
	owner, _ := g.join("a", "owner", "owner@a.example")
	var narrow, wide gateway.CreatedKey
	g.must(owner, "POST", "/api/v1/keys", `{"name":"dashboards","scopes":["interactions.read","teams.write"]}`, 400)
	g.must(owner, "POST", "/api/v1/keys", `{"name":"dashboards","scopes":["users.read"],"ttl":"48h"}`, 201).decode(t, &narrow)
	g.must(owner, "POST", "/api/v1/keys", `{"name":"all"}`, 201).decode(t, &wide)
	if !strings.HasPrefix(narrow.Key, "ruk.") || len(wide.Scopes) < 10 {
		t.Fatalf("keys %+v %+v", narrow, wide)
	}
	g.must(caller{key: narrow.Key}, "GET", "/api/v1/users?brand=a", ``, 200)
	r := g.must(caller{key: narrow.Key}, "GET", "/api/v1/audit?brand=a", ``, 403)
	if !strings.Contains(r.body, "scopes") {
		t.Fatal(r.body)
	}
	g.must(caller{key: wide.Key}, "GET", "/api/v1/audit?brand=a", ``, 200)
	// Keys are created from a session only; configured keys have no account.
	g.must(caller{key: wide.Key}, "POST", "/api/v1/keys", `{"name":"again"}`, 403)
	g.must(caller{key: ownerKeyA}, "POST", "/api/v1/keys", `{"name":"again"}`, 403)
	// Listing never shows a key.
	r = g.must(owner, "GET", "/api/v1/keys", ``, 200)
	if strings.Contains(r.body, narrow.Key) || !strings.Contains(r.body, narrow.ID) {
		t.Fatal(r.body)
	}
	g.must(owner, "DELETE", "/api/v1/keys/"+wide.ID, ``, 204)
	g.must(caller{key: wide.Key}, "GET", "/api/v1/users?brand=a", ``, 401)
	g.clock.Add(48 * time.Hour)
	g.must(caller{key: narrow.Key}, "GET", "/api/v1/users?brand=a", ``, 401)
	g.must(caller{key: narrow.Key[:len(narrow.Key)-1] + "x"}, "GET", "/api/v1/users?brand=a", ``, 401)
}
