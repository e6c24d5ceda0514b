package classify

import (
	"math"
	"strings"
	"testing"
)

// vaderNeutral is a sufficient condition: whenever it holds, VADER scores
// 0. Checked on the golden corpus, on every word of VADER's lexicon and
// emoji table dressed as VADER reads them, and by FuzzVaderNeutral.
func TestVaderNeutralIsSound(t *testing.T) {
	var texts []string
	for _, c := range readGolden(t) {
		texts = append(texts, c.Text)
	}
	sia := vader()
	for w := range sia.Lexicon {
		texts = append(texts, w, strings.ToUpper(w), "(("+w+"!!", "the "+w+", ok", "x"+w)
	}
	for e := range sia.EmojiDict {
		texts = append(texts, e, "ok"+e+"ok")
	}
	neutral := 0
	for _, s := range texts {
		if !vaderNeutral(s) {
			continue
		}
		neutral++
		if c := sia.PolarityScores(s).Compound; c != 0 {
			t.Fatalf("vaderNeutral(%q) but VADER scores %v", s, c)
		}
	}
	if neutral == 0 || neutral == len(texts) {
		t.Fatalf("vaderNeutral holds on %d of %d texts: it decides nothing", neutral, len(texts))
	}
}

func FuzzVaderNeutral(f *testing.F) {
	for _, s := range append(goldenExtras, benchTexts...) {
		f.Add(s)
	}
	f.Add("GOOD")
	f.Add("good!!")
	f.Add("😀")
	f.Add(" :) ")
	f.Fuzz(func(t *testing.T, s string) {
		if vaderNeutral(s) {
			if c := vader().PolarityScores(s).Compound; c != 0 {
				t.Fatalf("vaderNeutral(%q) but VADER scores %v", s, c)
			}
		}
	})
}

// asciiSet.trim is strings.Trim with govader's punctuation.
func FuzzVaderTrim(f *testing.F) {
	for _, s := range []string{"((good!!", "...", "é.", ".é", "", "'x'", "\xff."} {
		f.Add(s)
	}
	cutset := vader().Constants.Regex.PunctuationString
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := vaderPunctuation().trim(s), strings.Trim(s, cutset); got != want {
			t.Fatalf("trim(%q) = %q, want %q", s, got, want)
		}
	})
}

// vaderCompound is govader's compound score, to the bit: on the golden
// corpus, on every word of VADER's lexicon, boosters, negations and idioms
// in the contexts its rules look at, and by FuzzVaderCompound.
func TestVaderCompound(t *testing.T) {
	var texts []string
	for _, c := range readGolden(t) {
		texts = append(texts, c.Text)
	}
	texts = append(texts, goldenExtras...)
	texts = append(texts, benchTexts...)
	sia := vader()
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
		if got, want := vaderCompound(s), sia.PolarityScores(s).Compound; math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("vaderCompound(%q) = %v, govader %v", s, got, want)
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
		if got, want := vaderCompound(s), vader().PolarityScores(s).Compound; math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("vaderCompound(%q) = %v, govader %v", s, got, want)
		}
	})
}
