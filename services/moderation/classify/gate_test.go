package classify

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every gated regexp of the classifiers, by name.
func gatedRegexps() map[string]*gatedRegexp {
	out := map[string]*gatedRegexp{
		"email": emailRe, "obfuscated_email": obfuscatedEmailRe, "digit_run": digitRunRe, "iban_start": ibanStartRe,
		"url": urlRe, "money_rate": moneyRateRe, "dollars": dollarsRe, "count": countRe, "digits_tail": digitsTail,
	}
	for _, p := range toxicPatterns {
		out[p.name] = p.re
	}
	return out
}

func TestGateNeedles(t *testing.T) {
	for _, c := range []struct {
		expr    string
		needles []string
		folded  bool
	}{
		{`abc`, []string{"abc"}, false},
		{` (?:je|on) (?:vais|va) (?:te|vous) tuer `, []string{" tuer "}, false},
		{`x*`, nil, false},
		{`(?:foo)?bar`, []string{"bar"}, false},
		{`(?i)ab@cd`, []string{"AB@CD"}, true},
		{`\d+[a-z]*`, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, false},
		{`a(?:b|c*)`, []string{"a"}, false},
		{`(?:xyz|q+)`, []string{"xyz", "q"}, false},
		{` (?:a|b) (?:cc|dd) `, []string{" a cc ", " a dd ", " b cc ", " b dd "}, false},
		{` sales? (?:x|y)s? | dehors les (?:x|y) `, []string{"sale", "dehors les "}, false},
	} {
		g := mustGate(c.expr)
		var first []string
		if len(g.sets) > 0 {
			first = g.sets[0].strs
		}
		if !equalSets(first, c.needles) || g.folded != c.folded {
			t.Errorf("%s: needles %q folded %v, want %q %v", c.expr, first, g.folded, c.needles, c.folded)
		}
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// The gate must never hide a match: on every text of the tests and of the
// evaluation set, a gated regexp finds what the bare one finds.
func TestGatesAreSound(t *testing.T) {
	texts := gateCorpus(t)
	for name, g := range gatedRegexps() {
		bare := regexp.MustCompile(g.String())
		for _, s := range texts {
			for _, in := range []string{s, Normalize(s).Canon} {
				if want, got := bare.FindAllStringIndex(in, -1), g.findAllIndex(&text{s: in}); len(want) != len(got) {
					t.Errorf("%s on %q: gated found %d matches, bare %d", name, in, len(got), len(want))
				}
			}
		}
	}
}

// A concatenation's children each add a condition: " ou " alone is in
// most French texts, " ou " and a verb of living after it are not.
func TestGateConjunction(t *testing.T) {
	g := mustGate(` (?:je|on) sais ou (?:tu|il) (?:habites|vis) `)
	if len(g.sets) < 2 {
		t.Fatalf("sets %v: want several conditions", g.sets)
	}
	for s, want := range map[string]bool{
		" je sais ou tu habites ":                true,
		" je sais ou il est et tu habites loin ": true, // the gate passes, the regexp decides
		" je ne sais pas ou aller ":              false,
		" tu habites ou ":                        false,
	} {
		if got := g.may(&text{s: s}); got != want {
			t.Errorf("may(%q) = %v, want %v", s, got, want)
		}
	}
}

// The shared index of the toxicity gates lets through every text a bare
// pattern matches.
func TestToxicIndexIsSound(t *testing.T) {
	index, gates := toxicIndex()
	for _, s := range gateCorpus(t) {
		canon := Normalize(s).Canon
		found := index.scan(canon)
		for i, p := range toxicPatterns {
			if regexp.MustCompile(p.re.String()).MatchString(canon) && !gates[i].may(found) {
				t.Errorf("%s matches %q but its indexed gate turns it away", p.name, canon)
			}
		}
	}
}

// needleIndex finds exactly the needles strings.Contains finds.
func TestNeedleIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc d"[rng.IntN(5)]
		}
		return string(b)
	}
	for range 200 {
		var needles []string
		for range 1 + rng.IntN(20) {
			needles = append(needles, word(1+rng.IntN(5)))
		}
		x := newNeedleIndex(needles)
		s := word(rng.IntN(60)) + "xyz€"
		found := x.scan(s)
		for _, n := range needles {
			if found[x.ids[n]] != strings.Contains(s, n) {
				t.Fatalf("needle %q in %q: index says %v", n, s, found[x.ids[n]])
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
		canon := &text{s: Normalize(s).Canon}
		for _, p := range toxicPatterns {
			pairs++
			if p.re.may(canon) {
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
