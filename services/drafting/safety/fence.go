// Package safety keeps the text a draft answers in its place (data, never
// instructions: OWASP LLM01) and checks every draft before a human sees it
// (LLM05): no prompt echoed, links only to allowed domains, no personal data
// the interaction did not contain, the interaction's language, the
// network's length, none of the brand's avoided words.
package safety

import (
	"strings"
	"unicode"
)

// MaxInteractionChars caps the interaction's text given to a model: longer
// than any network's post (LinkedIn: 3,000), short enough that a pasted
// essay of instructions cannot crowd out the system prompt.
const MaxInteractionChars = 3000

// Fence markers around the interaction's text in a prompt.
const (
	FenceOpen  = "<<<INTERACTION"
	FenceClose = "INTERACTION>>>"
)

// Clean is text fit to be quoted to a model: control and format characters
// (zero-width, bidi overrides) removed, whitespace runs folded, fence markers
// defused, at most max characters.
func Clean(text string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range text {
		if n >= max {
			break
		}
		switch {
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
				n++
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		space = false
		b.WriteRune(r)
		n++
	}
	s := strings.TrimSpace(b.String())
	// The fence cannot be closed from inside: "<<<" and ">>>" lose a
	// character.
	for _, m := range []string{"<<<", ">>>"} {
		for strings.Contains(s, m) {
			s = strings.ReplaceAll(s, m, m[:2])
		}
	}
	return s
}

// Fence is the interaction's text as a prompt quotes it: cleaned and
// between the markers.
func Fence(text string) string {
	return FenceOpen + "\n" + Clean(text, MaxInteractionChars) + "\n" + FenceClose
}
