package moderation_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation"
)

var recallPolicy = query.PolicyDocument{
	Extends: "builtin",
	Note:    "product recalls go to quality",
	Rules: []query.PolicyRule{
		{Name: "recall", When: query.PolicyMatch{Keywords: []string{"rappel", "recall"}}, Then: []string{"escalate", "route:qualite"}},
	},
	PausePublishingDuringCrisis: true,
}

func TestPolicies(t *testing.T) {
	t.Run("saves_versions_keeps_history_and_refuses_a_stale_base", func(t *testing.T) {
		h := start(t, moderation.Deps{}, nil)
		var v1p, v2p query.PolicyVersion
		if code, text := h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", BaseVersion: 0, Document: recallPolicy, SavedBy: "key-a"}, &v1p); code != "" {
			t.Fatalf("put: %s %s", code, text)
		}
		second := recallPolicy
		second.Note = "and VIPs"
		second.Rules = append(second.Rules, query.PolicyRule{Name: "vip", When: query.PolicyMatch{MinFollowers: 10000}, Then: []string{"priority:+20"}})
		if code, text := h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", BaseVersion: 1, Document: second, SavedBy: "key-b"}, &v2p); code != "" {
			t.Fatalf("put: %s %s", code, text)
		}
		if v1p.Version != 1 || v2p.Version != 2 || v2p.SavedBy != "key-b" {
			t.Fatalf("versions %+v %+v", v1p, v2p)
		}
		// An editor still on version 1 loses: 409, nothing saved.
		if code, text := h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", BaseVersion: 1, Document: recallPolicy}, nil); code != query.CodeConflict {
			t.Fatalf("stale put: %q %s, want 409", code, text)
		}
		var got query.GetPolicyResponse
		h.ask(t, query.GetPolicySubject, query.GetPolicyRequest{Brand: "demo"}, &got)
		if got.Active != 0 || got.Latest != 2 || len(got.Versions) != 2 || got.Policy != nil || got.Versions[0].Note != "product recalls go to quality" ||
			len(got.Builtin) == 0 || got.Builtin[0].Name != "builtin:threat" {
			t.Fatalf("get: %+v", got)
		}
		h.ask(t, query.GetPolicySubject, query.GetPolicyRequest{Brand: "demo", Version: 1}, &got)
		if got.Policy == nil || len(got.Policy.Document.Rules) != 1 {
			t.Fatalf("version 1: %+v", got.Policy)
		}
		if code, _ := h.ask(t, query.GetPolicySubject, query.GetPolicyRequest{Brand: "demo", Version: 9}, nil); code != query.CodeNotFound {
			t.Fatalf("missing version: %q, want 404", code)
		}
	})
	t.Run("of_concurrent_saves_from_one_base_exactly_one_wins", func(t *testing.T) {
		h := start(t, moderation.Deps{}, nil)
		const n = 8
		var wg sync.WaitGroup
		codes := make([]string, n)
		for i := range n {
			wg.Go(func() {
				codes[i], _ = h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", Document: recallPolicy}, nil)
			})
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
			t.Fatalf("%d saves won (%v), want exactly one", won, codes)
		}
	})
	t.Run("names_the_rule_and_field_of_a_bad_document", func(t *testing.T) {
		h := start(t, moderation.Deps{}, nil)
		bad := recallPolicy
		bad.Rules = append(bad.Rules, query.PolicyRule{Name: "re", When: query.PolicyMatch{Regex: "(unclosed"}, Then: []string{"hide"}})
		code, text := h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", Document: bad}, nil)
		if code != query.CodeBadRequest || !strings.Contains(text, "rules[1].when.regex") || !strings.Contains(text, `"field":"rules[1].when.regex"`) {
			t.Fatalf("%q %s", code, text)
		}
		if code, _ := h.ask(t, query.ActivatePolicySubject, query.ActivatePolicyRequest{Brand: "demo", Version: 3}, nil); code != query.CodeNotFound {
			t.Fatalf("activating a missing version: %q, want 404", code)
		}
	})
	t.Run("the_consumer_decides_with_the_activated_version", func(t *testing.T) {
		var mu sync.Mutex
		got := map[string]v1.Moderated{}
		h := start(t, moderation.Deps{}, func(r *bus.Router) {
			_ = bus.Handle(r, "test-watch", func(_ context.Context, m v1.Moderated, _ events.Envelope) error {
				mu.Lock()
				defer mu.Unlock()
				got[m.InteractionID] = m
				return nil
			})
		})
		h.ask(t, query.PutPolicySubject, query.PutPolicyRequest{Brand: "demo", Document: recallPolicy}, nil)
		if code, text := h.ask(t, query.ActivatePolicySubject, query.ActivatePolicyRequest{Brand: "demo", Version: 1}, nil); code != "" {
			t.Fatalf("activate: %s %s", code, text)
		}
		time.Sleep(200 * time.Millisecond) // the watch follows the activation
		at := time.Now().UTC()
		for i, text := range []string{"Il y a un rappel sur vos biscuits ?", "Super, merci !"} {
			id := "x:" + string(rune('1'+i))
			r := v1.Received{ID: id, Brand: "demo", Network: "x", Kind: v1.KindComment, PlatformID: id[2:],
				Author: v1.Author{ID: "a"}, Text: text, CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
			h.publish(t, r, id, "demo")
		}
		eventually(t, "two decisions", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
		mu.Lock()
		defer mu.Unlock()
		if m := got["x:1"]; m.PolicyVersion != 1 || m.Verdict != v1.VerdictEscalate || m.ID != "moderated:x:1:v1" {
			t.Fatalf("recall decided %+v", m)
		}
		if m := got["x:2"]; m.PolicyVersion != 1 || m.Verdict != v1.VerdictAllow {
			t.Fatalf("praise decided %+v", m)
		}
	})
}
