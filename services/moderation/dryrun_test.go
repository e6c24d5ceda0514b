package moderation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/analytics"
	"github.com/ruche-project/ruche/services/moderation"
)

// TestDryRun replays a draft against interactions stored in a fresh
// ClickHouse database by the real analytics service (which owns ClickHouse:
// moderation asks it over NATS).
func TestDryRun(t *testing.T) {
	conn := testkit.NATS(t)
	db := testkit.ClickHouse(t)
	ctx := context.Background()
	if err := analytics.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	an, err := analytics.New(analytics.Config{Consumer: "analytics", BatchSize: 100, FlushInterval: 100 * time.Millisecond, FetchWait: 200 * time.Millisecond,
		InsertTimeout: 5 * time.Second, AckWait: 10 * time.Second, MaxDeliver: 10, RetryDelay: 200 * time.Millisecond, QueryTimeout: 5 * time.Second},
		analytics.Deps{NATS: conn.NC, JS: conn.JS, ClickHouse: db, Logger: testkit.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- an.Run(actx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-an.Ready()
	h := startOn(t, conn, moderation.Deps{}, nil)

	now := time.Now().UTC().Truncate(time.Second)
	texts := []string{
		"Rappel produit sur vos biscuits ? Je suis inquiète",         // recall
		"Il y a un rappel du lot 4512 ?",                             // recall
		"Super service, merci beaucoup !",                            // praise
		"Ma commande n'est toujours pas arrivée, c'est inadmissible", // complaint
		"Check this out bit.ly/3xYzAbC bit.ly/3xYzAbD",               // spam
	}
	for i, text := range texts {
		r := v1.Received{ID: fmt.Sprintf("x:%d", i+1), Brand: "demo", Network: "x", Kind: v1.KindComment, PlatformID: fmt.Sprint(i + 1),
			Author: v1.Author{ID: "a"}, Text: text, CreatedAt: now.Add(-time.Duration(i) * time.Hour), ReceivedAt: now.Add(-time.Duration(i) * time.Minute), Source: v1.SourceSandbox}
		h.publish(t, r, r.ID, "demo")
	}
	// One from last month: outside a 7-day replay.
	old := v1.Received{ID: "x:99", Brand: "demo", Network: "x", Kind: v1.KindComment, PlatformID: "99", Author: v1.Author{ID: "a"},
		Text: "rappel", CreatedAt: now.Add(-30 * 24 * time.Hour), ReceivedAt: now.Add(-30 * 24 * time.Hour), Source: v1.SourceSandbox}
	h.publish(t, old, old.ID, "demo")
	eventually(t, "six interactions in ClickHouse", func() bool {
		var resp query.ListInteractionsResponse
		h.ask(t, query.ListInteractionsSubject, query.ListInteractionsRequest{Brand: "demo"}, &resp)
		return len(resp.Items) == 6
	})

	t.Run("reports_what_a_draft_would_change_against_the_active_policy", func(t *testing.T) {
		var resp query.DryRunPolicyResponse
		if code, text := h.ask(t, query.DryRunPolicySubject, query.DryRunPolicyRequest{Brand: "demo", Document: recallPolicy, Days: 7}, &resp); code != "" {
			t.Fatalf("dry run: %s %s", code, text)
		}
		if resp.Items != 5 || resp.Changed != 2 || resp.ActiveVersion != 0 {
			t.Fatalf("items %d changed %d active %d, want 5, 2, 0: %+v", resp.Items, resp.Changed, resp.ActiveVersion, resp)
		}
		if resp.Before.Verdicts["escalate"] != 0 || resp.After.Verdicts["escalate"] != 2 || resp.After.Actions["route:qualite"] != 2 ||
			resp.Before.Verdicts["spam"] != 1 || resp.After.Verdicts["spam"] != 1 {
			t.Fatalf("before %+v after %+v", resp.Before, resp.After)
		}
		if len(resp.Sample) != 2 || resp.Sample[0].After.Verdict != "escalate" || resp.Sample[0].After.RuleHits[len(resp.Sample[0].After.RuleHits)-1] != "recall" {
			t.Fatalf("sample %+v", resp.Sample)
		}
	})
	t.Run("limits_the_replay_to_n_items", func(t *testing.T) {
		var resp query.DryRunPolicyResponse
		h.ask(t, query.DryRunPolicySubject, query.DryRunPolicyRequest{Brand: "demo", Document: recallPolicy, Limit: 1}, &resp)
		if resp.Items != 1 || resp.Changed != 1 {
			t.Fatalf("items %d changed %d, want the newest only", resp.Items, resp.Changed)
		}
	})
	t.Run("refuses_a_bad_draft_naming_the_field", func(t *testing.T) {
		bad := recallPolicy
		bad.Rules = []query.PolicyRule{{Name: "x", Then: []string{"explode"}}}
		if code, text := h.ask(t, query.DryRunPolicySubject, query.DryRunPolicyRequest{Brand: "demo", Document: bad}, nil); code != query.CodeBadRequest || !strings.Contains(text, "rules[0].then[0]") {
			t.Fatalf("%q %s", code, text)
		}
	})
}
