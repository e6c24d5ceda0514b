package policy_test

import (
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

func TestCompile(t *testing.T) {
	ok := query.PolicyRule{Name: "ok", When: query.PolicyMatch{Labels: []string{"spam"}}, Then: []string{"hide"}}
	cases := []struct {
		name string
		doc  query.PolicyDocument
		path string
	}{
		{"rejects_unknown_extends", query.PolicyDocument{Extends: "strict"}, "extends"},
		{"rejects_a_rule_without_name", query.PolicyDocument{Rules: []query.PolicyRule{ok, {Then: []string{"hide"}}}}, "rules[1].name"},
		{"rejects_duplicate_rule_names", query.PolicyDocument{Rules: []query.PolicyRule{ok, ok}}, "rules[1].name"},
		{"rejects_an_invalid_regex", query.PolicyDocument{Rules: []query.PolicyRule{ok, {Name: "ok2", Then: []string{"review"}}, {Name: "re", When: query.PolicyMatch{Regex: `(a`}, Then: []string{"hide"}}}}, "rules[2].when.regex"},
		{"rejects_perl_only_regex_syntax", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "re", When: query.PolicyMatch{Regex: `(?=x)`}, Then: []string{"hide"}}}}, "rules[0].when.regex"},
		{"rejects_an_unknown_action", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", Then: []string{"hide", "delete"}}}}, "rules[0].then[1]"},
		{"rejects_a_rule_without_actions", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a"}}}, "rules[0].then"},
		{"rejects_a_bad_queue", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", Then: []string{"route:Service Client"}}}}, "rules[0].then[0]"},
		{"rejects_an_unsigned_boost", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", Then: []string{"priority:20"}}}}, "rules[0].then[0]"},
		{"rejects_a_malformed_label", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", When: query.PolicyMatch{Labels: []string{"Toxicity High"}}, Then: []string{"hide"}}}}, "rules[0].when.labels[0]"},
		{"rejects_an_unknown_kind", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", When: query.PolicyMatch{Kinds: []string{"tweet"}}, Then: []string{"hide"}}}}, "rules[0].when.kinds[0]"},
		{"rejects_an_empty_keyword", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", When: query.PolicyMatch{Keywords: []string{"ok", " !! "}}, Then: []string{"hide"}}}}, "rules[0].when.keywords[1]"},
		{"rejects_negative_min_followers", query.PolicyDocument{Rules: []query.PolicyRule{{Name: "a", When: query.PolicyMatch{MinFollowers: -1}, Then: []string{"hide"}}}}, "rules[0].when.min_followers"},
		{"rejects_a_bad_sla", query.PolicyDocument{SLA: &query.PolicySLA{Complaint: "2 hours"}}, "sla.complaint"},
		{"accepts_a_valid_document", query.PolicyDocument{Extends: "builtin", SLA: &query.PolicySLA{Complaint: "1h"}, Rules: []query.PolicyRule{ok,
			{Name: "b", When: query.PolicyMatch{Keywords: []string{"remboursement"}, Regex: `(?i)commande\s+\d+`, Networks: []string{"mastodon"}, Kinds: []string{"reply"}}, Then: []string{"route:sav", "priority:+15", "needs_reply"}}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Compile(tc.doc, 1)
			if tc.path == "" {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			var fe *policy.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError at %s", err, tc.path)
			}
			if fe.Path() != tc.path {
				t.Fatalf("error at %q (%v), want %q", fe.Path(), err, tc.path)
			}
		})
	}
}

func TestRules(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	subject := func(text, network string, kind v1.Kind, followers int64) policy.Subject {
		r := v1.Received{ID: network + ":1", Brand: "demo", Network: network, Kind: kind, PlatformID: "1",
			Author: v1.Author{ID: "42", Handle: "@claire", Followers: followers}, Text: text, CreatedAt: at, ReceivedAt: at}
		return policy.Subject{Interaction: r, Result: classify.Classify(classify.Input{Text: text, At: at, Author: classify.Author{Handle: "@claire", Followers: followers}})}
	}
	rule := func(name string, m query.PolicyMatch, then ...string) query.PolicyRule {
		return query.PolicyRule{Name: name, When: m, Then: then}
	}
	cases := []struct {
		name     string
		doc      query.PolicyDocument
		subject  policy.Subject
		verdict  v1.Verdict
		actions  []string
		hits     []string
		priority func(int) bool
		sla      time.Duration
	}{
		{
			name:    "matches_keywords_accent_and_obfuscation_insensitively",
			doc:     query.PolicyDocument{Rules: []query.PolicyRule{rule("recall", query.PolicyMatch{Keywords: []string{"rappel produit"}}, "escalate", "route:qualite")}},
			subject: subject("Il y a un RAPPEL PRODUÎT sur vos biscuits ?", "mastodon", v1.KindComment, 10),
			verdict: v1.VerdictEscalate, actions: []string{"escalate", "route:qualite"}, hits: []string{"recall"}, sla: time.Hour,
		},
		{
			name:    "every_condition_of_a_rule_must_hold",
			doc:     query.PolicyDocument{Rules: []query.PolicyRule{rule("x-only", query.PolicyMatch{Keywords: []string{"rappel"}, Networks: []string{"x"}}, "escalate")}},
			subject: subject("rappel produit", "mastodon", v1.KindComment, 10),
			verdict: v1.VerdictAllow, actions: []string{}, hits: []string{},
		},
		{
			name: "strongest_verdict_wins_and_actions_accumulate_in_order",
			doc: query.PolicyDocument{Rules: []query.PolicyRule{
				rule("review-fr", query.PolicyMatch{Labels: []string{"lang:fr"}}, "review"),
				rule("spam-words", query.PolicyMatch{Regex: `(?i)gagnez`}, "spam"),
			}},
			subject: subject("Gagnez un iPhone en cliquant ici, c'est super", "x", v1.KindReply, 10),
			verdict: v1.VerdictSpam, actions: []string{"review", "hide", "spam"}, hits: []string{"review-fr", "spam-words"},
			priority: func(p int) bool { return p == 0 },
		},
		{
			name: "stop_ends_the_evaluation",
			doc: query.PolicyDocument{Rules: []query.PolicyRule{
				{Name: "vip", When: query.PolicyMatch{MinFollowers: 10000}, Then: []string{"route:vip", "priority:+30"}, Stop: true},
				rule("hide-all", query.PolicyMatch{}, "hide"),
			}},
			subject: subject("Bonjour, une question sur vos horaires ?", "x", v1.KindMention, 50000),
			verdict: v1.VerdictAllow, actions: []string{"route:vip"}, hits: []string{"vip"},
			priority: func(p int) bool { return p >= 45 },
		},
		{
			name: "first_route_wins",
			doc: query.PolicyDocument{Rules: []query.PolicyRule{
				rule("a", query.PolicyMatch{Kinds: []string{"dm"}}, "route:sav"),
				rule("b", query.PolicyMatch{}, "route:general"),
			}},
			subject: subject("Bonjour", "x", v1.KindDM, 0),
			verdict: v1.VerdictAllow, actions: []string{"route:sav"}, hits: []string{"a", "b"},
		},
		{
			name: "ignore_drops_the_rest_when_nothing_hides",
			doc: query.PolicyDocument{Rules: []query.PolicyRule{
				rule("review-all", query.PolicyMatch{}, "review", "needs_reply"),
				rule("own-account", query.PolicyMatch{Authors: []string{"@claire"}}, "ignore"),
				rule("never", query.PolicyMatch{}, "escalate"),
			}},
			subject: subject("Notre nouvelle recette est en ligne ?", "x", v1.KindPost, 0),
			verdict: v1.VerdictIgnore, actions: []string{}, hits: []string{"review-all", "own-account"},
			priority: func(p int) bool { return p == 0 },
		},
		{
			name: "ignore_never_unhides",
			doc: query.PolicyDocument{Rules: []query.PolicyRule{
				rule("hide-links", query.PolicyMatch{Regex: `https?://`}, "hide"),
				rule("own-account", query.PolicyMatch{Authors: []string{"42"}}, "ignore"),
			}},
			subject: subject("voir https://example.com", "x", v1.KindComment, 0),
			verdict: v1.VerdictHide, actions: []string{"hide"}, hits: []string{"hide-links", "own-account"},
		},
		{
			name:    "extends_builtin_keeps_its_decision_and_adds_rules",
			doc:     query.PolicyDocument{Extends: "builtin", Rules: []query.PolicyRule{rule("complaints", query.PolicyMatch{Labels: []string{"intent:complaint"}}, "route:sav", "priority:+10")}},
			subject: subject("Ma commande n'est toujours pas arrivée, c'est inadmissible", "x", v1.KindComment, 0),
			verdict: v1.VerdictAllow, actions: []string{"needs_reply", "route:sav"}, hits: []string{"builtin:needs-reply", "complaints"}, sla: 2 * time.Hour,
		},
		{
			name:    "extends_builtin_keeps_spam",
			doc:     query.PolicyDocument{Extends: "builtin", Rules: []query.PolicyRule{rule("fr", query.PolicyMatch{Labels: []string{"lang:en"}}, "review")}},
			subject: subject("Check this out bit.ly/3xYzAbC bit.ly/3xYzAbD", "x", v1.KindComment, 0),
			verdict: v1.VerdictSpam, actions: []string{"hide", "review"}, hits: []string{"builtin:spam", "fr"},
		},
		{
			name:    "brand_sla_overrides_the_default",
			doc:     query.PolicyDocument{SLA: &query.PolicySLA{Question: "30m"}, Rules: []query.PolicyRule{rule("questions", query.PolicyMatch{Labels: []string{"intent:question"}}, "needs_reply")}},
			subject: subject("Vous ouvrez à quelle heure le dimanche ?", "x", v1.KindComment, 0),
			verdict: v1.VerdictAllow, actions: []string{"needs_reply"}, hits: []string{"questions"}, sla: 30 * time.Minute,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Compile(tc.doc, 3)
			if err != nil {
				t.Fatal(err)
			}
			o := p.Apply(tc.subject)
			if o.Verdict != tc.verdict || !reflect.DeepEqual(o.Actions, tc.actions) || !reflect.DeepEqual(o.RuleHits, tc.hits) {
				t.Fatalf("verdict %s actions %v hits %v, want %s %v %v (labels %v)", o.Verdict, o.Actions, o.RuleHits, tc.verdict, tc.actions, tc.hits, tc.subject.Result.Labels())
			}
			if tc.priority != nil && !tc.priority(o.Priority) {
				t.Errorf("priority %d", o.Priority)
			}
			switch {
			case tc.sla == 0 && o.SLADue != nil:
				t.Errorf("sla_due %v, want none", o.SLADue)
			case tc.sla != 0 && (o.SLADue == nil || !o.SLADue.Equal(tc.subject.Interaction.ReceivedAt.Add(tc.sla))):
				t.Errorf("sla_due %v, want received + %v", o.SLADue, tc.sla)
			}
			if p.Version() != 3 {
				t.Errorf("version %d", p.Version())
			}
		})
	}
}

func TestExamplePolicyCompiles(t *testing.T) {
	b, err := os.ReadFile("../testdata/policy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc query.PolicyDocument
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Compile(doc, 1); err != nil || len(doc.Rules) != 3 || !doc.PausePublishingDuringCrisis {
		t.Fatalf("example: %v %+v", err, doc)
	}
}

func TestBuiltinRulesDescribeApply(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	hits := map[string]bool{}
	for _, text := range []string{
		"Gagnez 1000€ maintenant !!! cliquez ici bit.ly/3xYzAbC bit.ly/3xYzAbD",
		"Je vais te retrouver et te frapper, espèce d'ordure",
		"Vous êtes vraiment nuls, c'est débile",
		"Appelez-moi au 06 12 34 56 78, mon mail est camille.dupont@example.fr",
		"Bonjour, où en est ma commande ?",
		"Ma commande n'est toujours pas arrivée, c'est inadmissible",
		"Super service, merci beaucoup !",
	} {
		r := v1.Received{ID: "x:1", Brand: "demo", Text: text, ReceivedAt: at}
		o := policy.Default.Apply(policy.Subject{Interaction: r, Result: classify.Classify(classify.Input{Text: text, At: at})})
		for _, h := range o.RuleHits {
			hits[h] = true
		}
	}
	described := map[string]bool{}
	for _, rule := range policy.BuiltinRules {
		described[rule.Name] = true
		if rule.DescriptionEN == "" || rule.DescriptionFR == "" || len(rule.Then) == 0 {
			t.Errorf("rule %s is not fully described", rule.Name)
		}
	}
	for h := range hits {
		if !described[h] {
			t.Errorf("Apply records %s, which BuiltinRules does not describe", h)
		}
	}
	for name := range described {
		if !hits[name] {
			t.Errorf("BuiltinRules describes %s, which no sample text triggers", name)
		}
	}
}
