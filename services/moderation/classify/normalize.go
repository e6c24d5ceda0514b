package classify

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/fold"
	"github.com/ruche-project/ruche/services/moderation/classify/internal/tokens"
	"github.com/ruche-project/ruche/services/moderation/classify/internal/vocab"
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
	// indexed says ids, masked and starts are computed (by Normalize):
	// every lexicon looks every token up. Tokens with more numbered forms
	// than ids holds (obfuscated words with several keys) are not indexed.
	indexed bool
	// masked caches isMasked.
	masked bool
	// starts are the lexicons with a phrase that may start at the token.
	starts lexiconBit
	// ids[:nids] number the lexicon lookup forms of the token (tokenIDs),
	// in the token itself: a slice would make every token larger.
	nids uint8
	ids  [2]int32
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
		return string(unicode.ToLower(r))
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

// foldTable is foldRune of the runes texts are mostly made of, computed
// once, so that folding them allocates nothing.
var foldTable = sync.OnceValue(func() *fold.Table { return fold.NewTable(foldRune) })

// Fold lower-cases s and strips its accents.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	ft := foldTable()
	for _, r := range s {
		b.WriteString(ft.Fold(r))
	}
	return b.String()
}

var leet = map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

func isLeet(c byte) bool {
	switch c {
	case '0', '1', '3', '4', '5', '7', '@', '$':
		return true
	}
	return false
}

// isEmoji reports pictographs, dingbats and the like.
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r == 0x2764
}

// span is a word of the folded text before token post-processing. It holds
// no pointer: spans are pooled, and the collector need not look into them.
type span struct {
	start, end int // raw byte offsets
	// foldStart and foldEnd are the word's byte offsets in Text.Folded:
	// a word is a run of runes, its fold a run of the folded text.
	foldStart, foldEnd int
	sentence           int
	clause             int
	quoted             bool
	sepAfter           rune // the single (folded) separator right after the word, 0 if none or several
}

func (sp span) fold(folded string) string { return folded[sp.foldStart:sp.foldEnd] }

// Normalize splits s into tokens and computes their matching forms. It
// reads s once, rune by rune with the next one in view; words are slices
// of the folded text.
func Normalize(s string) Text { return normalizeInto(s, new(tokens.Storage[Token])) }

// normalizeInto is Normalize with the tokens built in st.
func normalizeInto(s string, st *tokens.Storage[Token]) Text {
	t := Text{Raw: s}
	// The folded text is built in place: Text.Folded takes its bytes
	// without a copy.
	var folded strings.Builder
	folded.Grow(len(s) + 8)
	pooled := spanPool.Get().(*[]span)
	defer spanPool.Put(pooled)
	spans := (*pooled)[:0]
	inWord := false
	var wordStart, foldStart int
	sentence, clause := 0, 0
	quoted := false
	// seps counts what separated the current word from the previous one (a
	// sentence or clause mark counts twice); sep is the first of them.
	seps, sep := 0, rune(0)
	// Byte offsets and runes as ranging over the string gives them, so that
	// invalid UTF-8 (one byte read as U+FFFD) keeps spans inside the text.
	ft := foldTable()
	prev, next, nextSize := rune(0), rune(0), 0
	r, size := utf8.DecodeRuneInString(s)
	for o := 0; o < len(s); prev, r, o, size = r, next, o+size, nextSize {
		if n := o + size; n < len(s) && s[n] < utf8.RuneSelf {
			next, nextSize = rune(s[n]), 1
		} else {
			next, nextSize = runeAt(s, n)
		}
		fPos := folded.Len()
		var f string
		class := fold.ClassOf(r)
		if r < utf8.RuneSelf {
			// ASCII folds to one byte, a slice of the table's data.
			f = ft.ASCII(byte(r))
			folded.WriteByte(f[0])
		} else if r == '€' && inWord && unicode.IsLetter(prev) && unicode.IsLetter(next) {
			// A euro sign between letters stands for an e ("m€rde"); a
			// price ("50€", "€5") keeps it.
			f = "e"
			folded.WriteByte('e')
			class |= fold.Letter
		} else {
			f = ft.Fold(r)
			folded.WriteString(f)
		}
		if class&fold.Upper != 0 {
			t.UpperLetters++
		}
		letter := class&fold.Letter != 0
		if letter {
			t.Letters++
		}
		wordChar := false
		switch {
		case letter || class&fold.Digit != 0:
			wordChar = true
		case r == '@' || r == '$':
			// Inside a word or before a letter ("s@lope", "$hit", "@ssh0le").
			wordChar = unicode.IsLetter(next) || unicode.IsDigit(next) || inWord && unicode.IsLetter(prev)
		case r == '*':
			// A masked letter inside a word ("f*ck", "f***").
			wordChar = inWord || unicode.IsLetter(next)
		case r == '#' && !inWord && unicode.IsLetter(next):
			wordChar = true
		}
		if wordChar {
			if !inWord {
				if len(spans) > 0 && seps == 1 {
					spans[len(spans)-1].sepAfter = sep
				}
				inWord, wordStart, foldStart = true, o, fPos
			}
			continue
		}
		if inWord {
			spans = append(spans, span{start: wordStart, end: o, foldStart: foldStart, foldEnd: fPos, sentence: sentence, clause: clause, quoted: quoted})
			inWord, seps = false, 0
		}
		if isEmoji(r) {
			t.Emoji = append(t.Emoji, s[o:o+size]) // r itself: an emoji decodes from valid UTF-8
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
		case r == '!' || r == '?' || r == ';' || r == '…' || r == '\n',
			(r == '.' || r == ':') && (next == 0 || unicode.IsSpace(next)):
			sentence++
			clause++
			seps += 2
		case r == ',' || r == '(' || r == ')':
			clause++
			seps += 2
		default:
			if seps == 0 {
				sep = ' '
				if f != "" {
					sep, _ = utf8.DecodeRuneInString(f)
				}
			}
			seps++
		}
	}
	if inWord {
		spans = append(spans, span{start: wordStart, end: len(s), foldStart: foldStart, foldEnd: folded.Len(), sentence: sentence, clause: clause, quoted: quoted})
	}
	t.Folded = folded.String()
	t.Tokens = buildTokens(st, spans, t.Folded)
	*pooled = spans[:0]
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

// spanPool recycles the words of Normalize: they live only until the
// tokens are built.
var spanPool = sync.Pool{New: func() any { return new([]span) }}

// runeAt decodes the rune at byte offset o of s: 0 past its end.
func runeAt(s string, o int) (rune, int) {
	if o >= len(s) {
		return 0, 0
	}
	if c := s[o]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[o:])
}

// contractions rewrites English "n't" forms so that negation is a word.
var contractions = map[string][]string{
	"can": {"can", "not"}, "won": {"will", "not"}, "ain": {"is", "not"}, "don": {"do", "not"},
	"doesn": {"does", "not"}, "didn": {"did", "not"}, "isn": {"is", "not"}, "aren": {"are", "not"},
	"wasn": {"was", "not"}, "weren": {"were", "not"}, "hasn": {"has", "not"}, "haven": {"have", "not"},
	"couldn": {"could", "not"}, "wouldn": {"would", "not"}, "shouldn": {"should", "not"},
}

// buildTokens joins spread letters, splits elisions and computes keys, into
// st's arrays when they are large enough.
func buildTokens(st *tokens.Storage[Token], spans []span, folded string) []Token {
	if st.Tokens == nil || cap(st.Tokens) < len(spans) {
		// Never nil: a text without words has empty, non-nil tokens.
		st.Tokens = make([]Token, 0, len(spans))
	}
	if cap(st.Keys) < len(spans) {
		st.Keys = make([]string, 0, len(spans))
	}
	out := st.Tokens[:0]
	lx := lexicons()
	b := tokenBuilder{keys: st.Keys[:0], vocab: lx.vocab, starts: lx.starts}
	// The arrays, grown by the appends, and the lengths used, to clear.
	defer func() { st.Tokens, st.Keys = out, b.keys }()
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		// Letters spread with separators: "i.d.i.o.t", "c o n n a r d", "s-a-l-o-p-e".
		if j := spreadRun(spans, folded, i); j-i >= 4 || j-i == 3 && spans[i].sepAfter != ' ' {
			var w strings.Builder
			for k := i; k < j; k++ {
				w.WriteString(spans[k].fold(folded))
			}
			sp.end = spans[j-1].end
			out = b.appendToken(out, sp, w.String())
			i = j - 1
			continue
		}
		// English contractions: "don't" reads "do not" so negation is a word.
		// French elisions ("t'es", "qu'un") are already two words.
		if sp.sepAfter == '\'' && i+1 < len(spans) && spans[i+1].fold(folded) == "t" {
			if c, ok := contractions[sp.fold(folded)]; ok {
				for _, p := range c {
					out = b.appendToken(out, sp, p)
				}
				i++
				continue
			}
		}
		out = b.appendToken(out, sp, sp.fold(folded))
	}
	return out
}

// tokenBuilder makes the tokens of one text; the keys of plain words are
// slices of one array (capped, so that appending to one never writes into
// the next).
type tokenBuilder struct {
	keys   []string
	vocab  *vocab.Vocabulary
	starts []lexiconBit
}

// appendToken appends the token of sp read as fold to out, building it in
// place.
func (b *tokenBuilder) appendToken(out []Token, sp span, fold string) []Token {
	out = append(out, Token{Start: sp.start, End: sp.end, Fold: fold, Sentence: sp.sentence, Clause: sp.clause, Quoted: sp.quoted})
	tok := &out[len(out)-1]
	var buf [16]int32
	switch {
	case strings.HasPrefix(tok.Fold, "@") && len(tok.Fold) > 1 && !hasLeetBody(tok.Fold[1:]):
		tok.Mention = true
		tok.Keys = b.oneKey(tok.Fold)
	case strings.HasPrefix(tok.Fold, "#") && len(tok.Fold) > 1:
		tok.Hashtag = true
		tok.Fold = tok.Fold[1:]
		fallthrough
	default:
		shape := shapeOf(tok.Fold)
		if shape.plain {
			tok.Keys = b.oneKey(tok.Fold)
		} else {
			tok.Keys = keys(tok.Fold)
		}
		return b.index(out, appendFormIDs(buf[:0], tok.Keys, b.vocab), shape.masked)
	}
	return b.index(out, appendFormIDs(buf[:0], tok.Keys, b.vocab), strings.IndexByte(tok.Fold, '*') >= 0)
}

// index records in the last token of out its form numbers and whether it
// is masked; a token with more forms than it holds stays unindexed.
func (b *tokenBuilder) index(out []Token, ids []int32, masked bool) []Token {
	tok := &out[len(out)-1]
	if len(ids) > len(tok.ids) {
		return out
	}
	tok.nids = uint8(copy(tok.ids[:], ids))
	tok.indexed, tok.masked = true, masked
	for _, id := range ids {
		tok.starts |= b.starts[id]
	}
	return out
}

func (b *tokenBuilder) oneKey(k string) []string {
	n := len(b.keys)
	b.keys = append(b.keys, k)
	return b.keys[n : n+1 : n+1]
}

// wordShape is what one pass over a folded word says about it.
type wordShape struct {
	// plain says the word's only key is itself (keys(w) == {w}): no
	// leetspeak among letters, no run of three identical letters.
	plain bool
	// masked says it has a masked letter ('*').
	masked bool
}

func shapeOf(w string) wordShape {
	letter, leet, run3, masked := false, false, false, false
	n := 1 // the length of the run of identical letters at i
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c == '*':
			masked = true
		case isLeet(c):
			leet = true
		}
		if i > 0 && c == w[i-1] && c >= 'a' && c <= 'z' {
			n++
			run3 = run3 || n >= 3
		} else {
			n = 1
		}
	}
	return wordShape{plain: w != "" && !(letter && leet) && !run3, masked: masked}
}

// oneRune reports a string of one rune (utf8.RuneCountInString(s) == 1).
func oneRune(s string) bool {
	if len(s) == 1 {
		return true
	}
	if len(s) == 0 || len(s) > utf8.UTFMax {
		return false
	}
	return utf8.RuneCountInString(s) == 1
}

// spreadRun returns the end of a run of one-character words starting at i,
// separated by one identical separator each ("i.d.i.o.t"), or i.
func spreadRun(spans []span, folded string, i int) int {
	if !oneRune(spans[i].fold(folded)) {
		return i
	}
	sep := spans[i].sepAfter
	if sep == 0 || !strings.ContainsRune(" .-_*/|+~", sep) {
		return i
	}
	j := i + 1
	for j < len(spans) && oneRune(spans[j].fold(folded)) && spans[j].sentence == spans[i].sentence {
		j++
		if spans[j-1].sepAfter != sep {
			break
		}
	}
	return j
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
