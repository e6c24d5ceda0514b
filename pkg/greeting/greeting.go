// Package greeting joins a sentence to the greeting before it, as the
// drafted replies (drafting) and the model fake (pkg/modelfake) both write
// them.
package greeting

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// After is sentence as it reads after a greeting that ends with a
// comma ("Bonjour Léa, nos cafés…"): the sentence goes on the greeting's
// line, so the capital it has at the start of a knowledge-base entry or a
// phrase goes, unless its first word is a name. A name is a word with
// another capital or a digit (UPS, SNCF, B2B), English "I", a word followed
// by another capitalised word (Café Lumière), or a word that context (the
// entry it comes from) writes with a capital inside a sentence.
func After(sentence, context string) string {
	first, rest, _ := strings.Cut(sentence, " ")
	r, size := utf8.DecodeRuneInString(first)
	if !unicode.IsUpper(r) {
		return sentence
	}
	word := strings.TrimRightFunc(first, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	switch {
	case word == "I" || strings.HasPrefix(word, "I'") || strings.HasPrefix(word, "I’"):
		return sentence
	case strings.IndexFunc(word[size:], func(r rune) bool { return unicode.IsUpper(r) || unicode.IsDigit(r) }) >= 0:
		return sentence
	}
	if next, _, _ := strings.Cut(rest, " "); next != "" {
		if n, _ := utf8.DecodeRuneInString(next); unicode.IsUpper(n) {
			return sentence
		}
	}
	if capitalisedInside(word, context) {
		return sentence
	}
	return string(unicode.ToLower(r)) + sentence[size:]
}

// capitalisedInside reports whether context has word, capitalised, after
// another word of the same sentence.
func capitalisedInside(word, context string) bool {
	fields := strings.Fields(context)
	for i := 1; i < len(fields); i++ {
		prev := fields[i-1]
		if strings.HasSuffix(prev, ".") || strings.HasSuffix(prev, "!") || strings.HasSuffix(prev, "?") || strings.HasSuffix(prev, ":") {
			continue
		}
		if strings.TrimRightFunc(fields[i], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) == word {
			return true
		}
	}
	return false
}
