package moderation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// History gives a brand's past interactions, newest received first: at most
// limit, none received before since.
type History interface {
	Recent(ctx context.Context, brand string, since time.Time, limit int) ([]v1.Received, error)
}

// analyticsHistory asks analytics, which owns ClickHouse, through its list
// endpoint: moderation never reads ClickHouse itself.
type analyticsHistory struct {
	client *rpc.Client
}

// Recent implements History by paging query.ListInteractions.
func (h analyticsHistory) Recent(ctx context.Context, brand string, since time.Time, limit int) ([]v1.Received, error) {
	var out []v1.Received
	cursor := ""
	for len(out) < limit {
		req := query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{
			Brand: brand, Limit: min(query.MaxListLimit, limit-len(out)), Cursor: cursor,
		}}
		resp, err := rpc.Ask(ctx, h.client, query.ListInteractions, req)
		if err != nil {
			return nil, fmt.Errorf("history of brand %s: %w", brand, err)
		}
		for _, it := range resp.Items {
			if it.ReceivedAt.Before(since) { // the listing is newest received first
				return out, nil
			}
			out = append(out, receivedOf(it))
		}
		if resp.NextCursor == "" || len(resp.Items) == 0 {
			break
		}
		cursor = resp.NextCursor
	}
	return out, nil
}

// Known implements Interactions: analytics has the interaction.
func (h analyticsHistory) Known(ctx context.Context, brand, interactionID string) (bool, error) {
	_, err := rpc.Ask(ctx, h.client, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: interactionID})
	if e := rpc.AsError(err); e != nil && e.Code == query.CodeNotFound {
		return false, nil
	}
	return err == nil, err
}

// knownInteractions looks in moderation's own decision log first, then asks
// analytics (an interaction older than the log's TTL, or not moderated yet).
type knownInteractions struct {
	decisions *decisionLog
	analytics Interactions
}

func (k knownInteractions) Known(ctx context.Context, brand, interactionID string) (bool, error) {
	if ok, err := k.decisions.moderated(ctx, brand, interactionID); err != nil || ok {
		return ok, err
	}
	return k.analytics.Known(ctx, brand, interactionID)
}

// receivedOf rebuilds what the classifiers need from an inbox row. The row
// does not carry the author's followers and verified flag: the replayed
// priority is computed without them, for both policies alike.
func receivedOf(it query.Interaction) v1.Received {
	return v1.Received{
		ID: it.ID, Brand: it.Brand, Network: it.Network, Account: it.Account, Kind: v1.Kind(it.Kind), PlatformID: it.PlatformID,
		ThreadID: it.ThreadID, ParentID: it.ParentID, Author: v1.Author{ID: it.AuthorID, Handle: it.AuthorHandle, DisplayName: it.AuthorName},
		Text: it.Text, Lang: it.Lang, URL: it.URL, CreatedAt: it.CreatedAt, ReceivedAt: it.ReceivedAt, Source: v1.Source(it.Source),
	}
}

// Dry-run defaults.
const (
	DefaultDryRunDays  = 7
	DefaultDryRunLimit = 1000
	dryRunSample       = 20
)

// DryRun replays a draft policy against the brand's past interactions and
// compares it with the active policy on the same items (the labels are
// recomputed once; only the policies differ).
func (s *Service) DryRun(ctx context.Context, req query.DryRunPolicyRequest) (query.DryRunPolicyResponse, error) {
	resp := query.DryRunPolicyResponse{Brand: req.Brand, Sample: []query.DryRunChange{}}
	switch {
	case req.Days < 0 || req.Days > 365:
		return resp, &policy.FieldError{Rule: -1, Field: "days", Msg: "must be from 1 to 365 (0: 7)"}
	case req.Limit < 0 || req.Limit > query.MaxDryRunItems:
		return resp, &policy.FieldError{Rule: -1, Field: "limit", Msg: fmt.Sprintf("must be from 1 to %d (0: %d)", query.MaxDryRunItems, DefaultDryRunLimit)}
	}
	draft, err := policy.Compile(req.Document, -1)
	if err != nil {
		return resp, err
	}
	active, err := s.policies.Policy(req.Brand)
	if err != nil {
		return resp, err
	}
	resp.ActiveVersion = active.Version()
	days, limit := cmp(req.Days, DefaultDryRunDays), cmp(req.Limit, DefaultDryRunLimit)
	items, err := s.history.Recent(ctx, req.Brand, s.now().Add(-time.Duration(days)*24*time.Hour), limit)
	if err != nil {
		return resp, err
	}
	return replay(req.Brand, items, active, draft), nil
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// replay is the dry run's pure part.
func replay(brand string, items []v1.Received, before, after policy.Policy) query.DryRunPolicyResponse {
	resp := query.DryRunPolicyResponse{Brand: brand, ActiveVersion: before.Version(), Items: len(items), Sample: []query.DryRunChange{},
		Before: query.DryRunCounts{Verdicts: map[string]int{}, Actions: map[string]int{}},
		After:  query.DryRunCounts{Verdicts: map[string]int{}, Actions: map[string]int{}}}
	count := func(c query.DryRunCounts, o policy.Outcome) {
		c.Verdicts[string(o.Verdict)]++
		for _, a := range o.Actions {
			c.Actions[a]++
		}
	}
	for _, r := range items {
		res := classify.Classify(classify.Input{Text: r.Text, Lang: r.Lang, At: r.CreatedAt,
			Author: classify.Author{Handle: r.Author.Handle, DisplayName: r.Author.DisplayName, Followers: r.Author.Followers, Verified: r.Author.Verified}})
		sub := policy.Subject{Interaction: r, Result: res}
		b, a := before.Apply(sub), after.Apply(sub)
		count(resp.Before, b)
		count(resp.After, a)
		if b.Verdict == a.Verdict && slices.Equal(b.Actions, a.Actions) && b.Priority == a.Priority {
			continue
		}
		resp.Changed++
		if len(resp.Sample) < dryRunSample {
			text := r.Text
			if len(text) > 280 {
				text = strings.ToValidUTF8(text[:280], "") + "…"
			}
			resp.Sample = append(resp.Sample, query.DryRunChange{InteractionID: r.ID, Text: text, Before: outcomeOf(b), After: outcomeOf(a)})
		}
	}
	return resp
}

func outcomeOf(o policy.Outcome) query.DryRunOutcome {
	return query.DryRunOutcome{Verdict: string(o.Verdict), Actions: o.Actions, Priority: o.Priority, RuleHits: o.RuleHits}
}
