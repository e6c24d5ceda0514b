package moderation_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation"
)

// inboxStandIn answers analytics' list-interactions contract from memory,
// newest received first, with an offset cursor. Analytics' own tests cover
// the real listing against ClickHouse; a service never imports another.
type inboxStandIn struct {
	mu    sync.Mutex
	items []query.Interaction
}

func (f *inboxStandIn) add(r v1.Received) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, query.Interaction{ID: r.ID, Brand: r.Brand, Network: r.Network, Kind: string(r.Kind), PlatformID: r.PlatformID,
		AuthorID: r.Author.ID, Text: r.Text, Lang: r.Lang, CreatedAt: r.CreatedAt, ReceivedAt: r.ReceivedAt, Source: string(r.Source)})
	sort.SliceStable(f.items, func(i, j int) bool { return f.items[i].ReceivedAt.After(f.items[j].ReceivedAt) })
}

func (f *inboxStandIn) serve(t *testing.T, nc *nats.Conn) {
	t.Helper()
	svc, err := micro.AddService(nc, micro.Config{Name: query.AnalyticsService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	err = svc.AddEndpoint("list", micro.HandlerFunc(func(r micro.Request) {
		var req query.ListInteractionsRequest
		if err := json.Unmarshal(r.Data(), &req); err != nil {
			_ = r.Error(query.CodeBadRequest, err.Error(), nil)
			return
		}
		limit := cmp.Or(req.Limit, 50)
		offset, _ := strconv.Atoi(req.Cursor)
		f.mu.Lock()
		defer f.mu.Unlock()
		var mine []query.Interaction
		for _, it := range f.items {
			if it.Brand == req.Brand {
				mine = append(mine, it)
			}
		}
		resp := query.ListInteractionsResponse{Items: []query.Interaction{}}
		if offset < len(mine) {
			resp.Items = mine[offset:min(offset+limit, len(mine))]
		}
		if offset+limit < len(mine) {
			resp.NextCursor = strconv.Itoa(offset + limit)
		}
		_ = r.RespondJSON(resp)
	}), micro.WithEndpointSubject(query.ListInteractionsSubject))
	if err != nil {
		t.Fatal(err)
	}
}

// TestDryRun replays a draft against the brand's history, which moderation
// asks analytics for over NATS.
func TestDryRun(t *testing.T) {
	conn := testkit.NATS(t)
	inbox := &inboxStandIn{}
	inbox.serve(t, conn.NC)
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
		inbox.add(r)
	}
	// One from last month: outside a 7-day replay.
	old := v1.Received{ID: "x:99", Brand: "demo", Network: "x", Kind: v1.KindComment, PlatformID: "99", Author: v1.Author{ID: "a"},
		Text: "rappel", CreatedAt: now.Add(-30 * 24 * time.Hour), ReceivedAt: now.Add(-30 * 24 * time.Hour), Source: v1.SourceSandbox}
	h.publish(t, old, old.ID, "demo")
	inbox.add(old)

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
