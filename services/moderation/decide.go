package moderation

import (
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/feedback"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// Assessment is everything moderation concludes about one interaction: the
// classifiers' labels and the policy's outcome.
type Assessment struct {
	Result        classify.Result
	Outcome       policy.Outcome
	PolicyVersion int
}

// Assess classifies r and applies p. It is the one code path of the service
// and of `ruche classify`, and a pure function of its arguments.
func Assess(r v1.Received, p policy.Policy) Assessment {
	// interaction.received.v1 carries no account creation date yet.
	return assess(nil, r, time.Time{}, p, nil)
}

// assess is Assess with the author's account creation date, which only
// `ruche classify` input can give today, in texts (nil: on its own), with
// the brand's corrections of similar texts in fb (nil: none).
func assess(texts *classify.Batch, r v1.Received, accountCreated time.Time, p policy.Policy, fb *feedback.Memory) Assessment {
	var domains []string
	if d, ok := p.(policy.WithDomains); ok {
		domains = d.BrandDomains()
	}
	res := texts.Classify(classify.Input{
		BrandDomains: domains,
		Text:         r.Text,
		Lang:         r.Lang,
		Author:       classify.Author{Handle: r.Author.Handle, DisplayName: r.Author.DisplayName, Followers: r.Author.Followers, Verified: r.Author.Verified, CreatedAt: accountCreated},
		At:           r.CreatedAt,
		Correction:   fb.Match(r.Brand, r.Text),
	})
	return Assessment{Result: res, Outcome: p.Apply(policy.Subject{Interaction: r, Result: res}), PolicyVersion: p.Version()}
}

// Decide is the moderation decision for one interaction under policy p. Only
// ModeratedAt depends on now: redelivery yields the same labels, verdict,
// priority, SLA and event id.
func Decide(r v1.Received, p policy.Policy, now time.Time) v1.Moderated {
	return DecideWith(r, p, nil, now)
}

// DecideWith is Decide with the brand's corrections: the correction of the
// most similar corrected text, if any, changes the labels before the policy
// applies, and the decision's rule hits say so ("feedback:-spam:<id>").
func DecideWith(r v1.Received, p policy.Policy, fb *feedback.Memory, now time.Time) v1.Moderated {
	m, _ := decide(nil, r, p, now, fb)
	return m
}

// decide is DecideWith with the interaction classified in texts (nil: on
// its own), and its assessment.
func decide(texts *classify.Batch, r v1.Received, p policy.Policy, now time.Time, fb *feedback.Memory) (v1.Moderated, Assessment) {
	a := assess(texts, r, time.Time{}, p, fb)
	return v1.Moderated{
		ID:            v1.ModeratedID(r.ID, a.PolicyVersion),
		InteractionID: r.ID,
		Brand:         r.Brand,
		Network:       r.Network,
		Labels:        a.Result.Labels(),
		Verdict:       a.Outcome.Verdict,
		Actions:       a.Outcome.Actions,
		Priority:      a.Outcome.Priority,
		SLADue:        a.Outcome.SLADue,
		RuleHits:      append(a.Outcome.RuleHits, a.Result.Corrections...),
		LabelReasons:  a.Result.Reasons(),
		PolicyVersion: a.PolicyVersion,
		ModeratedAt:   now.UTC(),
		// The interaction's own time, as received.
		InteractionCreatedAt: r.CreatedAt.UTC(),
		// The text decided on (an edit's for an edit), for drafting.
		Content: &v1.Content{Text: r.Text, Lang: r.Lang, Author: r.Author},
	}, a
}

// Policies gives the policy in force for a brand (PolicyStore in the
// service, BuiltinPolicies where no store is at hand).
type Policies interface {
	Policy(brand string) (policy.Policy, error)
}

// BuiltinPolicies gives every brand policy.Default.
type BuiltinPolicies struct{}

// Policy implements Policies.
func (BuiltinPolicies) Policy(string) (policy.Policy, error) { return policy.Default, nil }
