package classify

import (
	"slices"
	"testing"
)

func TestPremiumRateNumbers(t *testing.T) {
	for _, c := range []struct {
		text string
		spam bool
	}{
		{"Call 1-900-555-0199 now for your personal love reading", true},
		{"Appelez le 08 99 12 34 56 pour connaître votre avenir", true},
		{"Text 0906 123 4567 to win a free iPhone", true},
		{"J'ai appelé votre SAV, personne ne répond, c'est honteux", false},
		{"Mon numéro : 06 12 34 56 78, rappelez-moi pour ma commande", false},
		{"Votre hotline au 08 92 68 00 00 ne répond jamais", false},
	} {
		r := Classify(Input{Text: c.text})
		if got := slices.Contains(r.Spam.Reasons, "scam:premium_rate"); got != c.spam {
			t.Errorf("%q: premium-rate spam %v, want %v (%v)", c.text, got, c.spam, r.Spam.Reasons)
		}
	}
}
