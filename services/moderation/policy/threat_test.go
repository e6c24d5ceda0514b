package policy_test

import (
	"slices"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// A threat is its own label: escalated to a human at once, top priority,
// never hidden without one — whatever else the text is, and whatever a
// brand's rules ask.
func TestThreats(t *testing.T) {
	received := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	threat := func(severity classify.Severity, spam bool) policy.Subject {
		r := classify.Result{Lang: classify.LangFrench, Intent: classify.IntentOther,
			Sentiment: classify.Sentiment{Label: classify.SentimentNegative, Score: -0.5},
			Toxicity:  classify.Toxicity{Severity: severity, Categories: []classify.Category{classify.CategoryThreat}},
			Spam:      classify.Spam{Is: spam}}
		return policy.Subject{Interaction: v1.Received{ReceivedAt: received, Text: "Je sais où travaille votre directeur."}, Result: r}
	}
	hideAll, err := policy.Compile(query.PolicyDocument{Extends: policy.ExtendsBuiltin, Rules: []query.PolicyRule{
		{Name: "hide_everything_negative", When: query.PolicyMatch{Labels: []string{"sentiment:negative"}}, Then: []string{"spam"}}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	noBuiltin, err := policy.Compile(query.PolicyDocument{Rules: []query.PolicyRule{
		{Name: "hide_negative", When: query.PolicyMatch{Labels: []string{"sentiment:negative"}}, Then: []string{"hide"}}}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		p       policy.Policy
		s       policy.Subject
		verdict v1.Verdict
		actions []string
	}{
		{"a_threat_the_model_alone_finds_is_escalated_not_hidden", policy.Default, threat(classify.SeverityNone, false), v1.VerdictEscalate, []string{"escalate"}},
		{"a_likely_threat_is_escalated_and_reviewed", policy.Default, threat(classify.SeverityMedium, false), v1.VerdictEscalate, []string{"escalate", "review"}},
		{"a_threat_with_severe_abuse_is_hidden_and_escalated", policy.Default, threat(classify.SeverityHigh, false), v1.VerdictEscalate, []string{"escalate", "hide"}},
		{"a_threat_that_looks_like_spam_is_not_hidden_as_spam", policy.Default, threat(classify.SeverityNone, true), v1.VerdictEscalate, []string{"escalate"}},
		{"a_brand_rule_that_hides_it_escalates_it_too", hideAll, threat(classify.SeverityNone, false), v1.VerdictSpam, []string{"escalate", "hide", "spam"}},
		{"a_brand_policy_without_the_builtin_escalates_it_too", noBuiltin, threat(classify.SeverityNone, false), v1.VerdictEscalate, []string{"hide", "escalate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.p.Apply(tc.s)
			if o.Verdict != tc.verdict || !slices.Equal(o.Actions, tc.actions) {
				t.Fatalf("verdict %s actions %v, want %s %v", o.Verdict, o.Actions, tc.verdict, tc.actions)
			}
			if o.Priority != policy.ThreatPriority {
				t.Fatalf("priority %d, want %d", o.Priority, policy.ThreatPriority)
			}
			if !slices.Contains(o.RuleHits, "builtin:threat") {
				t.Fatalf("rule hits %v: no builtin:threat", o.RuleHits)
			}
			if o.SLADue == nil || !o.SLADue.Equal(received.Add(policy.DefaultSLA.Escalate)) {
				t.Fatalf("SLA due %v, want the escalation's", o.SLADue)
			}
		})
	}
}
