package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// TestUIInboxRows: every row of a page shows its claim lock and its
// corrected labels from one lookup each for the page; the l key's picker
// records a correction and the row shows it; a live arrival is one row;
// the label filter reaches analytics.
func TestUIInboxRows(t *testing.T) {
	g := newTestGateway(t)
	g.join("a", "moderator", "camille@a.example")
	_, dominique := g.join("a", "moderator", "dominique@a.example")
	r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
	who := caller{session: r.cookies[gateway.SessionCookie].Value, csrf: r.cookies[gateway.CSRFCookie].Value}
	hx := []string{"HX-Request", "true", gateway.CSRFHeader, who.csrf}

	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	items := []query.Interaction{
		{ID: "generic:1", Brand: "a", Network: "generic", Kind: "comment", Text: "claimed", Labels: []string{"sentiment:neutral"}, CreatedAt: at},
		{ID: "generic:2", Brand: "a", Network: "generic", Kind: "comment", Text: "corrected", Labels: []string{"spam"}, CreatedAt: at},
		{ID: "generic:3", Brand: "a", Network: "generic", Kind: "comment", Text: "nothing", CreatedAt: at},
	}
	analytics, moderation := g.standIn(query.AnalyticsService), g.standIn(query.ModerationService)
	var claimLookups, correctionLookups atomic.Int32
	var listed []query.SearchInteractionsRequest
	var corrected []query.CorrectCaseRequest
	corrections := []casev1.Corrected{
		{InteractionID: "generic:2", Remove: []string{"spam"}, Add: []string{"sentiment:negative"}},
		{InteractionID: "generic:2", Add: []string{"spam"}}, // older: the removal above is the latest word
	}
	for _, err := range []error{
		rpc.Handle(analytics, query.ListInteractions, func(_ context.Context, req query.SearchInteractionsRequest) (query.ListInteractionsResponse, error) {
			listed = append(listed, req)
			return query.ListInteractionsResponse{Items: items}, nil
		}),
		rpc.Handle(analytics, query.GetInteraction, func(_ context.Context, req query.GetInteractionRequest) (query.InteractionDetail, error) {
			for _, it := range items {
				if it.ID == req.ID {
					return query.InteractionDetail{Interaction: it}, nil
				}
			}
			return query.InteractionDetail{}, rpc.NotFound("no interaction %s", req.ID)
		}),
		rpc.Handle(moderation, query.ListClaims, func(_ context.Context, req query.ListClaimsRequest) (query.ListClaimsResponse, error) {
			claimLookups.Add(1)
			return query.ListClaimsResponse{Claims: []query.CaseClaim{{Brand: req.Brand, InteractionID: "generic:1", Moderator: dominique}}}, nil
		}),
		rpc.Handle(moderation, query.ListCorrections, func(_ context.Context, req query.ListCorrectionsRequest) (query.ListCorrectionsResponse, error) {
			correctionLookups.Add(1)
			var out []casev1.Corrected
			for _, c := range corrections {
				if slices.Contains(req.InteractionIDs, c.InteractionID) {
					out = append(out, c)
				}
			}
			return query.ListCorrectionsResponse{Corrections: out}, nil
		}),
		rpc.Handle(moderation, query.CorrectCase, func(_ context.Context, req query.CorrectCaseRequest) (casev1.Corrected, error) {
			if len(req.Add) > 0 && req.Add[0] == "threat" {
				return casev1.Corrected{}, rpc.BadRequest("add[0]", `"threat" is already one of the automatic labels`)
			}
			corrected = append(corrected, req)
			c := casev1.Corrected{InteractionID: req.InteractionID, Add: req.Add, Remove: req.Remove}
			corrections = append([]casev1.Corrected{c}, corrections...)
			return c, nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	page := g.page(who, "/inbox?brand=a&label=spam&label=lang:fr")
	if page.code != 200 {
		t.Fatalf("inbox: %d %s", page.code, page.body)
	}
	if claimLookups.Load() != 1 || correctionLookups.Load() != 1 {
		t.Fatalf("lookups for one page: %d claims, %d corrections", claimLookups.Load(), correctionLookups.Load())
	}
	rows := strings.Split(page.body, `<li class="item`)[1:]
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	if !strings.Contains(rows[0], `class="lock other" data-holder="Test"`) || strings.Contains(rows[1], "lock") || strings.Contains(rows[2], "lock") {
		t.Fatalf("the claim lock on its row only:\n%s", strings.Join(rows, "\n---\n"))
	}
	if !strings.Contains(rows[1], `data-corrected="+sentiment:negative -spam"`) || strings.Contains(rows[0], `badge corr`) {
		t.Fatalf("the corrections on their row only:\n%s", strings.Join(rows, "\n---\n"))
	}
	if !strings.Contains(rows[1], `<span class="badge neg risk">spam</span>`) || strings.Contains(rows[0], "risk") || strings.Contains(rows[2], "risk") {
		t.Fatalf("the spam label on its row only:\n%s", strings.Join(rows, "\n---\n"))
	}
	if got := listed[0].Labels; len(got) != 2 || got[0] != "spam" || got[1] != "lang:fr" {
		t.Fatalf("the label filter: %v", got)
	}
	if !strings.Contains(page.body, `id="f-label" name="label"`) || !strings.Contains(page.body, `id="label-picker"`) {
		t.Fatal("no label filter or picker in the page")
	}

	// The picker's correction: recorded as the caller's, shown in the row.
	r = g.form(who, "/inbox/label?brand=a", url.Values{"id": {"generic:3"}, "add": {"spam"}}, hx...)
	if r.code != 200 || !strings.Contains(r.body, `id="cor-`+ui.DOMID("generic:3")+`"`) || !strings.Contains(r.body, `hx-swap-oob="true"`) || !strings.Contains(r.body, "+spam") {
		t.Fatalf("label: %d %s", r.code, r.body)
	}
	if len(corrected) != 1 || corrected[0].Moderator == "" || corrected[0].Moderator == dominique || corrected[0].Add[0] != "spam" {
		t.Fatalf("corrections: %+v", corrected)
	}
	for _, tc := range []struct {
		name   string
		path   string
		values url.Values
		code   int
		says   string
	}{
		{"no_label", "/inbox/label?brand=a", url.Values{"id": {"generic:3"}}, http.StatusBadRequest, "add: "},
		{"no_id", "/inbox/label?brand=a", url.Values{"add": {"spam"}}, http.StatusBadRequest, "id: "},
		{"moderation_refuses_naming_the_label", "/inbox/label?brand=a", url.Values{"id": {"generic:3"}, "add": {"threat"}}, http.StatusBadRequest, "add[0]: "},
		{"other_brand", "/inbox/label?brand=b", url.Values{"id": {"generic:3"}, "add": {"spam"}}, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := g.form(who, tc.path, tc.values, hx...); r.code != tc.code || !strings.Contains(r.body, tc.says) {
				t.Fatalf("%d %s", r.code, r.body)
			}
		})
	}

	// A live arrival is one row, marked fresh, with its lock.
	r = g.page(who, "/inbox/row?brand=a&id=generic:1", "HX-Request", "true")
	if r.code != 200 || strings.Count(r.body, `<li class="item`) != 1 || !strings.Contains(r.body, "fresh") || !strings.Contains(r.body, "lock other") {
		t.Fatalf("row: %d %s", r.code, r.body)
	}
	if r = g.page(who, "/inbox/row?brand=a&id=generic:9", "HX-Request", "true"); r.code != http.StatusNotFound {
		t.Fatalf("a row not stored yet: %d %s", r.code, r.body)
	}
	if r = g.page(who, "/inbox/row?brand=b&id=generic:1", "HX-Request", "true"); r.code != http.StatusForbidden {
		t.Fatalf("another brand's row: %d %s", r.code, r.body)
	}
}

// standIn serves a service's endpoints on the test's bus (stopped at the
// end of the test): the handlers are the test's.
func (g *testGateway) standIn(service string) *rpc.Server {
	g.t.Helper()
	srv, err := rpc.NewServer(g.js.Conn(), service, "0.0.1", "stand-in", testkit.Logger(g.t))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(srv.Stop)
	return srv
}
