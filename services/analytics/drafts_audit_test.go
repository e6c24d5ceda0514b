package analytics

import (
	"encoding/json"
	"testing"
	"time"

	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// TestDraftMetrics: drafts and their reviews stored by the sink give the
// acceptance rate, edit distance and time to approve; a redelivery changes
// nothing.
func TestDraftMetrics(t *testing.T) {
	const brand = "cafe-lumiere"
	h := newHarness(t, nil)
	created := func(interaction string, version int, at time.Time, drafter string, flagged bool) draftv1.Created {
		id := draftv1.DraftID(interaction)
		return draftv1.Created{ID: draftv1.CreatedID(id, version), DraftID: id, Version: version, Brand: brand, InteractionID: interaction,
			Network: "mastodon", Lang: "fr", Text: "Bonjour, nos cafés partent sous 24 h.", Drafter: drafter, Flagged: flagged, CreatedAt: at}
	}
	var evs []draftEvent
	add := func(e draftEvent) { evs = append(evs, e) }
	add(created("m:1", 1, t0, draftv1.DrafterOffline, false))
	add(created("m:2", 1, t0.Add(time.Minute), "model:fake-1", false))
	add(created("m:2", 2, t0.Add(3*time.Minute), "model:fake-1", true))
	add(created("m:3", 1, t0.Add(5*time.Minute), draftv1.DrafterOffline, false))
	approve := func(interaction string, version int, at time.Time, distance int) draftv1.Approved {
		id := draftv1.DraftID(interaction)
		return draftv1.Approved{ID: draftv1.ApprovalID(id, version), Brand: brand, DraftID: id, DraftVersion: version, InteractionID: interaction,
			Text: "Bonjour", ApprovedBy: "u-1", ApprovedAt: at, EditDistance: distance}
	}
	add(approve("m:1", 1, t0.Add(10*time.Minute), 0))
	add(approve("m:2", 2, t0.Add(31*time.Minute), 12))
	add(draftv1.Rejected{ID: draftv1.RejectedID(draftv1.DraftID("m:3"), 1), Brand: brand, DraftID: draftv1.DraftID("m:3"), DraftVersion: 1,
		InteractionID: "m:3", RejectedBy: "u-2", Reason: "hors sujet", RejectedAt: t0.Add(20 * time.Minute)})
	for copy := range 2 { // a redelivery past the duplicate window
		for _, e := range evs {
			h.publish(e, brand, eventID(e)+"#"+itoa(uint64(copy)))
		}
	}
	eventually(t, 20*time.Second, "the drafts stored", func() bool {
		return h.rowsWritten("drafts") == 8 && h.rowsWritten("draft_reviews") == 6 && h.allSettled()
	})
	var m query.DraftMetrics
	if err := h.request(query.GetDraftMetrics.Subject(), query.DraftMetricsRequest{Brand: brand, From: t0, To: t0.Add(24 * time.Hour)}, &m); err != nil {
		t.Fatal(err)
	}
	if m.Drafted != 3 || m.Regenerated != 1 || m.Flagged != 1 || m.Approved != 2 || m.Rejected != 1 || m.AcceptanceRate != 0.667 ||
		m.MeanEditDistance != 6 || m.Unedited != 1 || m.ByDrafter["offline"] != 2 || m.ByDrafter["model:fake-1"] != 2 {
		t.Fatalf("metrics = %+v", m)
	}
	// m:1 waited 10 min, m:2 30 min (from its first version): quantiles
	// interpolate (exact below 8,192 approvals, a reservoir sample above).
	if m.MedianSecondsToApprove != 1200 || m.P90SecondsToApprove != 1680 || m.Definitions["acceptance_rate"] == "" {
		t.Fatalf("time to approve = %v / %v", m.MedianSecondsToApprove, m.P90SecondsToApprove)
	}
	t.Run("bad_periods_name_the_field", func(t *testing.T) {
		var out query.DraftMetrics
		err := h.request(query.GetDraftMetrics.Subject(), query.DraftMetricsRequest{Brand: brand, From: t0, To: t0}, &out)
		if le, ok := asListErr(err); !ok || le.code != "400" {
			t.Fatalf("empty period: %v", err)
		}
	})
}

type draftEvent = interface{ Name() string }

// TestAuditSearch: the audit log stored by the sink is searched by actor,
// action and time, newest first, in pages.
func TestAuditSearch(t *testing.T) {
	const brand = "cafe-lumiere"
	h := newHarness(t, nil)
	recs := []auditv1.Recorded{
		{ID: "r1", Brand: brand, At: t0.Add(time.Minute), Actor: "u-1", ActorEmail: "Lea@example.com", Action: "cases.decide", Method: "POST", Route: "/api/v1/cases/:id/decide", Path: "/api/v1/cases/m:1/decide", Target: "id=m:1", Status: 200, IP: "192.0.2.1", After: json.RawMessage(`{"decision":"hide"}`)},
		{ID: "r2", Brand: brand, At: t0.Add(2 * time.Minute), Actor: "u-2", Action: "drafts.approve", Method: "POST", Status: 200},
		{ID: "r3", Brand: brand, At: t0.Add(3 * time.Minute), Actor: "u-1", Action: "cases.decide", Method: "POST", Status: 403},
		{ID: "r4", Brand: brand, At: t0.Add(4*time.Minute + 250*time.Millisecond), Actor: "u-1", Action: "sources.write", Method: "POST", Status: 200},
		{ID: "x1", Brand: "other", At: t0.Add(time.Minute), Actor: "u-1", Action: "cases.decide", Method: "POST", Status: 200},
	}
	for _, r := range recs {
		h.publish(r, r.Brand, r.ID)
	}
	eventually(t, 20*time.Second, "the audit log stored", func() bool { return h.rowsWritten("audit_log") == 5 && h.allSettled() })
	search := func(req query.SearchAuditRequest) query.AuditSearchResult {
		t.Helper()
		req.Brand = brand
		var out query.AuditSearchResult
		if err := h.request(query.SearchAudit.Subject(), req, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	ids := func(r query.AuditSearchResult) (out []string) {
		for _, it := range r.Items {
			out = append(out, it.ID)
		}
		return out
	}
	if got := ids(search(query.SearchAuditRequest{Actor: "lea@example.com"})); len(got) != 1 || got[0] != "r1" {
		t.Fatalf("by email = %v", got)
	}
	since, until := t0.Add(90*time.Second), t0.Add(5*time.Minute)
	if got := ids(search(query.SearchAuditRequest{Actor: "u-1", Since: &since, Until: &until})); len(got) != 2 || got[0] != "r4" || got[1] != "r3" {
		t.Fatalf("by actor and time = %v", got)
	}
	first := search(query.SearchAuditRequest{Action: "cases.decide", Limit: 1})
	if got := ids(first); len(got) != 1 || got[0] != "r3" || first.NextCursor == "" {
		t.Fatalf("first page = %+v", first)
	}
	second := search(query.SearchAuditRequest{Action: "cases.decide", Limit: 1, Cursor: first.NextCursor})
	if got := ids(second); len(got) != 1 || got[0] != "r1" || second.Items[0].Target != "id=m:1" || string(second.Items[0].After) != `{"decision":"hide"}` {
		t.Fatalf("second page = %+v", second)
	}
	if all := search(query.SearchAuditRequest{}); len(all.Items) != 4 || !all.Items[0].At.Equal(recs[3].At) {
		t.Fatalf("all = %+v", all.Items)
	}
}
