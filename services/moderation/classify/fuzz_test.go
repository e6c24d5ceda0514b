package classify_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ruche-project/ruche/services/moderation/classify"
)

// FuzzNormalize: any input normalises without panicking, every token has
// keys and a span inside the text, and Canon joins the main keys.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"c0nnard", "i.d.i.o.t", "c o n n a r d", "nuuuuul", "t'es", "don't", "f*ck", "@ssh0le", "«idiot»", "'x", "..", "é", "\u0301", "a.b", "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := classify.Normalize(s)
		var canon strings.Builder
		canon.WriteByte(' ')
		for _, tok := range n.Tokens {
			if len(tok.Keys) == 0 || tok.Key() == "" {
				t.Fatalf("token %+v without keys", tok)
			}
			if tok.Start < 0 || tok.End > len(s) || tok.Start > tok.End {
				t.Fatalf("token span %d..%d outside %d bytes", tok.Start, tok.End, len(s))
			}
			canon.WriteString(tok.Key() + " ")
		}
		if canon.String() != n.Canon {
			t.Fatalf("Canon %q, want %q", n.Canon, canon.String())
		}
		if utf8.ValidString(s) && !utf8.ValidString(n.Folded) {
			t.Fatalf("Folded is not UTF-8: %q", n.Folded)
		}
		classify.Classify(classify.Input{Text: s})
	})
}

// FuzzFindPII: spans lie inside the text, do not overlap, and every card
// passes Luhn and every IBAN mod-97.
func FuzzFindPII(f *testing.F) {
	for _, s := range []string{"marie@x.fr", "06 12 34 56 78", "+33 6 98 76 54 32", "4111 1111 1111 1111", "FR76 3000 6000 0112 3456 7890 189",
		"GB29NWBK60161331926819", "(202) 456-1111", "jean [at] free [dot] fr", "n° 4111111111111111", "fr76", "+", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		last := -1
		for _, p := range classify.FindPII(s, classify.LangFrench) {
			if p.Start < 0 || p.End > len(s) || p.Start >= p.End || p.Start < last {
				t.Fatalf("finding %+v out of place in %d bytes (previous end %d)", p, len(s), last)
			}
			last = p.End
			v := s[p.Start:p.End]
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, v)
			switch p.Kind {
			case classify.PIICard:
				if !classify.Luhn(digits) {
					t.Fatalf("card %q fails Luhn", v)
				}
			case classify.PIIIBAN:
				compact := strings.NewReplacer(" ", "", "-", "").Replace(v)
				if !classify.ValidIBAN(compact) {
					t.Fatalf("iban %q fails mod-97", v)
				}
			}
		}
	})
}
