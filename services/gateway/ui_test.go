package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// form posts a form as a browser does (Origin of this site).
func (g *testGateway) form(who caller, path string, values url.Values, header ...string) reply {
	g.t.Helper()
	header = append([]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", "http://example.com"}, header...)
	return g.browse(who, http.MethodPost, path, strings.NewReader(values.Encode()), header)
}

// page gets a workspace page as a browser does.
func (g *testGateway) page(who caller, path string, header ...string) reply {
	g.t.Helper()
	return g.browse(who, http.MethodGet, path, nil, append([]string{"Accept", "text/html,application/xhtml+xml"}, header...))
}

// browse sends a browser's request: the session cookie, headers as pairs.
func (g *testGateway) browse(who caller, method, path string, body io.Reader, header []string) reply {
	req := httptest.NewRequest(method, path, body)
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

// TestUIInboxEscapesAndLocks renders the inbox and an item over stand-ins
// of analytics and moderation: network text is text (never markup), a
// link from a network is a link only when http(s), the claim lock names
// the holder, a decision marks its row.
func TestUIInboxEscapesAndLocks(t *testing.T) {
	g := newTestGateway(t)
	camille, _ := g.join("a", "moderator", "camille@a.example")
	_, dominique := g.join("a", "moderator", "dominique@a.example")
	r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
	who := caller{session: r.cookies[gateway.SessionCookie].Value, csrf: r.cookies[gateway.CSRFCookie].Value}
	_ = camille

	hostile := query.Interaction{ID: "generic:1", Brand: "a", Network: "generic", Kind: "comment", AuthorID: "u1",
		AuthorName: `<img src=x onerror=alert(1)>`, Text: `<script>alert('x')</script> <a href="javascript:alert(2)">y</a>`,
		URL: "javascript:alert(3)", CreatedAt: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	safe := hostile
	safe.ID, safe.URL = "generic:2", "https://example.com/p/2"
	nc := g.js.Conn()
	analytics, err := rpc.NewServer(nc, query.AnalyticsService, "0.0.1", "stand-in", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer analytics.Stop()
	moderation, err := rpc.NewServer(nc, query.ModerationService, "0.0.1", "stand-in", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer moderation.Stop()
	var decided []query.DecideCaseRequest
	for _, err := range []error{
		rpc.Handle(analytics, query.ListInteractions, func(_ context.Context, req query.SearchInteractionsRequest) (query.ListInteractionsResponse, error) {
			return query.ListInteractionsResponse{Items: []query.Interaction{hostile, safe}}, nil
		}),
		rpc.Handle(analytics, query.GetInteraction, func(_ context.Context, req query.GetInteractionRequest) (query.InteractionDetail, error) {
			it := hostile
			if req.ID == safe.ID {
				it = safe
			}
			return query.InteractionDetail{Interaction: it, Status: query.StatusOpen, Thread: []query.Interaction{it}}, nil
		}),
		rpc.Handle(moderation, query.ListClaims, func(_ context.Context, req query.ListClaimsRequest) (query.ListClaimsResponse, error) {
			return query.ListClaimsResponse{Claims: []query.CaseClaim{{Brand: req.Brand, InteractionID: hostile.ID, Moderator: dominique}}}, nil
		}),
		rpc.Handle(moderation, query.DecideCase, func(_ context.Context, req query.DecideCaseRequest) (query.DecideCaseResponse, error) {
			decided = append(decided, req)
			return query.DecideCaseResponse{}, nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	page := g.page(who, "/inbox?brand=a")
	if page.code != 200 {
		t.Fatalf("inbox: %d %s", page.code, page.body)
	}
	for _, raw := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
		if strings.Contains(page.body, raw) {
			t.Fatalf("the inbox renders %q as markup:\n%s", raw, page.body)
		}
	}
	if !strings.Contains(page.body, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
		t.Fatalf("the text is not shown escaped:\n%s", page.body)
	}

	item := g.page(who, "/inbox/item?brand=a&id=generic:1", "HX-Request", "true")
	if item.code != 200 || !strings.Contains(item.body, "Test is answering") || strings.Contains(item.body, `href="javascript:`) || strings.Contains(item.body, "<script>") {
		t.Fatalf("item: %d %s", item.code, item.body)
	}
	if lock := g.page(who, "/inbox/lock?brand=a&id=generic:1", "HX-Request", "true"); !strings.Contains(lock.body, "Test is answering") {
		t.Fatalf("lock: %d %s", lock.code, lock.body)
	}
	if lock := g.page(who, "/inbox/lock?brand=a&id=generic:2", "HX-Request", "true"); lock.code != 200 || strings.Contains(lock.body, "answering") {
		t.Fatalf("no lock: %d %s", lock.code, lock.body)
	}
	item = g.page(who, "/inbox/item?brand=a&id=generic:2", "HX-Request", "true")
	if !strings.Contains(item.body, `href="https://example.com/p/2" rel="noopener noreferrer nofollow"`) {
		t.Fatalf("an https link: %s", item.body)
	}

	r = g.form(who, "/inbox/decide?brand=a", url.Values{"id": {"generic:1", "generic:2"}, "decision": {"close"}}, "HX-Request", "true", gateway.CSRFHeader, who.csrf)
	if r.code != 200 || strings.Count(r.body, `hx-swap-oob="true"`) != 2 || !strings.Contains(r.header.Get("HX-Trigger-After-Swap"), "generic:2") {
		t.Fatalf("decide: %d %v %s", r.code, r.header, r.body)
	}
	if len(decided) != 2 || decided[0].Network != "generic" || decided[0].Moderator == "" || decided[1].InteractionID != "generic:2" {
		t.Fatalf("decisions: %+v", decided)
	}
}

// TestUIInboxEvents: the inbox's event stream carries the brand's
// moderated interactions as they come, and no other brand's.
func TestUIInboxEvents(t *testing.T) {
	g := newTestGateway(t)
	g.join("a", "moderator", "camille@a.example")
	r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lines := g.events(ctx, t, r.cookies[gateway.SessionCookie])
	for lines.Scan() && lines.Text() != ": connected" {
	}
	pub, err := bus.NewPublisher(g.js)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []interactionv1.Moderated{
		{ID: "moderated:generic:b1:v0", InteractionID: "generic:b1", Brand: "b", Network: "generic", Verdict: "allow"},
		{ID: "moderated:generic:a1:v0", InteractionID: "generic:a1", Brand: "a", Network: "generic", Verdict: "review", Priority: 40},
	} {
		env, err := events.NewEnvelope(m, m.ID, m.Brand, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pub.PublishEvent(ctx, m, env); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			got = append(got, data)
			break
		}
	}
	if len(got) != 1 || got[0] != `{"id":"generic:a1","network":"generic","priority":40,"verdict":"review"}` {
		t.Fatalf("arrivals = %v (%v)", got, lines.Err())
	}
}

// TestUIReviewQueue: the review page lists the drafts awaiting a second
// approval and those pending; one the viewer approved asks for another
// approver (four-eyes) instead of offering approval again.
func TestUIReviewQueue(t *testing.T) {
	g := newTestGateway(t)
	_, me := g.join("a", "moderator", "camille@a.example")
	r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
	who := caller{session: r.cookies[gateway.SessionCookie].Value}
	drafting, err := rpc.NewServer(g.js.Conn(), query.DraftingService, "0.0.1", "stand-in", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer drafting.Stop()
	draft := func(id, status string, approvers ...string) query.Draft {
		return query.Draft{Status: status, Approvers: approvers, Current: draftv1.Created{InteractionID: id, Version: 3, Text: "Bonjour <b>" + id + "</b>",
			Confidence: 0.82, Drafter: "offline", Citations: []draftv1.Citation{{EntryID: "kb-1", Title: "Délais", URL: "javascript:alert(1)"}}}}
	}
	var asked []string
	err = rpc.Handle(drafting, query.ListDrafts, func(_ context.Context, req query.ListDraftsRequest) (query.DraftList, error) {
		asked = append(asked, req.Status)
		if req.Status == query.DraftAwaitingSecond {
			return query.DraftList{Drafts: []query.Draft{draft("generic:1", req.Status, me)}}, nil
		}
		return query.DraftList{Drafts: []query.Draft{draft("generic:2", req.Status)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	page := g.page(who, "/review?brand=a", "Accept-Language", "fr")
	if page.code != 200 || len(asked) != 2 {
		t.Fatalf("review: %d %v %s", page.code, asked, page.body)
	}
	first, second, ok := strings.Cut(page.body, `data-draft-for="generic:2"`)
	if !ok || !strings.Contains(first, "un second approbateur doit approuver") || strings.Contains(first, `data-action="approve"`) {
		t.Fatalf("the draft I approved: %s", first)
	}
	if !strings.Contains(second, `data-action="approve"`) || !strings.Contains(second, "confiance 82 %") || !strings.Contains(second, "Délais") {
		t.Fatalf("the pending draft: %s", second)
	}
	if strings.Contains(page.body, "<b>generic") || strings.Contains(page.body, `href="javascript:`) {
		t.Fatalf("markup or a javascript: link in the page: %s", page.body)
	}
}
