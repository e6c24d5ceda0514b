package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestListInteractionsPaginates(t *testing.T) {
	h := newHarness(t, nil)
	// 23 interactions of one brand: distinct seconds, several in one second
	// told apart by their milliseconds, and three at the very same
	// millisecond told apart by id. Plus another brand's, never listed.
	var want []interaction.Received
	for i := 0; i < 23; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		switch {
		case i >= 10 && i < 15:
			at = t0.Add(10*time.Second + time.Duration(i*37)*time.Millisecond)
		case i >= 15 && i < 18:
			at = t0.Add(20*time.Second + 500*time.Millisecond)
		}
		want = append(want, sampleReceived("cafe-lumiere", fmt.Sprintf("p%02d", i), at))
	}
	for _, r := range want {
		h.publish(r, r.Brand, r.ID)
	}
	for _, r := range receivedN("autre-marque", 5) {
		h.publish(r, r.Brand, r.ID)
	}
	eventually(t, 10*time.Second, "the dataset", func() bool { return h.rowsWritten("interactions") == 28 && h.settled() })

	sort.Slice(want, func(i, j int) bool {
		a, b := want[i], want[j]
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.After(b.ReceivedAt)
		}
		return a.ID > b.ID
	})
	var wantIDs []string
	for _, r := range want {
		wantIDs = append(wantIDs, r.ID)
	}

	for _, tc := range []struct {
		limit, pages int
	}{{5, 5}, {1, 23}, {23, 1}, {0, 1}, {22, 2}} {
		t.Run(fmt.Sprintf("limit_%d", tc.limit), func(t *testing.T) {
			items, pages := h.listAll("cafe-lumiere", tc.limit)
			if got := ids(items); strings.Join(got, ",") != strings.Join(wantIDs, ",") {
				t.Fatalf("listed\n%q\nwant\n%q", got, wantIDs)
			}
			if pages != tc.pages {
				t.Fatalf("%d pages, want %d", pages, tc.pages)
			}
		})
	}

	t.Run("page_sizes_and_last_cursor", func(t *testing.T) {
		resp, err := h.list(query.ListInteractionsRequest{Brand: "cafe-lumiere", Limit: 20})
		if err != nil || len(resp.Items) != 20 || resp.NextCursor == "" {
			t.Fatalf("first page: %d items, cursor %q, err %v", len(resp.Items), resp.NextCursor, err)
		}
		resp, err = h.list(query.ListInteractionsRequest{Brand: "cafe-lumiere", Limit: 20, Cursor: resp.NextCursor})
		if err != nil || len(resp.Items) != 3 || resp.NextCursor != "" {
			t.Fatalf("last page: %d items, cursor %q, err %v", len(resp.Items), resp.NextCursor, err)
		}
	})

	t.Run("a_cursor_does_not_leak_across_brands", func(t *testing.T) {
		first, _ := h.list(query.ListInteractionsRequest{Brand: "cafe-lumiere", Limit: 1})
		resp, err := h.list(query.ListInteractionsRequest{Brand: "autre-marque", Cursor: first.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range resp.Items {
			if it.Brand != "autre-marque" {
				t.Fatalf("brand autre-marque listed %s of %s", it.ID, it.Brand)
			}
		}
	})
}

func TestListInteractionsJoinsTheLatestModeration(t *testing.T) {
	h := newHarness(t, nil)
	r := sampleReceived("cafe-lumiere", "1", t0)
	h.publish(r, r.Brand, r.ID)
	decisions := []interaction.Moderated{
		{Labels: []string{"spam"}, Verdict: interaction.VerdictSpam, Priority: 1, PolicyVersion: 1, ModeratedAt: t0.Add(time.Second)},
		{Labels: []string{"lang:fr", "intent:question"}, Verdict: interaction.VerdictReview, Priority: 60, PolicyVersion: 2, ModeratedAt: t0.Add(time.Hour)},
	}
	// Newest first: the state must not depend on arrival order.
	for i := len(decisions) - 1; i >= 0; i-- {
		m := decisions[i]
		m.ID, m.InteractionID, m.Brand, m.Network = interaction.ModeratedID(r.ID, m.PolicyVersion), r.ID, r.Brand, r.Network
		h.publish(m, m.Brand, m.ID)
	}
	eventually(t, 10*time.Second, "the events", func() bool { return h.rowsWritten("interaction_state") == 2 && h.settled() })
	resp, err := h.list(query0("cafe-lumiere"))
	if err != nil || len(resp.Items) != 1 {
		t.Fatalf("items %+v, err %v", resp.Items, err)
	}
	it := resp.Items[0]
	if it.Verdict != "review" || it.Priority != 60 || strings.Join(it.Labels, ",") != "lang:fr,intent:question" {
		t.Fatalf("moderation %q %d %q, want the policy 2 decision", it.Verdict, it.Priority, it.Labels)
	}
}

func TestListInteractionsBadRequests(t *testing.T) {
	h := newHarness(t, nil)
	raw := func(v any) []byte { b, _ := json.Marshal(v); return b }
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"not_json", []byte("brand=cafe"), "not valid JSON"},
		{"missing_brand", raw(query.ListInteractionsRequest{}), "brand"},
		{"invalid_brand", raw(query.ListInteractionsRequest{Brand: "Café Lumière"}), "brand"},
		{"injection_in_brand", raw(query.ListInteractionsRequest{Brand: "x' OR 1=1 --"}), "brand"},
		{"negative_limit", raw(query.ListInteractionsRequest{Brand: "cafe", Limit: -5}), "limit must be from 1 to 500"},
		{"limit_over_max", raw(query.ListInteractionsRequest{Brand: "cafe", Limit: query.MaxListLimit + 1}), "limit must be from 1 to 500"},
		{"forged_cursor", raw(query.ListInteractionsRequest{Brand: "cafe", Cursor: "eyJyIjotMX0"}), "cursor"},
		{"garbage_cursor", raw(query.ListInteractionsRequest{Brand: "cafe", Cursor: "not a cursor!"}), "cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.ask(tc.body)
			le, ok := asListErr(err)
			if !ok || le.code != query.CodeBadRequest || !strings.Contains(le.text, tc.want) {
				t.Fatalf("err = %v, want %s mentioning %q", err, query.CodeBadRequest, tc.want)
			}
		})
	}
}

func TestQueryServiceIsDiscoverable(t *testing.T) {
	h := newHarness(t, nil)
	reply, err := h.bus.NC.Request("$SRV.INFO."+query.AnalyticsService, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var info micro.Info
	if err := json.Unmarshal(reply.Data, &info); err != nil {
		t.Fatal(err)
	}
	subjects := map[string]bool{}
	for _, e := range info.Endpoints {
		subjects[e.Subject] = true
	}
	if info.Name != query.AnalyticsService {
		t.Fatalf("info %+v", info)
	}
	for _, e := range query.Endpoints() {
		if e.Service == query.AnalyticsService && !subjects[e.Subject] {
			t.Errorf("declared endpoint %s (%s) is not served", e.Name, e.Subject)
		}
	}
	if _, err := h.list(query0("cafe-lumiere")); err != nil {
		t.Fatal(err)
	}
	h.stop()
	if _, err := h.bus.NC.Request(query.ListInteractionsSubject, []byte(`{"brand":"cafe"}`), 500*time.Millisecond); err == nil {
		t.Fatal("the endpoint still answers after Run returned")
	}
}

func TestMigrate(t *testing.T) {
	h := newHarness(t, nil) // migrates once
	applied, err := MigrateApplied(context.Background(), h.db)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %+v, err %v; want a no-op", applied, err)
	}
	var rows []string
	r, err := h.db.Conn().Query(context.Background(), "SELECT name, skipped FROM schema_migrations WHERE module = ? ORDER BY version", Module)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var (
			name    string
			skipped uint8
		)
		if err := r.Scan(&name, &skipped); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, fmt.Sprintf("%s:%d", name, skipped))
	}
	lc := "0"
	if !h.db.Features().LowCardinality {
		lc = "1"
	}
	if got, want := strings.Join(rows, ","), "interactions:0,interaction_state:0,low_cardinality:"+lc+",replies:0,case_decisions:0,community:0,contest_draws:0,query_copies:0,kpi_rollup:0,interaction_edits:0,post_metrics:0,publish_outcomes:0,link_clicks:0,drafts_audit:0,inbox_lookups:0,inbox_rows:0,label_corrections:0"; got != want {
		t.Fatalf("schema_migrations %s, want %s", got, want)
	}
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	cases := []struct {
		name string
		deps Deps
	}{
		{"nothing", Deps{}},
		{"no_clickhouse", Deps{Logger: testLogger(t)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(fastConfig(), tc.deps); err == nil || !strings.Contains(err.Error(), "missing dependency") {
				t.Fatalf("New = %v, want a missing dependency error", err)
			}
		})
	}
	if _, err := New(Config{}, Deps{}); err == nil || !strings.Contains(err.Error(), "analytics.consumer") {
		t.Fatalf("New with an empty config = %v, want a config error", err)
	}
}

// TestStateCopiesAgree: the copies of interaction_state that the inbox and
// the dashboard read (migration 0008) give the same latest state as
// interaction_state, with redelivered rows and several versions, before and
// after merges (which collapse interaction_state to its latest versions).
func TestStateCopiesAgree(t *testing.T) {
	d := &dataset{}
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	for i, verdicts := range [][]interaction.Verdict{{"allow"}, {"spam", "allow"}, {"allow", "review", "spam"}, {"review"}} {
		r := d.interaction("cafe-lumiere", in{kind: "comment", id: strconv.Itoa(i), author: "a", text: "x", at: at.Add(time.Duration(i) * time.Hour)})
		for v, verdict := range verdicts {
			due := r.CreatedAt.Add(time.Duration(v+1) * time.Hour)
			d.events = append(d.events, interaction.Moderated{
				ID: interaction.ModeratedID(r.ID, v+1), InteractionID: r.ID, Brand: r.Brand, Network: r.Network,
				Labels: []string{"sentiment:" + strconv.Itoa(v)}, Verdict: verdict, Actions: []string{"route:" + strconv.Itoa(v)},
				Priority: 10 * v, SLADue: &due, RuleHits: []string{}, PolicyVersion: v + 1, ModeratedAt: r.ReceivedAt.Add(time.Duration(v+1) * time.Minute),
			})
		}
	}
	h := seededN(t, d, 2)
	ctx := context.Background()
	// latest renders the latest state of each interaction in table, since
	// (when set) the moderation time.
	latest := func(t *testing.T, table, columns, since string) string {
		t.Helper()
		rows, err := h.db.Conn().Query(ctx, `SELECT interaction_id, toString(tuple(`+columns+`)) FROM `+table+`
WHERE brand = 'cafe-lumiere'`+since+` GROUP BY interaction_id ORDER BY interaction_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				t.Fatal(err)
			}
			out = append(out, id+" "+state)
		}
		return strings.Join(out, "\n")
	}
	byTime := "argMax(verdict, version), argMax(labels, version), argMax(actions, version), argMax(sla_due, version)"
	byID := "argMax(verdict, version), argMax(labels, version), argMax(actions, version), argMax(priority, version)"
	since := fmt.Sprintf(" AND moderated_at >= toDateTime(%d)", at.Add(-time.Hour).Unix())
	check := func(t *testing.T) {
		want := latest(t, "interaction_state", byTime, since)
		if !strings.Contains(want, "mastodon:2 ('spam'") || !strings.Contains(want, "mastodon:1 ('allow'") {
			t.Fatalf("interaction_state's latest states:\n%s", want)
		}
		if got := latest(t, "interaction_state_by_time", byTime, since); got != want {
			t.Fatalf("interaction_state_by_time:\n%s\nwant\n%s", got, want)
		}
		// interaction_state_by_id has no moderated_at: read whole.
		if got, want := latest(t, "interaction_state_by_id", byID, ""), latest(t, "interaction_state", byID, ""); got != want {
			t.Fatalf("interaction_state_by_id:\n%s\nwant\n%s", got, want)
		}
	}
	t.Run("before_merges", check)
	for _, table := range []string{"interaction_state", "interaction_state_by_time", "interaction_state_by_id"} {
		if err := h.db.Conn().Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL"); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.count("SELECT count() FROM interaction_state"); n != 4 {
		t.Fatalf("interaction_state holds %d rows after merges, want 4 (the latest of each)", n)
	}
	t.Run("after_merges", check)
}
