package classify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/moderation/classify"
)

// The learned model adds what the rules miss, and every label says what
// decided it.
func TestModelCombination(t *testing.T) {
	cases := []struct {
		name, text string
		// want maps labels to the prefix of one of their reasons.
		want map[string]string
		not  []string
	}{
		{"a_threat_the_rules_do_not_know_is_a_threat_by_the_model", "Un coup de cutter et on n'en parle plus de ta boutique",
			map[string]string{"threat": "model:threat=", "sentiment:negative": "model:negative="}, nil},
		{"a_threat_the_rules_know_is_theirs", "Je vais te retrouver et te tuer",
			map[string]string{"threat": "threat:je_vais_te", "toxicity:high": "threat:je_vais_te"}, nil},
		{"an_insult_without_you_are_is_medium_by_the_model", "this brand is garbage and so is everyone behind it",
			map[string]string{"toxicity:medium": "model:toxicity=", "toxicity:insult": "model:insult="}, []string{"toxicity:high"}},
		{"channel_promotion_is_spam_by_the_model", "Hey everyone, go look at my channel, new video every friday",
			map[string]string{"spam": "model:spam="}, nil},
		{"counterfeit_shop_spam_is_the_rules", "Super prix -70% sur www.nike-outlet-shop.top LIVRAISON GRATUITE",
			map[string]string{"spam": "shop:counterfeit"}, nil},
		{"swearing_at_no_one_stays_low", "Putain, encore en panne la machine",
			map[string]string{"toxicity:low": "profanity:putain"}, []string{"toxicity:medium"}},
		{"praise_stays_the_rules", "Merci beaucoup, le service était parfait !",
			map[string]string{"sentiment:positive": "rules:sentiment"}, []string{"spam", "threat"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := classify.Classify(classify.Input{Text: tc.text})
			labels, reasons := r.Labels(), r.Reasons()
			for l, prefix := range tc.want {
				if !slices.Contains(labels, l) {
					t.Fatalf("labels %v: no %s", labels, l)
				}
				if !slices.ContainsFunc(reasons[l], func(s string) bool { return strings.HasPrefix(s, prefix) }) {
					t.Fatalf("%s decided by %v, want %s…", l, reasons[l], prefix)
				}
			}
			for _, l := range tc.not {
				if slices.Contains(labels, l) {
					t.Fatalf("labels %v: %s", labels, l)
				}
			}
			for _, l := range labels {
				if _, ok := reasons[l]; !ok && !strings.HasPrefix(l, "lang:") {
					t.Fatalf("label %s has no reason (%v)", l, reasons)
				}
			}
		})
	}
}
