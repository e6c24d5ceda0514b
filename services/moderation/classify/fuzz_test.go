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
