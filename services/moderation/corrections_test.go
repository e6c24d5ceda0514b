package moderation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation"
)

// TestCorrections: a moderator's correction, explicit or a case decision
// that disagrees with the automatic verdict, is published, listed in the
// report of the most corrected labels, and changes the decision on the next
// similar text of the brand — on every replica, and only for that brand.
func TestCorrections(t *testing.T) {
	at := time.Now().UTC()
	item := func(id, brand, text string) v1.Received {
		return v1.Received{ID: id, Brand: brand, Network: "sandbox", Kind: v1.KindComment, PlatformID: id,
			Author: v1.Author{ID: "author-" + id}, Text: text, CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
	}
	shop := item("sandbox:1", "demo", "Venez voir notre nouvelle collection sur lumiere-boutique.fr, -20% ce week-end seulement !")
	partner := item("sandbox:2", "demo", "Check out my cooking channel, new video every friday!")
	stored := storedInteractions{shop.ID: shop, partner.ID: partner}
	var (
		decisions decisionsByID
		mu        sync.Mutex
		corrected []casev1.Corrected
	)
	h := start(t, moderation.Deps{Lookup: stored, Interactions: knownSet{}}, func(router *bus.Router) {
		decisions.watch(t)(router)
		if err := bus.Handle(router, "test-corrections", func(ctx context.Context, c casev1.Corrected, env events.Envelope) error {
			mu.Lock()
			corrected = append(corrected, c)
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	decided := func(r v1.Received) v1.Moderated {
		t.Helper()
		return decisions.decide(t, h, r)
	}
	if m := decided(shop); slices.Contains(m.Labels, "spam") {
		t.Fatalf("the counterfeit shop is spam already (%v): the test needs a miss", m.Labels)
	}
	if m := decided(partner); !slices.Contains(m.Labels, "spam") {
		t.Fatalf("the partner's channel is not spam (%v): the test needs a false spam", m.Labels)
	}

	t.Run("bad_corrections_name_their_field", func(t *testing.T) {
		for name, c := range map[string]struct {
			req   query.CorrectCaseRequest
			code  string
			field string
		}{
			"remove_a_label_not_given": {query.CorrectCaseRequest{InteractionID: shop.ID, Remove: []string{"spam"}}, query.CodeBadRequest, "remove[0]"},
			"add_a_label_given":        {query.CorrectCaseRequest{InteractionID: partner.ID, Add: []string{"spam"}}, query.CodeBadRequest, "add[0]"},
			"unknown_label":            {query.CorrectCaseRequest{InteractionID: shop.ID, Add: []string{"pii:email"}}, query.CodeBadRequest, "add[0]"},
			"nothing_to_correct":       {query.CorrectCaseRequest{InteractionID: shop.ID}, query.CodeBadRequest, "add"},
			"unknown_interaction":      {query.CorrectCaseRequest{InteractionID: "sandbox:404", Add: []string{"spam"}}, query.CodeNotFound, ""},
		} {
			c.req.Brand, c.req.Moderator = "demo", "alice"
			code, text := h.ask(t, query.CorrectCaseSubject, c.req, nil)
			if code != c.code || !strings.Contains(text, c.field) {
				t.Errorf("%s: %s %s, want %s naming %q", name, code, text, c.code, c.field)
			}
		}
	})

	t.Run("an_added_label_decides_the_next_similar_text", func(t *testing.T) {
		var c casev1.Corrected
		req := query.CorrectCaseRequest{Brand: "demo", InteractionID: shop.ID, Moderator: "alice", Add: []string{"spam"}, Reason: "counterfeit shop"}
		if code, text := h.ask(t, query.CorrectCaseSubject, req, &c); code != "" {
			t.Fatalf("correct: %s %s", code, text)
		}
		if c.Text != shop.Text || c.Source != casev1.CorrectionExplicit || c.ID != casev1.CorrectedID(shop.ID, shop.Text, req.Add, nil) {
			t.Fatalf("correction %+v", c)
		}
		next := decided(item("sandbox:3", "demo", "Venez voir la nouvelle collection sur lumiere-boutique.fr, -30% ce week-end seulement !"))
		if next.Verdict != v1.VerdictSpam || !slices.Contains(next.LabelReasons["spam"], "feedback:spam:"+shop.ID) ||
			!slices.Contains(next.RuleHits, "feedback:+spam:"+shop.ID) {
			t.Fatalf("the similar text: %s %v %v %v", next.Verdict, next.Labels, next.LabelReasons, next.RuleHits)
		}
		other := decided(item("sandbox:4", "other-brand", "Venez voir la nouvelle collection sur lumiere-boutique.fr, -30% ce week-end seulement !"))
		if slices.Contains(other.Labels, "spam") {
			t.Fatalf("another brand took demo's correction: %v", other.Labels)
		}
		unlike := decided(item("sandbox:5", "demo", "Bonjour, vos croissants sont-ils faits maison ?"))
		if slices.Contains(unlike.Labels, "spam") {
			t.Fatalf("an unlike text took the correction: %v", unlike.Labels)
		}
	})

	t.Run("a_disagreeing_case_decision_corrects_on_every_replica", func(t *testing.T) {
		var resp query.DecideCaseResponse
		req := query.DecideCaseRequest{Brand: "demo", InteractionID: partner.ID, Moderator: "bob", Decision: casev1.DecisionApprove, Reason: "our partner"}
		if code, text := h.ask(t, query.DecideCaseSubject, req, &resp); code != "" {
			t.Fatalf("decide: %s %s", code, text)
		}
		eventually(t, "the correction the approval implies", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return slices.ContainsFunc(corrected, func(c casev1.Corrected) bool {
				return c.InteractionID == partner.ID && c.Source == casev1.CorrectionCase && slices.Equal(c.Remove, []string{"spam"})
			})
		})
		// A second replica learns the corrections from the bucket; the
		// similar texts are shared between the two.
		startOn(t, h.conn, moderation.Deps{Lookup: stored, Interactions: knownSet{}}, nil)
		time.Sleep(200 * time.Millisecond)
		for i, text := range []string{"check out my cooking channel - new video every friday", "Check out my Cooking Channel, new video every Friday 🙂",
			"Check out my cooking channel, new videos every friday!", "Check out my cooking channel, new video every friday! thanks"} {
			m := decided(item("sandbox:1"+strings.Repeat("0", i+1), "demo", text))
			if slices.Contains(m.Labels, "spam") || !slices.Contains(m.RuleHits, "feedback:-spam:"+partner.ID) {
				t.Fatalf("%q: %v %v", text, m.Labels, m.RuleHits)
			}
		}
	})

	t.Run("the_report_counts_the_most_corrected_labels", func(t *testing.T) {
		var rep query.ListCorrectionsResponse
		if code, text := h.ask(t, query.ListCorrectionsSubject, query.ListCorrectionsRequest{Brand: "demo"}, &rep); code != "" {
			t.Fatalf("list: %s %s", code, text)
		}
		if rep.Total != 2 || len(rep.Corrections) != 2 || len(rep.Labels) != 1 {
			t.Fatalf("report %+v", rep)
		}
		spam := rep.Labels[0]
		if spam.Label != "spam" || spam.Added != 1 || spam.Removed != 1 || len(spam.By) == 0 {
			t.Fatalf("spam's count %+v", spam)
		}
		if code, _ := h.ask(t, query.ListCorrectionsSubject, query.ListCorrectionsRequest{Brand: "demo", Limit: 5000}, nil); code != query.CodeBadRequest {
			t.Fatalf("a limit of 5000: %q, want bad request", code)
		}
		// The inbox asks for its page's interactions only.
		var page query.ListCorrectionsResponse
		if code, text := h.ask(t, query.ListCorrectionsSubject, query.ListCorrectionsRequest{Brand: "demo", InteractionIDs: []string{partner.ID, "sandbox:nope"}}, &page); code != "" {
			t.Fatalf("list a page's: %s %s", code, text)
		}
		if len(page.Corrections) != 1 || page.Corrections[0].InteractionID != partner.ID {
			t.Fatalf("a page's corrections: %+v", page.Corrections)
		}
		many := make([]string, query.MaxCorrectionIDs+1)
		for i := range many {
			many[i] = fmt.Sprintf("sandbox:%d", i)
		}
		if code, text := h.ask(t, query.ListCorrectionsSubject, query.ListCorrectionsRequest{Brand: "demo", InteractionIDs: many}, nil); code != query.CodeBadRequest || !strings.Contains(text, "interaction_ids") {
			t.Fatalf("%d ids: %q %s, want bad request naming interaction_ids", len(many), code, text)
		}
	})
}
