package classify

import "strings"

// Lang is a detected language.
type Lang string

// Languages the classifiers know; every other language is LangOther.
const (
	LangFrench  Lang = "fr"
	LangEnglish Lang = "en"
	LangOther   Lang = "other"
)

// ParseLang maps a language tag from a network ("fr", "fr-CA", "en_GB") to
// a Lang; "" stays "" (unknown).
func ParseLang(tag string) Lang {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return ""
	}
	switch {
	case tag == "fr" || strings.HasPrefix(tag, "fr-") || strings.HasPrefix(tag, "fr_"):
		return LangFrench
	case tag == "en" || strings.HasPrefix(tag, "en-") || strings.HasPrefix(tag, "en_"):
		return LangEnglish
	}
	return LangOther
}

// DetectLanguage says whether t is French, English or something else. A
// network's own tag (hint) wins when there is one. Each word found in a
// language's list of frequent words is one vote; letters only one language
// uses (ç, ñ, ß...) and French elisions ("t'es", "qu'il") add votes. A text
// with no vote at all ("ok", "👍") is LangOther.
func DetectLanguage(t Text, hint string) Lang {
	if l := ParseLang(hint); l != "" {
		return l
	}
	lx := lexicons()
	var fr, en, other float64
	for i, tok := range t.Tokens {
		if tok.Mention || tok.Hashtag {
			continue
		}
		k := tok.Fold
		if lx.stopwords[LangFrench].has(tok) {
			fr++
		}
		if lx.stopwords[LangEnglish].has(tok) {
			en++
		}
		best := 0.0
		for _, w := range lx.otherWords {
			if w[k] {
				best = 1
			}
		}
		other += best
		if isElision(t, i) {
			fr += 0.5
		}
	}
	raw := strings.ToLower(t.Raw)
	switch {
	case strings.ContainsAny(raw, "ñ¿¡ßäöãõ"):
		other += 2
	case strings.ContainsAny(raw, "çèêëàâîïûùœ"):
		fr += 1
	case strings.ContainsRune(raw, 'é'):
		fr += 0.5
	}
	switch {
	case fr == 0 && en == 0:
		return LangOther
	case other > fr && other > en:
		return LangOther
	case fr > en:
		return LangFrench
	case en > fr:
		return LangEnglish
	case strings.ContainsAny(raw, "éèêàç"):
		return LangFrench
	}
	return LangOther
}

// isElision reports a French elided word glued to the next by an
// apostrophe: "t'es", "qu'il", "j'adore".
func isElision(t Text, i int) bool {
	if i+1 >= len(t.Tokens) {
		return false
	}
	switch t.Tokens[i].Fold {
	case "c", "d", "j", "l", "m", "n", "s", "t", "qu":
	default:
		return false
	}
	between := t.Raw[t.Tokens[i].End:t.Tokens[i+1].Start]
	return between == "'" || between == "’"
}
