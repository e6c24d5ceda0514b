package moderation

import (
	"context"
	"slices"
	"sync"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/learned"
	"github.com/ruche-project/ruche/services/moderation/policy"
	"github.com/ruche-project/ruche/services/moderation/secondopinion"
)

// LabelSecondOpinion prefixes the second opinion's labels:
// "second_opinion:spam" (the model found what the local verdict did not),
// "second_opinion:agrees", or why there is none ("second_opinion:timeout",
// "over_budget", "invalid", "unavailable").
const LabelSecondOpinion = "second_opinion:"

// opinionsAtOnce bounds the requests of a batch in flight.
const opinionsAtOnce = 8

// secondOpinions asks the model about the batch's uncertain items, within
// one timeout for the whole batch, and amends their decisions before they
// are published: the pipeline waits at most the timeout, then the local
// verdicts stand, marked.
func (s *Service) secondOpinions(ctx context.Context, items []pending) {
	if s.opinions == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SecondOpinion.Timeout)
	defer cancel()
	sem := make(chan struct{}, opinionsAtOnce)
	var wg sync.WaitGroup
	m := learned.Default()
	for i := range items {
		it := &items[i]
		if !it.todo() || !secondopinion.Uncertain(it.assessed.Result, m) {
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			op, err := s.opinions.Ask(ctx, it.d.Event.Brand, it.d.Event.Text)
			amend(&it.decision, it.assessed.Result, s.opinions.Model(), op, err)
		})
	}
	wg.Wait()
}

// amend adds the opinion to a decision. The model may only send the text
// to a human: what it finds and the local verdict did not makes the verdict
// review (a threat: escalate, at the top priority); it never hides, clears
// or allows anything.
func amend(m *v1.Moderated, r classify.Result, model string, op secondopinion.Opinion, err error) {
	if err != nil {
		m.Labels = append(m.Labels, LabelSecondOpinion+secondopinion.Kind(err))
		return
	}
	var found []string
	if op.Spam && !r.Spam.Is {
		found = append(found, "spam")
	}
	if op.Toxicity && (r.Toxicity.Severity == classify.SeverityNone || r.Toxicity.Severity == "") {
		found = append(found, "toxicity")
	}
	if op.Threat && !r.Threat() {
		found = append(found, "threat")
	}
	if len(found) == 0 {
		m.Labels = append(m.Labels, LabelSecondOpinion+"agrees")
		return
	}
	if m.LabelReasons == nil {
		m.LabelReasons = map[string][]string{}
	}
	action := policy.ActionReview
	for _, l := range found {
		m.Labels = append(m.Labels, LabelSecondOpinion+l)
		m.LabelReasons[LabelSecondOpinion+l] = []string{"model2:" + model}
		m.RuleHits = append(m.RuleHits, "second_opinion:+"+l)
		if l == "threat" {
			action = policy.ActionEscalate
		}
	}
	switch {
	case action == policy.ActionEscalate:
		if m.Verdict != v1.VerdictSpam {
			m.Verdict = v1.VerdictEscalate
		}
		m.Priority = policy.ThreatPriority
	case m.Verdict == v1.VerdictAllow:
		m.Verdict = v1.VerdictReview
	}
	if !slices.Contains(m.Actions, action) {
		m.Actions = append(m.Actions, action)
	}
}
