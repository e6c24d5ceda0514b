package moderation

import (
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
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
	return assess(nil, r, time.Time{}, p)
}

// assess is Assess with the author's account creation date, which only
// `ruche classify` input can give today, in texts (nil: on its own).
func assess(texts *classify.Batch, r v1.Received, accountCreated time.Time, p policy.Policy) Assessment {
	res := texts.Classify(classify.Input{
		Text:   r.Text,
		Lang:   r.Lang,
		Author: classify.Author{Handle: r.Author.Handle, DisplayName: r.Author.DisplayName, Followers: r.Author.Followers, Verified: r.Author.Verified, CreatedAt: accountCreated},
		At:     r.CreatedAt,
	})
	return Assessment{Result: res, Outcome: p.Apply(policy.Subject{Interaction: r, Result: res}), PolicyVersion: p.Version()}
}

// Decide is the moderation decision for one interaction under policy p. Only
// ModeratedAt depends on now: redelivery yields the same labels, verdict,
// priority, SLA and event id.
func Decide(r v1.Received, p policy.Policy, now time.Time) v1.Moderated {
	m, _ := decide(nil, r, p, now)
	return m
}

// decide is Decide with the interaction classified in texts (nil: on its
// own), and its assessment.
func decide(texts *classify.Batch, r v1.Received, p policy.Policy, now time.Time) (v1.Moderated, Assessment) {
	a := assess(texts, r, time.Time{}, p)
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
		RuleHits:      a.Outcome.RuleHits,
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
