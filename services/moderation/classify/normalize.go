package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token is one word of a text in the forms the classifiers match on.
type Token struct {
	// Start and End are byte offsets of the word in the raw text.
	Start, End int
	// Fold is the word lower-cased with accents stripped.
	Fold string
	// Keys are Fold and its deobfuscated variants (leetspeak decoded, runs of
	// three or more identical letters squeezed), most likely first.
	Keys []string
	// Sentence and Clause number the sentence and the clause (split on commas
	// and conjunctions too) the word belongs to.
	Sentence, Clause int
	// Quoted is true inside quotation marks.
	Quoted bool
	// Mention is an @handle; Hashtag a #tag (Fold holds the tag without '#').
	Mention, Hashtag bool
	// ids number the lexicon lookup forms of the token (tokenIDs),
	// computed once when indexed: every lexicon looks every token up.
	ids     []int32
	indexed bool
}

// Key is the main matching form of the token.
func (t Token) Key() string { return t.Keys[0] }

// Text is a normalised text.
type Text struct {
	Raw string
	// Folded is the whole text lower-cased with accents stripped and
	// apostrophes unified, for patterns over the running text.
	Folded string
	Tokens []Token
	// Canon is the main key of every token, joined by single spaces, with a
	// space at both ends: phrase patterns match on it.
	Canon string
	// Exclamations and Questions count '!' and '?'.
	Exclamations, Questions int
	// Emoji are the emoji and pictographs of the text, in order.
	Emoji []string
	// UpperLetters and Letters count letters, for shouting.
	UpperLetters, Letters int
}

// foldRune lower-cases r and strips its accents; ligatures expand and a few
// Cyrillic look-alikes used to dodge filters map to Latin letters.
func foldRune(r rune) string {
	switch r {
	case 'œ', 'Œ':
		return "oe"
	case 'æ', 'Æ':
		return "ae"
	case 'ß':
		return "ss"
	case '’', '‘', '`', '´', 'ʼ', '′':
		return "'"
	case '«', '»', '“', '”', '„', '″':
		return "\""
	case 'а', 'А':
		return "a"
	case 'е', 'Е':
		return "e"
	case 'о', 'О':
		return "o"
	case 'р', 'Р':
		return "p"
	case 'с', 'С':
		return "c"
	case 'х', 'Х':
		return "x"
	case 'у', 'У':
		return "y"
	case 'і', 'І':
		return "i"
	}
	if r < utf8.RuneSelf {
		return asciiFold[r]
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		b.WriteRune(unicode.ToLower(d))
	}
	return b.String()
}

// asciiFold is foldRune of the ASCII runes, allocated once.
var asciiFold = func() (t [utf8.RuneSelf]string) {
	for r := range t {
		t[r] = string(unicode.ToLower(rune(r)))
	}
	return t
}()

// Fold lower-cases s and strips its accents.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(foldRune(r))
	}
	return b.String()
}

var leet = map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

// isEmoji reports pictographs, dingbats and the like.
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r == 0x2764
}

// span is a word of the folded text before token post-processing.
type span struct {
	start, end int // raw byte offsets
	fold       string
	sentence   int
	clause     int
	quoted     bool
	sepAfter   rune // the single (folded) separator right after the word, 0 if none or several
}

// Normalize splits s into tokens and computes their matching forms.
func Normalize(s string) Text {
	t := Text{Raw: s}
	var folded strings.Builder
	folded.Grow(len(s))
	var spans []span
	var cur strings.Builder
	curStart := -1
	sentence, clause := 0, 0
	quoted := false
	// pending tracks what separates the current word from the next one.
	var sepRunes []rune
	flush := func(end int) {
		if curStart < 0 {
			return
		}
		spans = append(spans, span{start: curStart, end: end, fold: cur.String(), sentence: sentence, clause: clause, quoted: quoted})
		cur.Reset()
		curStart = -1
		sepRunes = sepRunes[:0]
	}
	endSep := func() {
		// Called when a word starts: record what separated it from the previous one.
		if len(spans) == 0 {
			return
		}
		last := &spans[len(spans)-1]
		if len(sepRunes) == 1 {
			last.sepAfter = sepRunes[0]
		}
	}
	// Byte offsets from ranging over the string, so that invalid UTF-8
	// (one byte read as U+FFFD) keeps spans inside the text.
	runes := make([]rune, 0, len(s))
	offsets := make([]int, 0, len(s)+1)
	spans = make([]span, 0, len(s)/5+1)
	for o, r := range s {
		runes = append(runes, r)
		offsets = append(offsets, o)
	}
	offsets = append(offsets, len(s))
	for i, r := range runes {
		f := foldRune(r)
		folded.WriteString(f)
		if unicode.IsUpper(r) {
			t.UpperLetters++
		}
		if unicode.IsLetter(r) {
			t.Letters++
		}
		next := rune(0)
		if i+1 < len(runes) {
			next = runes[i+1]
		}
		prev := rune(0)
		if i > 0 {
			prev = runes[i-1]
		}
		wordChar := false
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			wordChar = true
		case r == '@' || r == '$':
			// Inside a word or before a letter ("s@lope", "$hit", "@ssh0le").
			wordChar = unicode.IsLetter(next) || unicode.IsDigit(next) || curStart >= 0 && unicode.IsLetter(prev)
		case r == '*':
			// A masked letter inside a word ("f*ck", "f***").
			wordChar = curStart >= 0 || unicode.IsLetter(next)
		case r == '#' && curStart < 0 && unicode.IsLetter(next):
			wordChar = true
		}
		if wordChar {
			if curStart < 0 {
				endSep()
				curStart = offsets[i]
			}
			cur.WriteString(f)
			continue
		}
		flush(offsets[i])
		if isEmoji(r) {
			t.Emoji = append(t.Emoji, string(r))
		}
		switch {
		case r == '!':
			t.Exclamations++
		case r == '?':
			t.Questions++
		}
		if f == "\"" {
			quoted = !quoted
		}
		if f == "'" && !unicode.IsLetter(prev) && unicode.IsLetter(next) {
			quoted = true // an opening single quote: 'idiot'
		} else if f == "'" && unicode.IsLetter(prev) && !unicode.IsLetter(next) && quoted {
			quoted = false
		}
		switch {
		case r == '!' || r == '?' || r == ';' || r == '…' || r == '\n':
			sentence++
			clause++
			sepRunes = append(sepRunes, r, r)
		case (r == '.' || r == ':') && (next == 0 || unicode.IsSpace(next)):
			sentence++
			clause++
			sepRunes = append(sepRunes, r, r)
		case r == ',' || r == '(' || r == ')':
			clause++
			sepRunes = append(sepRunes, r, r)
		default:
			sep := ' '
			if f != "" {
				sep, _ = utf8.DecodeRuneInString(f)
			}
			sepRunes = append(sepRunes, sep)
		}
	}
	flush(len(s))
	t.Folded = folded.String()
	t.Tokens = buildTokens(spans)
	var canon strings.Builder
	canon.Grow(len(t.Folded) + 2)
	canon.WriteByte(' ')
	for _, tok := range t.Tokens {
		canon.WriteString(tok.Key())
		canon.WriteByte(' ')
	}
	t.Canon = canon.String()
	return t
}

// contractions rewrites English "n't" forms so that negation is a word.
var contractions = map[string][]string{
	"can": {"can", "not"}, "won": {"will", "not"}, "ain": {"is", "not"}, "don": {"do", "not"},
	"doesn": {"does", "not"}, "didn": {"did", "not"}, "isn": {"is", "not"}, "aren": {"are", "not"},
	"wasn": {"was", "not"}, "weren": {"were", "not"}, "hasn": {"has", "not"}, "haven": {"have", "not"},
	"couldn": {"could", "not"}, "wouldn": {"would", "not"}, "shouldn": {"should", "not"},
}

// buildTokens joins spread letters, splits elisions and computes keys.
func buildTokens(spans []span) []Token {
	out := make([]Token, 0, len(spans))
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		// Letters spread with separators: "i.d.i.o.t", "c o n n a r d", "s-a-l-o-p-e".
		if j := spreadRun(spans, i); j-i >= 4 || j-i == 3 && spans[i].sepAfter != ' ' {
			var b strings.Builder
			for k := i; k < j; k++ {
				b.WriteString(spans[k].fold)
			}
			sp.fold = b.String()
			sp.end = spans[j-1].end
			out = append(out, newToken(sp))
			i = j - 1
			continue
		}
		// English contractions: "don't" reads "do not" so negation is a word.
		// French elisions ("t'es", "qu'un") are already two words.
		if sp.sepAfter == '\'' && i+1 < len(spans) && spans[i+1].fold == "t" {
			if c, ok := contractions[sp.fold]; ok {
				for _, p := range c {
					s := sp
					s.fold = p
					out = append(out, newToken(s))
				}
				i++
				continue
			}
		}
		out = append(out, newToken(sp))
	}
	return out
}

// spreadRun returns the end of a run of one-character words starting at i,
// separated by one identical separator each ("i.d.i.o.t"), or i.
func spreadRun(spans []span, i int) int {
	if utf8.RuneCountInString(spans[i].fold) != 1 {
		return i
	}
	sep := spans[i].sepAfter
	if sep == 0 || !strings.ContainsRune(" .-_*/|+~", sep) {
		return i
	}
	j := i + 1
	for j < len(spans) && utf8.RuneCountInString(spans[j].fold) == 1 && spans[j].sentence == spans[i].sentence {
		j++
		if spans[j-1].sepAfter != sep {
			break
		}
	}
	return j
}

func newToken(sp span) Token {
	tok := Token{Start: sp.start, End: sp.end, Fold: sp.fold, Sentence: sp.sentence, Clause: sp.clause, Quoted: sp.quoted}
	switch {
	case strings.HasPrefix(tok.Fold, "@") && len(tok.Fold) > 1 && !hasLeetBody(tok.Fold[1:]):
		tok.Mention = true
		tok.Keys = []string{tok.Fold}
		tok.ids, tok.indexed = appendFormIDs(nil, tok.Keys, lexicons().vocab), true
		return tok
	case strings.HasPrefix(tok.Fold, "#") && len(tok.Fold) > 1:
		tok.Hashtag = true
		tok.Fold = tok.Fold[1:]
	}
	tok.Keys = keys(tok.Fold)
	tok.ids, tok.indexed = appendFormIDs(nil, tok.Keys, lexicons().vocab), true
	return tok
}

// hasLeetBody reports a handle that reads as an obfuscated word ("@ssh0le"):
// it mixes letters with digits or symbols.
func hasLeetBody(s string) bool {
	return strings.HasPrefix(s, "ss") && strings.ContainsAny(s, "0134579$")
}

// keys returns the matching forms of a folded word.
func keys(fold string) []string {
	out := []string{}
	add := func(s string) {
		if s == "" {
			return
		}
		for _, k := range out {
			if k == s {
				return
			}
		}
		out = append(out, s)
	}
	hasLetter, hasLeet := false, false
	for i := 0; i < len(fold); i++ {
		c := fold[i]
		if c >= 'a' && c <= 'z' {
			hasLetter = true
		} else if _, ok := leet[c]; ok {
			hasLeet = true
		}
	}
	decoded := fold
	if hasLetter && hasLeet {
		b := []byte(fold)
		for i, c := range b {
			if l, ok := leet[c]; ok {
				b[i] = l
			}
		}
		decoded = string(b)
	}
	add(squeeze(decoded, 3))
	add(decoded)
	add(fold)
	if hasLetter && strings.Contains(fold, "1") {
		add(squeeze(strings.ReplaceAll(decoded, "i", "l"), 3)) // "1oser"
	}
	return out
}

// squeeze collapses runs of at least min identical letters to one letter.
func squeeze(s string, min int) string {
	if len(s) < min || !hasRun(s, min) {
		return s
	}
	return string(appendSqueezed(make([]byte, 0, len(s)), s, min))
}

// appendSqueezed appends s with its runs of at least min identical letters
// collapsed to one letter.
func appendSqueezed(b []byte, s string, min int) []byte {
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i >= min && s[i] >= 'a' && s[i] <= 'z' {
			b = append(b, s[i])
		} else {
			b = append(b, s[i:j]...)
		}
		i = j
	}
	return b
}

// hasRun reports a run of at least min identical letters in s.
func hasRun(s string, min int) bool {
	n := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] && s[i] >= 'a' && s[i] <= 'z' {
			if n++; n >= min {
				return true
			}
		} else {
			n = 1
		}
	}
	return min <= 1 && len(s) > 0
}
