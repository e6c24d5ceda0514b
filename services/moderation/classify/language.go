package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
		// A stop word is found under any key, a word of another language
		// under the folded word (one of the keys, most often the only one).
		var m langMark
		foldSeen := false
		for _, k := range tok.Keys {
			w := lx.langWords[k]
			m |= w & (frenchWord | englishWord)
			if k == tok.Fold {
				m |= w & otherWord
				foldSeen = true
			}
		}
		if !foldSeen {
			m |= lx.langWords[tok.Fold] & otherWord
		}
		if m&frenchWord != 0 {
			fr++
		}
		if m&englishWord != 0 {
			en++
		}
		if m&otherWord != 0 {
			other++
		}
		if isElision(t, i) {
			fr += 0.5
		}
	}
	letters := lettersOf(t.Raw)
	switch {
	case letters.other:
		other += 2
	case letters.french:
		fr += 1
	case letters.eAcute:
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
	case letters.frenchTie:
		return LangFrench
	}
	return LangOther
}

// langLetters says which letters of DetectLanguage a text holds, lower-cased
// (strings.ToLower): letters of other languages ("ñ¿¡ßäöãõ"), French ones
// ("çèêëàâîïûùœ"), 'é', and those that break a tie ("éèêàç").
type langLetters struct{ other, french, eAcute, frenchTie bool }

// lettersOf reads raw once; ASCII, lower-cased, holds none of the letters.
func lettersOf(raw string) langLetters {
	var l langLetters
	for i := 0; i < len(raw); {
		if raw[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(raw[i:])
		i += n
		switch unicode.ToLower(r) {
		case 'ñ', '¿', '¡', 'ß', 'ä', 'ö', 'ã', 'õ':
			l.other = true
		case 'ç', 'è', 'ê', 'à':
			l.french, l.frenchTie = true, true
		case 'ë', 'â', 'î', 'ï', 'û', 'ù', 'œ':
			l.french = true
		case 'é':
			l.eAcute, l.frenchTie = true, true
		}
	}
	return l
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
