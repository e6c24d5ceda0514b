package crisis

import (
	"strings"
	"unicode"

	"github.com/ruche-project/ruche/services/moderation/classify"
)

// stopWords are French and English words that say nothing about a spike
// (folded: lower case, no accents).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
the and for you your are was were with this that have has had not but from they them their our out all can will just
what when where who why how its it's about would there been more very too than then also get got one like some any
les des une est pas pour que qui dans sur avec vous nous ils elles sont mais plus par tout tous cette ces ete etait
mon mes ton tes son ses notre nos votre vos leur leurs aux meme fait faire avoir etre deja encore tres bien comme
chez quand alors donc car sans sous ici rien elle lui moi toi cest j'ai c'est qu'il n'est d'un d'une
depuis comment voila pourquoi toujours jamais autre autres apres avant aussi peu trop
still even without since why because into been being does did doing only really every
`) {
		m[w] = true
	}
	return m
}()

// Terms are the words of a normalised text worth counting in a spike: no
// stop words, mentions, links, numbers or words shorter than three letters.
func Terms(t classify.Text) []string {
	var out []string
	seen := map[string]bool{}
	for _, tok := range t.Tokens {
		w := tok.Fold
		if tok.Hashtag {
			w = "#" + w
		}
		if tok.Mention || len([]rune(w)) < 3 || stopWords[w] || seen[w] || strings.ContainsAny(w, "/.@") || !hasLetter(w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
