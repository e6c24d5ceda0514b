package classify

import (
	"math"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/vader"
)

// vader.Compound is govader's compound score, to the bit: on the golden
// corpus, on every word of VADER's lexicon, boosters, negations and idioms
// in the contexts its rules look at, and by FuzzVaderCompound.
func TestVaderCompound(t *testing.T) {
	var texts []string
	for _, c := range readGolden(t) {
		texts = append(texts, c.Text)
	}
	texts = append(texts, goldenExtras...)
	texts = append(texts, benchTexts...)
	sia := vader.Analyzer()
	var special []string
	for w := range sia.Constants.BoosterDict {
		special = append(special, w)
	}
	for w := range sia.Constants.SpecialCaseIdioms {
		special = append(special, w)
	}
	special = append(special, sia.Constants.NegateList...)
	special = append(special, "no", "or", "nor", "least", "at least", "very least", "never so", "never this", "without doubt", "kind of", "but")
	for _, w := range special {
		for _, s := range []string{"good", "bad", "GOOD", "the shit", "bomb"} {
			texts = append(texts, w+" "+s, strings.ToUpper(w)+" "+s, w+" x "+s, w+" x y "+s, "no "+w+" "+s, s+" "+w, s+" "+w+" x", "x "+w+" "+s+"!!")
		}
	}
	for w := range sia.Lexicon {
		texts = append(texts, w, strings.ToUpper(w)+" ok", "(("+w+"!!", "the "+w+", ok", "x"+w, "not "+w, "very "+w+"???")
	}
	for e := range sia.EmojiDict {
		texts = append(texts, e, "ok"+e+"ok", "good "+e+" bad")
	}
	for _, s := range texts {
		if got, want := vader.Compound(s), sia.PolarityScores(s).Compound; math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("Compound(%q) = %v, govader %v", s, got, want)
		}
	}
}

func FuzzVaderCompound(f *testing.F) {
	for _, s := range append(goldenExtras, benchTexts...) {
		f.Add(s)
	}
	f.Add("no good or bad")
	f.Add("never so GOOD, but at least kind of the shit \xff 😀😀")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := vader.Compound(s), vader.Analyzer().PolarityScores(s).Compound; math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("Compound(%q) = %v, govader %v", s, got, want)
		}
	})
}
