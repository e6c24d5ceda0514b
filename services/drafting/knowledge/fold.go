// Package knowledge is a brand's knowledge base as plain data: entries
// imported from Markdown or CSV, and their retrieval by BM25 over French and
// English words folded to their base letters, stop words left out.
package knowledge

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases s and removes its accents ("Déjà" → "deja"); "œ" and
// "æ" become "oe" and "ae".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Tokens are the folded words of s worth searching: letters and digits,
// elisions cut ("l'adresse" → "adresse"), stop words of both languages left
// out, a plural s or x removed from words longer than four letters.
func Tokens(s string) []string {
	words := strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := words[:0]
	for _, w := range words {
		if stopWords[w] || len(w) < 2 && !isDigits(w) {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

func stem(w string) string {
	if len(w) > 4 && (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

func isDigits(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// stopWords of French and English, folded. Elided forms ("l", "d", "qu")
// fall out as one-letter words or are listed.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
le la les un une des du de au aux et ou mais donc or ni car ce cet cette ces mon ma mes ton ta tes son sa ses
notre nos votre vos leur leurs je tu il elle on nous vous ils elles me te se moi toi lui eux y en ne pas plus
que qui quoi dont ou est sont suis es etes sommes ai as avons avez ont a avait etait etre avoir fait faire
dans par pour sur avec sans sous chez vers entre qu quand comme si tout tous toute toutes tres bien aussi
bonjour salut merci svp stp cela ca c est deja encore alors
the a an and or but so of to in on at by for with from as is are was were be been being am do does did
have has had i you he she it we they me him her us them my your his its our their this that these those
what which who whom how when where why can could will would shall should may might must not no yes
hello hi thanks thank please there here just also very any some all`) {
		m[w] = true
	}
	return m
}()
