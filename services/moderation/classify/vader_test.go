package classify

import (
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
