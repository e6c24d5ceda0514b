package classify

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// The normaliser and the phrase finder give what their reference
// (reference_code_test.go) gives: the same Text, the same lexicon forms per
// token, the same phrases found in every lexicon.
func TestNormalizeMatchesReference(t *testing.T) {
	for _, c := range readGolden(t) {
		if err := compareWithReference(c.Text); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzNormalizeMatchesReference(f *testing.F) {
	for _, s := range append(goldenExtras, benchTexts...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := compareWithReference(s); err != nil {
			t.Fatal(err)
		}
	})
}

func compareWithReference(s string) error {
	got, want := Normalize(s), refNormalize(s)
	if g, w := dumpText(got), dumpText(want); g != w {
		return fmt.Errorf("Normalize(%q):\n%s\nwant:\n%s", s, g, w)
	}
	for i, tok := range got.Tokens {
		if g, w := tokenIDs(&tok), vocabularyIDs(refComputeForms(want.Tokens[i].Keys)); !slices.Equal(g, w) {
			return fmt.Errorf("Normalize(%q): token %d %q has form ids %v, want %v (forms %q)", s, i, tok.Fold, g, w, refComputeForms(want.Tokens[i].Keys))
		}
	}
	for name, p := range lexiconsByName() {
		g, w := p.find(got.Tokens), refFind(refLexicons()[name], want.Tokens)
		if !slices.Equal(g, w) {
			return fmt.Errorf("%s lexicon in %q: found %v, want %v", name, s, g, w)
		}
	}
	return nil
}

// refLexicons are the lexicons indexed as the reference finder wants them.
var refLexicons = sync.OnceValue(func() map[string]*refPhrases {
	out := map[string]*refPhrases{}
	for name, p := range lexiconsByName() {
		out[name] = newRefPhrases(p)
	}
	return out
})

func lexiconsByName() map[string]*phrases {
	lx := lexicons()
	return map[string]*phrases{"toxicity": lx.toxicity, "spam": lx.spam, "sentiment_fr": lx.sentimentFR,
		"sentiment_en": lx.sentimentEN, "intent": lx.intent, "urgent": lx.urgent}
}

// vocabularyIDs numbers the forms found in the vocabulary, in order.
func vocabularyIDs(forms []string) []int32 {
	var out []int32
	for _, f := range forms {
		if id, ok := lexicons().vocab.Lookup(f); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// The fold table gives what foldRune gives, for every rune.
func TestFoldTableIsFoldRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := foldTable().Fold(r), foldRune(r); got != want {
			t.Fatalf("fold(%U) = %q, want %q", r, got, want)
		}
	}
}

// squeeze gives what it gave before it squeezed into a byte slice.
func FuzzSqueeze(f *testing.F) {
	for _, s := range append(goldenExtras, "nuuuul", "aaa", "aab", "zzz!!!", "") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range []int{1, 2, 3} {
			if got, want := squeeze(s, n), refSqueeze(s, n); got != want {
				t.Fatalf("squeeze(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
	})
}

// Tokens built by hand (not by Normalize) carry no numbered forms: the
// lexicons find in them what they find in normalised ones.
func TestUnindexedTokensFindTheSame(t *testing.T) {
	for _, c := range readGolden(t) {
		toks := Normalize(c.Text).Tokens
		bare := make([]Token, len(toks))
		for i, tok := range toks {
			bare[i] = Token{Start: tok.Start, End: tok.End, Fold: tok.Fold, Keys: tok.Keys, Sentence: tok.Sentence,
				Clause: tok.Clause, Quoted: tok.Quoted, Mention: tok.Mention, Hashtag: tok.Hashtag}
		}
		for name, p := range lexiconsByName() {
			if got, want := p.find(bare), p.find(toks); !slices.Equal(got, want) {
				t.Fatalf("%s lexicon in %q: found %v in bare tokens, %v in normalised ones", name, c.Text, got, want)
			}
		}
	}
}

// lettersOf reads what the lower-cased text holds.
func FuzzLettersOf(f *testing.F) {
	for _, s := range append(goldenExtras, "ÑÉÈ\xffŒ", "Ça") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		low := strings.ToLower(s)
		want := langLetters{other: strings.ContainsAny(low, "ñ¿¡ßäöãõ"), french: strings.ContainsAny(low, "çèêëàâîïûùœ"),
			eAcute: strings.ContainsRune(low, 'é'), frenchTie: strings.ContainsAny(low, "éèêàç")}
		if got := lettersOf(s); got != want {
			t.Fatalf("lettersOf(%q) = %+v, want %+v", s, got, want)
		}
	})
}
