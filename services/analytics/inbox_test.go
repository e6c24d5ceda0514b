package analytics

import (
	"strings"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// inboxDataset: five interactions of cafe-lumiere (and one of another
// brand) covering every filter. Ids are "<network>:<n>".
//
//	i1 mastodon comment  a1 +1h thread post1 allow    positive praise    p10
//	i2 mastodon reply    a2 +2h thread post1 review   negative complaint p70 route:service-client, SLA +2h, replied +1h
//	i3 instagram dm      a1 +3h              allow    neutral question   p40 SLA +2h, assigned to lea
//	i4 mastodon mention  a3 +4h              escalate negative complaint p90 route:vip, case closed
//	i5 mastodon comment  a1 +5h thread post1 (not moderated)
func inboxDataset() (*dataset, map[string]interaction.Received) {
	d := &dataset{}
	rs := map[string]interaction.Received{}
	rs["i1"] = d.interaction("cafe-lumiere", in{kind: "comment", id: "1", thread: "post1", author: "a1", text: "Café Lumière est génial !", at: t0.Add(time.Hour)})
	rs["i2"] = d.interaction("cafe-lumiere", in{kind: "reply", id: "2", thread: "post1", author: "a2", text: "Ma commande n'est pas arrivée", at: t0.Add(2 * time.Hour)})
	rs["i3"] = d.interaction("cafe-lumiere", in{network: "instagram", kind: "dm", id: "3", author: "a1", text: "Une question sur la CRÈME brûlée", at: t0.Add(3 * time.Hour)})
	rs["i4"] = d.interaction("cafe-lumiere", in{kind: "mention", id: "4", author: "a3", text: "Nul, remboursez-moi", at: t0.Add(4 * time.Hour)})
	rs["i5"] = d.interaction("cafe-lumiere", in{kind: "comment", id: "5", thread: "post1", author: "a1", text: "Merci", at: t0.Add(5 * time.Hour)})
	d.interaction("autre-marque", in{kind: "comment", id: "9", author: "a1", text: "Café Lumière", at: t0.Add(time.Hour)})
	d.moderate(rs["i1"], mod{verdict: "allow", labels: []string{"lang:fr", "sentiment:positive", "intent:praise"}, priority: 10})
	d.moderate(rs["i2"], mod{verdict: "review", labels: []string{"sentiment:negative", "intent:complaint"}, actions: []string{"needs_reply", "route:service-client"}, priority: 70, slaDue: 2 * time.Hour})
	d.moderate(rs["i3"], mod{verdict: "allow", labels: []string{"sentiment:neutral", "intent:question"}, actions: []string{"needs_reply"}, priority: 40, slaDue: 2 * time.Hour})
	d.moderate(rs["i4"], mod{verdict: "escalate", labels: []string{"sentiment:negative", "intent:complaint"}, actions: []string{"escalate", "route:vip"}, priority: 90, slaDue: time.Hour})
	d.reply(rs["i2"], "r2", time.Hour)
	d.decide(rs["i3"], casev1.DecisionAssign, "lea", 10*time.Minute)
	d.decide(rs["i4"], casev1.DecisionAssign, "marc", 5*time.Minute)
	d.decide(rs["i4"], casev1.DecisionAssign, "", 6*time.Minute) // unassigned again
	d.decide(rs["i4"], casev1.DecisionClose, "", 30*time.Minute)
	return d, rs
}

// filterCase is a listing of cafe-lumiere under a filter and the ids it
// lists, newest first.
type filterCase struct {
	name   string
	filter query.InteractionFilter
	want   string
}

// checkFilters lists under each case's filter on h.
func checkFilters(t *testing.T, h *harness, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp query.ListInteractionsResponse
			if err := h.request(query.ListInteractionsSubject, query.SearchInteractionsRequest{
				ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"}, InteractionFilter: tc.filter}, &resp); err != nil {
				t.Fatal(err)
			}
			if got := shortIDs(resp.Items); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSearchInteractions(t *testing.T) {
	d, _ := inboxDataset()
	ptr := func(n int) *int { return &n }
	at := func(h int) *time.Time { x := t0.Add(time.Duration(h) * time.Hour); return &x }
	cases := []filterCase{
		{"no_filter_lists_the_brand_newest_first", query.InteractionFilter{}, "5,4,3,2,1"},
		{"network", query.InteractionFilter{Networks: []string{"instagram"}}, "3"},
		{"kind", query.InteractionFilter{Kinds: []string{"comment"}}, "5,1"},
		{"several_kinds", query.InteractionFilter{Kinds: []string{"dm", "mention"}}, "4,3"},
		{"verdicts", query.InteractionFilter{Verdicts: []string{"review", "escalate"}}, "4,2"},
		{"status_responded", query.InteractionFilter{Statuses: []string{"responded"}}, "2"},
		{"status_closed", query.InteractionFilter{Statuses: []string{"closed"}}, "4"},
		{"status_open", query.InteractionFilter{Statuses: []string{"open"}}, "5,3,1"},
		{"status_open_or_closed", query.InteractionFilter{Statuses: []string{"open", "closed"}}, "5,4,3,1"},
		{"sentiment", query.InteractionFilter{Sentiments: []string{"negative"}}, "4,2"},
		{"intent", query.InteractionFilter{Intents: []string{"question", "praise"}}, "3,1"},
		{"labels", query.InteractionFilter{Labels: []string{"lang:fr", "intent:question"}}, "3,1"},
		{"min_priority", query.InteractionFilter{MinPriority: ptr(40)}, "4,3,2"},
		{"max_priority", query.InteractionFilter{MaxPriority: ptr(40)}, "3,1"},
		{"priority_range", query.InteractionFilter{MinPriority: ptr(40), MaxPriority: ptr(70)}, "3,2"},
		{"assignee", query.InteractionFilter{Assignee: "lea"}, "3"},
		{"assignee_taken_back", query.InteractionFilter{Assignee: "marc"}, ""},
		{"unassigned", query.InteractionFilter{Assignee: query.Unassigned}, "5,4,2,1"},
		{"queue", query.InteractionFilter{Queue: "service-client"}, "2"},
		{"time_range_is_half_open", query.InteractionFilter{From: at(2), To: at(4)}, "3,2"},
		{"text_ignores_case_and_accents", query.InteractionFilter{Text: "creme BRULEE"}, "3"},
		{"text_with_accents_matches_plain", query.InteractionFilter{Text: "café lumière"}, "1"},
		{"text_substring", query.InteractionFilter{Text: "command"}, "2"},
		{"author", query.InteractionFilter{AuthorID: "a1"}, "5,3,1"},
		{"combined_filters", query.InteractionFilter{Networks: []string{"mastodon"}, Sentiments: []string{"negative"}, Statuses: []string{"open"}}, ""},
		{"combined_filters_matching", query.InteractionFilter{Networks: []string{"mastodon"}, Sentiments: []string{"negative"}}, "4,2"},
	}
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			checkFilters(t, h, cases)
			t.Run("pages_under_a_filter", func(t *testing.T) {
				req := query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere", Limit: 1},
					InteractionFilter: query.InteractionFilter{AuthorID: "a1"}}
				var got []string
				for page := 0; page < 5; page++ {
					var resp query.ListInteractionsResponse
					if err := h.request(query.ListInteractionsSubject, req, &resp); err != nil {
						t.Fatal(err)
					}
					got = append(got, shortIDs(resp.Items))
					if resp.NextCursor == "" {
						break
					}
					req.Cursor = resp.NextCursor
				}
				if strings.Join(got, "|") != "5|3|1" {
					t.Fatalf("pages %q, want 5|3|1", got)
				}
			})
		})
	}
}

// A moderator's label correction (case.corrected.v1) changes what the
// label filters find, until a later moderation decides the labels again.
func TestLabelFiltersHonourCorrections(t *testing.T) {
	d := &dataset{}
	r1 := d.interaction("cafe-lumiere", in{kind: "comment", id: "1", author: "a1", text: "Promo -70% shop-outlet.top", at: t0.Add(time.Hour)})
	r2 := d.interaction("cafe-lumiere", in{kind: "comment", id: "2", author: "a2", text: "Vous êtes nuls", at: t0.Add(2 * time.Hour)})
	r3 := d.interaction("cafe-lumiere", in{kind: "comment", id: "3", author: "a3", text: "Gagnez un iPhone", at: t0.Add(3 * time.Hour)})
	r4 := d.interaction("cafe-lumiere", in{kind: "comment", id: "4", author: "a4", text: "Super café", at: t0.Add(4 * time.Hour)})
	d.moderate(r1, mod{verdict: "allow", labels: []string{"sentiment:positive", "intent:praise"}})
	d.correct(r1, []string{"sentiment:positive", "intent:praise"}, []string{"spam"}, []string{"sentiment:positive"}, time.Hour)
	d.moderate(r2, mod{verdict: "review", labels: []string{"toxicity:insult", "sentiment:negative"}})
	d.correct(r2, []string{"toxicity:insult", "sentiment:negative"}, nil, []string{"toxicity"}, time.Hour)
	// r3: corrected, then moderated again (an edit) after the correction.
	d.moderate(r3, mod{verdict: "spam", labels: []string{"spam"}})
	d.correct(r3, []string{"spam"}, nil, []string{"spam"}, 30*time.Minute)
	d.moderate(r3, mod{verdict: "spam", labels: []string{"spam"}, version: 3600})
	d.moderate(r4, mod{verdict: "allow", labels: []string{"sentiment:positive"}})
	cases := []filterCase{
		{"an_added_label_is_found", query.InteractionFilter{Labels: []string{"spam"}}, "3,1"},
		{"a_removed_sentiment_is_not", query.InteractionFilter{Sentiments: []string{"positive"}}, "4"},
		{"what_the_correction_kept_stays", query.InteractionFilter{Intents: []string{"praise"}}, "1"},
		{"toxicity_removes_its_kinds", query.InteractionFilter{Labels: []string{"toxicity:insult"}}, ""},
		{"labels_and_sentiments_together", query.InteractionFilter{Labels: []string{"spam"}, Intents: []string{"praise"}}, "1"},
		{"other_state_filters_still_apply", query.InteractionFilter{Labels: []string{"spam"}, Verdicts: []string{"allow"}}, "1"},
	}
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			checkFilters(t, h, cases)
		})
	}
}

func TestSearchInteractionsBadRequests(t *testing.T) {
	h := newHarness(t, nil)
	from, to := t0, t0.Add(-time.Hour)
	cases := []struct {
		name   string
		filter query.InteractionFilter
		want   string
	}{
		{"unknown_kind", query.InteractionFilter{Kinds: []string{"tweet"}}, "kinds"},
		{"unknown_status", query.InteractionFilter{Statuses: []string{"done"}}, "statuses"},
		{"network_with_quote", query.InteractionFilter{Networks: []string{"x'"}}, "networks"},
		{"reversed_time_range", query.InteractionFilter{From: &from, To: &to}, "from must be before to"},
		{"text_too_long", query.InteractionFilter{Text: strings.Repeat("a", readmodel.MaxSearchText+1)}, "text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp query.ListInteractionsResponse
			err := h.request(query.ListInteractionsSubject, query.SearchInteractionsRequest{
				ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"}, InteractionFilter: tc.filter}, &resp)
			le, ok := asListErr(err)
			if !ok || le.code != query.CodeBadRequest || !strings.Contains(le.text, tc.want) {
				t.Fatalf("err = %v, want 400 mentioning %q", err, tc.want)
			}
		})
	}
}

func TestGetInteraction(t *testing.T) {
	d, rs := inboxDataset()
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			get := func(t *testing.T, id string) query.InteractionDetail {
				var det query.InteractionDetail
				if err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: id}, &det); err != nil {
					t.Fatal(err)
				}
				return det
			}
			t.Run("responded_reply_with_its_thread", func(t *testing.T) {
				det := get(t, rs["i2"].ID)
				if det.Status != "responded" || det.Queue != "service-client" || det.Assignee != "" || det.Priority != 70 {
					t.Fatalf("status %q queue %q assignee %q priority %d", det.Status, det.Queue, det.Assignee, det.Priority)
				}
				if det.SLADue == nil || !det.SLADue.Equal(t0.Add(4*time.Hour)) {
					t.Fatalf("sla_due %v, want %s", det.SLADue, t0.Add(4*time.Hour))
				}
				if len(det.Replies) != 1 || det.Replies[0].PlatformID != "r2" || !det.Replies[0].SentAt.Equal(t0.Add(3*time.Hour)) {
					t.Fatalf("replies %+v", det.Replies)
				}
				if got := shortIDs(det.Thread); got != "1,2,5" {
					t.Fatalf("thread %q, want 1,2,5 (oldest first)", got)
				}
				if det.Author.Total != 1 || det.Author.Responded != 1 || det.Author.BySentiment["negative"] != 1 || len(det.Author.Recent) != 0 {
					t.Fatalf("author %+v", det.Author)
				}
			})
			t.Run("author_history_on_the_network", func(t *testing.T) {
				det := get(t, rs["i5"].ID)
				a := det.Author
				// a1 on mastodon: i1 and i5 (i3 is on instagram, i9 another brand's).
				if det.Status != "open" || a.Total != 2 || a.ByKind["comment"] != 2 || a.BySentiment["positive"] != 1 || len(a.BySentiment) != 1 ||
					a.Responded != 0 || !a.FirstSeen.Equal(t0.Add(time.Hour)) || !a.LastSeen.Equal(t0.Add(5*time.Hour)) || shortIDs(a.Recent) != "1" {
					t.Fatalf("status %q author %+v", det.Status, a)
				}
			})
			t.Run("assigned_dm", func(t *testing.T) {
				det := get(t, rs["i3"].ID)
				if det.Status != "open" || det.Assignee != "lea" || shortIDs(det.Thread) != "3" {
					t.Fatalf("status %q assignee %q thread %q", det.Status, det.Assignee, shortIDs(det.Thread))
				}
			})
			t.Run("closed_case", func(t *testing.T) {
				det := get(t, rs["i4"].ID)
				if det.Status != "closed" || det.Assignee != "" || det.Queue != "vip" {
					t.Fatalf("status %q assignee %q queue %q", det.Status, det.Assignee, det.Queue)
				}
			})
			t.Run("unknown_id_is_not_found", func(t *testing.T) {
				var det query.InteractionDetail
				err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: "mastodon:9"}, &det)
				if le, ok := asListErr(err); !ok || le.code != query.CodeNotFound {
					t.Fatalf("err = %v, want 404 (another brand's interaction)", err)
				}
			})
		})
	}
}

// shortIDs renders the platform ids of items, comma-separated.
func shortIDs(items []query.Interaction) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.PlatformID
	}
	return strings.Join(out, ",")
}
