// Package policy turns classifier labels into a moderation decision: a
// verdict, actions, a priority and an SLA. Brand policies as versioned data
// (rules over labels, keywords, authors, networks) will implement Policy;
// until they do, Builtin is every brand's policy, version 0.
package policy

import (
	"math"
	"slices"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
)

// Actions a policy asks for.
const (
	ActionHide       = "hide"
	ActionEscalate   = "escalate"
	ActionReview     = "review"
	ActionNeedsReply = "needs_reply"
)

// Subject is what a policy decides on: the interaction and its labels.
type Subject struct {
	Interaction v1.Received
	Result      classify.Result
}

// Outcome is a policy's decision.
type Outcome struct {
	Verdict  v1.Verdict
	Actions  []string
	RuleHits []string
	Priority int
	// SLADue is when a first response is due; nil when none is needed.
	SLADue *time.Time
}

// Policy decides what happens to a classified interaction. Apply must be a
// pure function of its input so that redelivery yields the same decision.
type Policy interface {
	// Version is carried by interaction.moderated.v1 and its event id.
	Version() int
	Apply(s Subject) Outcome
}

// WithDomains is a policy that names the brand's own domains (a brand
// policy whose document has domains), for the lookalike-domain signal.
type WithDomains interface {
	BrandDomains() []string
}

// Builtin is the built-in policy: the demo brand's community guidelines,
// written as code until policies are data.
//
//  1. a threat (rules or model): escalated to a human at once, top priority,
//     never hidden without one (not even as spam).
//  2. spam: verdict spam, hidden.
//  3. high toxicity (severe insults, hate): hidden and escalated.
//  4. medium toxicity (the model's toxicity alone is medium): a moderator
//     reviews it.
//  5. personal data: hidden to protect its author, and reviewed.
//  6. a question, a complaint or purchase intent needs a reply (unless spam
//     or hidden for abuse); praise and the rest are allowed.
type Builtin struct {
	SLA SLATable
}

// Default is the built-in policy with the default SLA table.
var Default Policy = Builtin{SLA: DefaultSLA}

// Version implements Policy: 0 is the built-in policy.
func (Builtin) Version() int { return 0 }

// Apply implements Policy.
func (b Builtin) Apply(s Subject) Outcome {
	r := s.Result
	o := Outcome{Verdict: v1.VerdictAllow, Actions: []string{}, RuleHits: []string{}}
	verdict := func(v v1.Verdict) {
		if verdictRank(v) > verdictRank(o.Verdict) {
			o.Verdict = v
		}
	}
	act := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(o.Actions, x) {
				o.Actions = append(o.Actions, x)
			}
		}
	}
	threat := r.Threat()
	abusive := threat
	if threat {
		verdict(v1.VerdictEscalate)
		act(ActionEscalate)
		o.RuleHits = append(o.RuleHits, "builtin:threat")
	}
	switch {
	case r.Spam.Is && !threat:
		verdict(v1.VerdictSpam)
		act(ActionHide)
		o.RuleHits = append(o.RuleHits, "builtin:spam")
	case r.Toxicity.Severity == classify.SeverityHigh:
		verdict(v1.VerdictEscalate)
		act(ActionHide, ActionEscalate)
		o.RuleHits = append(o.RuleHits, "builtin:toxicity-high")
		abusive = true
	case r.Toxicity.Severity == classify.SeverityMedium:
		verdict(v1.VerdictReview)
		act(ActionReview)
		o.RuleHits = append(o.RuleHits, "builtin:toxicity-medium")
	}
	if len(r.PII) > 0 && !r.Spam.Is {
		verdict(v1.VerdictReview)
		act(ActionHide, ActionReview)
		o.RuleHits = append(o.RuleHits, "builtin:pii-protect-author")
	}
	if !r.Spam.Is && !abusive {
		switch r.Intent {
		case classify.IntentQuestion, classify.IntentComplaint, classify.IntentPurchase:
			act(ActionNeedsReply)
			o.RuleHits = append(o.RuleHits, "builtin:needs-reply")
		}
	}
	o.Priority = Priority(s.Interaction.Author, r)
	if slices.Contains(o.Actions, ActionNeedsReply) || o.Verdict == v1.VerdictEscalate {
		o.SLADue = b.SLA.Due(r, o.Verdict, s.Interaction.ReceivedAt)
	}
	return o
}

func verdictRank(v v1.Verdict) int {
	switch v {
	case v1.VerdictReview:
		return 1
	case v1.VerdictHide:
		return 2
	case v1.VerdictEscalate:
		return 3
	case v1.VerdictSpam:
		return 4
	}
	return 0
}

// ThreatPriority is a threat's priority: the top, whatever else is known.
const ThreatPriority = 100

// SLATable is how long a brand gives itself for a first response, per
// intent; escalations have their own delay. Zero means no SLA.
type SLATable struct {
	ByIntent map[classify.Intent]time.Duration
	Escalate time.Duration
}

// BuiltinRules describes Builtin's rules, in its order, for the API and the
// CLI; TestBuiltinRulesDescribeApply holds them to what Apply does.
var BuiltinRules = []query.BuiltinRule{
	{Name: "builtin:threat", When: "threat", Then: []string{ActionEscalate},
		DescriptionEN: "A threat goes to a human at once, with the top priority; it is never hidden without one (not even as spam).",
		DescriptionFR: "Une menace est remontée à un humain tout de suite, en priorité maximale ; elle n'est jamais masquée sans lui (pas même comme spam)."},
	{Name: "builtin:spam", When: "spam and not threat", Then: []string{ActionHide},
		DescriptionEN: "Spam is hidden (verdict spam).", DescriptionFR: "Le spam est masqué (verdict spam)."},
	{Name: "builtin:toxicity-high", When: "toxicity:high and not spam", Then: []string{ActionHide, ActionEscalate},
		DescriptionEN: "High toxicity (severe insults, hate) is hidden and escalated.",
		DescriptionFR: "Une toxicité élevée (insultes graves, haine) est masquée et remontée."},
	{Name: "builtin:toxicity-medium", When: "toxicity:medium", Then: []string{ActionReview},
		DescriptionEN: "Medium toxicity goes to a moderator for review.", DescriptionFR: "Une toxicité moyenne est relue par un modérateur."},
	{Name: "builtin:pii-protect-author", When: "pii:* and not spam", Then: []string{ActionHide, ActionReview},
		DescriptionEN: "Personal data is hidden to protect its author, and reviewed.",
		DescriptionFR: "Les données personnelles sont masquées pour protéger leur auteur, puis relues."},
	{Name: "builtin:needs-reply", When: "intent:question, intent:complaint or intent:purchase, not spam nor abusive", Then: []string{ActionNeedsReply},
		DescriptionEN: "A question, a complaint or purchase intent needs a reply, with the SLA of its intent (complaints 2 h, questions and purchase intent 4 h, escalations 1 h).",
		DescriptionFR: "Une question, une réclamation ou une intention d'achat appelle une réponse, avec le délai de son intention (réclamations 2 h, questions et intentions d'achat 4 h, remontées 1 h)."},
}

// DefaultSLA is the default per-brand SLA table: complaints in 2 h,
// questions and purchase intent in 4 h, escalations in 1 h; none for praise,
// spam and the rest.
var DefaultSLA = SLATable{
	ByIntent: map[classify.Intent]time.Duration{
		classify.IntentComplaint: 2 * time.Hour,
		classify.IntentQuestion:  4 * time.Hour,
		classify.IntentPurchase:  4 * time.Hour,
	},
	Escalate: time.Hour,
}

// Due is when the first response is due, counted from when the interaction
// reached Ruche (so the same interaction always gets the same due time), or
// nil when none is needed.
func (t SLATable) Due(r classify.Result, verdict v1.Verdict, received time.Time) *time.Time {
	if r.Spam.Is && !r.Threat() || received.IsZero() {
		return nil
	}
	d := t.ByIntent[r.Intent]
	if (verdict == v1.VerdictEscalate || r.Threat()) && t.Escalate > 0 && (d == 0 || t.Escalate < d) {
		d = t.Escalate
	}
	if d == 0 {
		return nil
	}
	due := received.Add(d).UTC()
	return &due
}

// Priority scores how soon a human should look at an interaction, 0 to 100:
// the intent, how negative it is, the author's reach (followers on a log
// scale, verified accounts), urgent matters (health, safety, legal, press),
// personal data to hide. A threat is always at the top (ThreatPriority),
// and spam at the bottom.
func Priority(a v1.Author, r classify.Result) int {
	switch {
	case r.Threat():
		return ThreatPriority
	case r.Spam.Is:
		return 0
	}
	p := 10.0
	switch r.Intent {
	case classify.IntentComplaint:
		p += 25
	case classify.IntentPurchase:
		p += 20
	case classify.IntentQuestion:
		p += 15
	}
	if r.Sentiment.Score < 0 {
		p += 20 * -r.Sentiment.Score
	}
	if a.Followers > 0 {
		p += math.Min(20, 4*math.Log10(float64(a.Followers)))
	}
	if a.Verified {
		p += 10
	}
	if len(r.Urgent) > 0 {
		p += 25
	}
	if len(r.PII) > 0 {
		p += 15
	}
	switch {
	case r.Toxicity.Severity == classify.SeverityHigh:
		p += 15
	case r.Toxicity.Severity == classify.SeverityMedium:
		p += 5
	}
	return int(math.Round(math.Max(0, math.Min(100, p))))
}
