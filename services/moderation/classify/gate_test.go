package classify

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/pkg/gate"
)

// Every gated regexp of the classifiers, by name.
func gatedRegexps() map[string]*gate.Regexp {
	out := map[string]*gate.Regexp{
		"url": urlRe, "money_rate": moneyRateRe, "dollars": dollarsRe, "count": countRe, "digits_tail": digitsTail, "discount": discountRe, "bare_shop_host": bareShopHostRe, "quick_money": quickMoneyRe, "referral": referralRe,
	}
	for _, p := range toxicPatterns {
		out[p.name] = p.re
	}
	return out
}

// The gate must never hide a match: on every text of the tests and of the
// evaluation set, a gated regexp finds what the bare one finds.
func TestGatesAreSound(t *testing.T) {
	texts := gateCorpus(t)
	for name, g := range gatedRegexps() {
		bare := regexp.MustCompile(g.String())
		for _, s := range texts {
			for _, in := range []string{s, Normalize(s).Canon} {
				if want, got := bare.FindAllStringIndex(in, -1), g.FindAllIndexText(ptr(gate.NewText(in))); len(want) != len(got) {
					t.Errorf("%s on %q: gated found %d matches, bare %d", name, in, len(got), len(want))
				}
			}
		}
	}
}

// The shared index of the toxicity gates lets through every text a bare
// pattern matches.
func TestToxicIndexIsSound(t *testing.T) {
	index := toxicIndex()
	for _, s := range gateCorpus(t) {
		canon := Normalize(s).Canon
		found := index.Scan(nil, canon)
		for i, p := range toxicPatterns {
			if regexp.MustCompile(p.re.String()).MatchString(canon) && !index.May(i, found) {
				t.Errorf("%s matches %q but its indexed gate turns it away", p.name, canon)
			}
		}
	}
}

// The toxicity patterns run on every text: their gates must turn away
// nearly every (text, pattern) pair of ordinary comments.
func TestToxicGatesAreSelective(t *testing.T) {
	texts := gateCorpus(t)
	ran, pairs := 0, 0
	for _, s := range texts {
		canon := gate.NewText(Normalize(s).Canon)
		for _, p := range toxicPatterns {
			pairs++
			if p.re.May(&canon) {
				ran++
			}
		}
	}
	if share := float64(ran) / float64(pairs); share > 0.05 {
		t.Errorf("the toxicity regexps ran on %d of %d (text, pattern) pairs (%.1f%%): want at most 5%%", ran, pairs, 100*share)
	}
}

func FuzzGatesAreSound(f *testing.F) {
	for _, s := range []string{"jean [at] free [dot] fr", "06 12 34 56 78", "FR76 3000 6000 0112 3456 7890 189", "K€/mois", "ſ@kelvin.com"} {
		f.Add(s)
	}
	gates := gatedRegexps()
	bare := map[string]*regexp.Regexp{}
	for name, g := range gates {
		bare[name] = regexp.MustCompile(g.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, g := range gates {
			for _, in := range []string{s, Normalize(s).Canon} {
				if bare[name].MatchString(in) != g.MatchString(in) {
					t.Fatalf("%s on %q: gate hides a match", name, in)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// gateCorpus is every text of the evaluation set and of the fuzz seeds,
// plus texts aimed at each kind of pattern.
func gateCorpus(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var item struct{ Text string }
		if err := json.Unmarshal([]byte(line), &item); err != nil {
			t.Fatal(err)
		}
		out = append(out, item.Text)
	}
	if len(out) < 200 {
		t.Fatalf("evaluation set: %d texts", len(out))
	}
	return append(out,
		"je vais te retrouver et te planter", "JE SAIS OÙ TU HABITES", "I KNOW WHERE YOU LIVE", "watch your back",
		"Écris-moi à Jean.Dupont@Exemple.FR ou jean [at] free [dot] fr", "IBAN FR76 3000 6000 0112 3456 7890 189",
		"carte 4242 4242 4242 4242", "+33 6 12 34 56 78", "gagnez 500€ par jour", "10K FOLLOWERS", "$$$ WWW.SCAM.COM/x",
		"ſ@kelvin.com", "les migrants sont des parasites", "deport all the refugees")
}
