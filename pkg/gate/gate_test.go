package gate

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

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
		g := Must(c.expr)
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

// A concatenation's children each add a condition: " ou " alone is in
// most French texts, " ou " and a verb of living after it are not.
func TestGateConjunction(t *testing.T) {
	g := Must(` (?:je|on) sais ou (?:tu|il) (?:habites|vis) `)
	if len(g.sets) < 2 {
		t.Fatalf("sets %v: want several conditions", g.sets)
	}
	for s, want := range map[string]bool{
		" je sais ou tu habites ":                true,
		" je sais ou il est et tu habites loin ": true, // the gate passes, the regexp decides
		" je ne sais pas ou aller ":              false,
		" tu habites ou ":                        false,
	} {
		if got := g.May(&Text{s: s}); got != want {
			t.Errorf("May(%q) = %v, want %v", s, got, want)
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
		found := x.scanInto(nil, s)
		for _, n := range needles {
			if found[x.ids[n]] != strings.Contains(s, n) {
				t.Fatalf("needle %q in %q: index says %v", n, s, found[x.ids[n]])
			}
		}
	}
}

// orbitMin's table is orbitMinSlow, and foldKey gives what it gave before
// its byte loop (refFoldKey).
func TestFoldKeyMatchesReference(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := orbitMin(r), orbitMinSlow(r); got != want {
			t.Fatalf("orbitMin(%U) = %U, want %U", r, got, want)
		}
	}
	for _, s := range corpusTexts(t) {
		if got, want := foldKey(s), refFoldKey(s); got != want {
			t.Fatalf("foldKey(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzFoldKey(f *testing.F) {
	for _, s := range []string{"ſ\u212a\xff\ufffdé", "jean [at] free [dot] fr", "K€/mois", "É", "ǅ", "İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldKey(s), refFoldKey(s); got != want {
			t.Fatalf("foldKey(%q) = %q, want %q", s, got, want)
		}
	})
}

// refFoldKey is foldKey as it was: a byte slice for ASCII, orbitMinSlow
// for every other rune.
func refFoldKey(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(orbitMinSlow(r))
	}
	return b.String()
}

// corpusTexts are texts for the fold: its fuzz seeds, and random strings
// of the runes whose case folding is odd (the Kelvin sign, the long s,
// titlecase digraphs, the dotted I), accents, symbols and invalid UTF-8.
func corpusTexts(t *testing.T) []string {
	t.Helper()
	out := []string{"ſ\u212a\xff\ufffdé", "jean [at] free [dot] fr", "K€/mois", "É", "ǅ", "İ", "Écris-moi à Jean.Dupont@Exemple.FR"}
	alphabet := []string{"a", "Z", "k", "s", "ſ", "\u212a", "ǅ", "ǆ", "İ", "ı", "é", "É", "ß", "ẞ", "€", "@", " ", ".", "0", "\xff", "\xc3", "🙂", "Ω", "\u2126"}
	rng := rand.New(rand.NewPCG(21, 21))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		out = append(out, b.String())
	}
	return out
}
