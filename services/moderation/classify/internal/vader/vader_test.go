package vader

import (
	"strings"
	"testing"
)

// asciiSet.trim is strings.Trim with govader's punctuation.
func FuzzVaderTrim(f *testing.F) {
	for _, s := range []string{"((good!!", "...", "é.", ".é", "", "'x'", "\xff."} {
		f.Add(s)
	}
	cutset := Analyzer().Constants.Regex.PunctuationString
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := vaderPunctuation().trim(s), strings.Trim(s, cutset); got != want {
			t.Fatalf("trim(%q) = %q, want %q", s, got, want)
		}
	})
}
