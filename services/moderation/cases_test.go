package moderation_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation"
)

// knownSet is the interactions analytics holds, in the tests.
type knownSet []string

func (k knownSet) Known(_ context.Context, brand, id string) (bool, error) {
	return brand == "demo" && slices.Contains(k, id), nil
}

func TestCasesCheckTheInteractionExists(t *testing.T) {
	h := start(t, moderation.Deps{Interactions: knownSet{"x:1"}}, nil)
	claim := func(brand, id string) string {
		code, _ := h.ask(t, query.ClaimCaseSubject, query.ClaimCaseRequest{Brand: brand, InteractionID: id, Moderator: "alice"}, nil)
		return code
	}
	t.Run("an_unknown_interaction_is_404", func(t *testing.T) {
		if code := claim("demo", "x:404"); code != query.CodeNotFound {
			t.Fatalf("claim: %q, want 404", code)
		}
		code, _ := h.ask(t, query.DecideCaseSubject, query.DecideCaseRequest{Brand: "demo", InteractionID: "x:404", Moderator: "alice",
			Decision: casev1.DecisionHide}, nil)
		if code != query.CodeNotFound {
			t.Fatalf("decide: %q, want 404", code)
		}
	})
	t.Run("another_brands_interaction_is_404", func(t *testing.T) {
		if code := claim("rival", "x:1"); code != query.CodeNotFound {
			t.Fatalf("claim: %q, want 404", code)
		}
	})
	t.Run("analytics_knows_it", func(t *testing.T) {
		if code := claim("demo", "x:1"); code != "" {
			t.Fatalf("claim: %q", code)
		}
	})
	t.Run("moderations_own_decision_log_knows_it", func(t *testing.T) {
		at := time.Now().UTC()
		r := v1.Received{ID: "mastodon:55", Brand: "demo", Network: "mastodon", Kind: v1.KindComment, PlatformID: "55",
			Author: v1.Author{ID: "a"}, Text: "Bonjour, où est ma commande ?", CreatedAt: at, ReceivedAt: at, Source: v1.SourcePoll}
		h.publish(t, r, r.ID, "demo")
		eventually(t, "a claim on the moderated interaction", func() bool { return claim("demo", "mastodon:55") == "" })
	})
}

func TestCases(t *testing.T) {
	claim := func(h *harness, t *testing.T, id, who string) (query.CaseClaim, string) {
		var c query.CaseClaim
		code, _ := h.ask(t, query.ClaimCaseSubject, query.ClaimCaseRequest{Brand: "demo", InteractionID: id, Moderator: who}, &c)
		return c, code
	}
	t.Run("of_moderators_claiming_at_once_exactly_one_wins", func(t *testing.T) {
		h := start(t, moderation.Deps{Interactions: knownSet{"x:100", "x:1"}}, nil)
		const n = 16
		var wg sync.WaitGroup
		codes := make([]string, n)
		for i := range n {
			wg.Go(func() { _, codes[i] = claim(h, t, "x:100", fmt.Sprintf("mod-%d", i)) })
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case "":
				won++
			case query.CodeConflict:
			default:
				t.Errorf("code %q", c)
			}
		}
		if won != 1 {
			t.Fatalf("%d claims won (%v), want exactly one", won, codes)
		}
	})
	t.Run("claims_lists_the_brands_held_claims", func(t *testing.T) {
		h := start(t, moderation.Deps{Interactions: knownSet{"x:100", "x:1", "mastodon:host/9"}}, nil)
		list := func() []query.CaseClaim {
			var out query.ListClaimsResponse
			if code, msg := h.ask(t, query.ListClaimsSubject, query.ListClaimsRequest{Brand: "demo"}, &out); code != "" {
				t.Fatalf("list: %s %s", code, msg)
			}
			return out.Claims
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("no claim yet: %+v", got)
		}
		claim(h, t, "mastodon:host/9", "alice")
		claim(h, t, "x:1", "bob")
		got := list()
		if len(got) != 2 {
			t.Fatalf("claims = %+v", got)
		}
		held := map[string]string{}
		for _, c := range got {
			held[c.InteractionID] = c.Moderator
			if c.ExpiresAt.IsZero() || c.Brand != "demo" {
				t.Fatalf("claim %+v", c)
			}
		}
		if held["mastodon:host/9"] != "alice" || held["x:1"] != "bob" {
			t.Fatalf("held = %v", held)
		}
		var other query.ListClaimsResponse
		h.ask(t, query.ListClaimsSubject, query.ListClaimsRequest{Brand: "other"}, &other)
		if len(other.Claims) != 0 {
			t.Fatalf("another brand sees %+v", other.Claims)
		}
	})
	t.Run("the_holder_renews_and_releases_others_cannot", func(t *testing.T) {
		h := start(t, moderation.Deps{Interactions: knownSet{"x:100", "x:1"}}, nil)
		first, code := claim(h, t, "x:1", "alice")
		if code != "" {
			t.Fatalf("claim: %s", code)
		}
		renewed, code := claim(h, t, "x:1", "alice")
		if code != "" || renewed.Revision <= first.Revision || renewed.ExpiresAt.Before(first.ExpiresAt) {
			t.Fatalf("renew: %q %+v after %+v", code, renewed, first)
		}
		if _, code := claim(h, t, "x:1", "bob"); code != query.CodeConflict {
			t.Fatalf("bob claims a held case: %q, want 409", code)
		}
		if code, _ := h.ask(t, query.ReleaseCaseSubject, query.ReleaseCaseRequest{Brand: "demo", InteractionID: "x:1", Moderator: "bob"}, nil); code != query.CodeConflict {
			t.Fatalf("bob releases alice's claim: %q, want 409", code)
		}
		if code, _ := h.ask(t, query.ReleaseCaseSubject, query.ReleaseCaseRequest{Brand: "demo", InteractionID: "x:1", Moderator: "alice"}, nil); code != "" {
			t.Fatalf("release: %q", code)
		}
		if _, code := claim(h, t, "x:1", "bob"); code != "" {
			t.Fatalf("bob claims a released case: %q", code)
		}
		if code, text := h.ask(t, query.ClaimCaseSubject, query.ClaimCaseRequest{Brand: "demo", InteractionID: "no-colon", Moderator: "bob"}, nil); code != query.CodeBadRequest {
			t.Fatalf("bad id: %q %s", code, text)
		}
	})
	t.Run("decisions_are_events_and_hide_or_approve_ask_publishing", func(t *testing.T) {
		var decided, requested counter
		var mu sync.Mutex
		var kinds []publishv1.Kind
		h := start(t, moderation.Deps{Interactions: knownSet{"x:7"}}, func(r *bus.Router) {
			_ = bus.Handle(r, "test-cases", func(_ context.Context, d casev1.Decided, _ events.Envelope) error {
				decided.add(string(d.Decision) + ":" + d.Moderator)
				return nil
			})
			_ = bus.Handle(r, "test-publish", func(_ context.Context, p publishv1.Requested, _ events.Envelope) error {
				requested.add(p.InteractionID)
				mu.Lock()
				kinds = append(kinds, p.Kind)
				mu.Unlock()
				return nil
			})
		})
		decide := func(d casev1.Decision, who, assignee string) (query.DecideCaseResponse, string) {
			var resp query.DecideCaseResponse
			code, _ := h.ask(t, query.DecideCaseSubject, query.DecideCaseRequest{Brand: "demo", InteractionID: "x:7", Moderator: who,
				Decision: d, Assignee: assignee, Reason: "test", Network: "x"}, &resp)
			return resp, code
		}
		if resp, code := decide(casev1.DecisionHide, "alice", ""); code != "" || resp.Publish != "hide" || resp.Decided.Moderator != "alice" {
			t.Fatalf("hide: %q %+v", code, resp)
		}
		if _, code := decide(casev1.DecisionApprove, "bob", ""); code != query.CodeConflict {
			t.Fatalf("bob decides on alice's case: %q, want 409", code)
		}
		if _, code := decide(casev1.DecisionAssign, "alice", ""); code != query.CodeBadRequest {
			t.Fatalf("assign without assignee: %q, want 400", code)
		}
		if _, code := decide(casev1.DecisionAssign, "alice", "bob"); code != "" {
			t.Fatalf("assign: %q", code)
		}
		if resp, code := decide(casev1.DecisionApprove, "bob", ""); code != "" || resp.Publish != "unhide" {
			t.Fatalf("bob approves: %q %+v", code, resp)
		}
		if _, code := decide(casev1.DecisionClose, "bob", ""); code != "" {
			t.Fatalf("close: %q", code)
		}
		if _, code := claim(h, t, "x:7", "carol"); code != "" {
			t.Fatalf("a closed case is free: %q", code)
		}
		eventually(t, "four decisions and two publish requests", func() bool {
			return decided.get("hide:alice")+decided.get("assign:alice")+decided.get("approve:bob")+decided.get("close:bob") == 4 && requested.get("x:7") == 2
		})
		mu.Lock()
		defer mu.Unlock()
		if len(kinds) != 2 || kinds[0] != publishv1.KindHide || kinds[1] != publishv1.KindUnhide {
			t.Fatalf("publish kinds %v", kinds)
		}
	})
}
