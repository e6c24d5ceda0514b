package rss

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Keywords are a brand's listening queries (brand name, products,
// competitors). A keyword matches a text when its words appear there in
// order, as whole words, ignoring case and accents: "Café Lumière" matches
// "cafe lumiere", "CAFÉ-LUMIÈRE" and "au Café Lumière !", but not
// "cafés lumière" or "lumière du café".
type Keywords []keyword

type keyword struct {
	text  string
	words []string
}

// ParseKeywords reads comma- or newline-separated keywords; surrounding
// quotes are dropped, and so are keywords without a letter or digit.
func ParseKeywords(s string) Keywords {
	var out Keywords
	seen := map[string]bool{}
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		k = strings.Trim(strings.TrimSpace(k), `"'«»“”`)
		words := foldWords(k)
		key := strings.Join(words, " ")
		if len(words) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, keyword{text: strings.TrimSpace(k), words: words})
	}
	return out
}

// Match returns the keywords found in text, in the order they were given.
func (ks Keywords) Match(text string) []string {
	words := foldWords(text)
	at := map[string][]int{}
	for i, w := range words {
		at[w] = append(at[w], i)
	}
	var out []string
	for _, k := range ks {
		if k.in(words, at) {
			out = append(out, k.text)
		}
	}
	return out
}

func (k keyword) in(words []string, at map[string][]int) bool {
next:
	for _, i := range at[k.words[0]] {
		if i+len(k.words) > len(words) {
			return false
		}
		for j, w := range k.words[1:] {
			if words[i+1+j] != w {
				continue next
			}
		}
		return true
	}
	return false
}

// ligatures decompose no further under NFD; French writes some of them.
var ligatures = strings.NewReplacer("œ", "oe", "Œ", "oe", "æ", "ae", "Æ", "ae", "ß", "ss", "ﬁ", "fi", "ﬂ", "fl")

// foldWords splits s into lower-case words without accents: letters and
// digits, everything else separates.
func foldWords(s string) []string {
	// Invalid UTF-8 first: NFD would otherwise read a stray byte together
	// with what follows it, differently in a keyword and in a text.
	s = ligatures.Replace(norm.NFD.String(strings.ToValidUTF8(s, " ")))
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r): // combining accents: dropped
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return words
}
