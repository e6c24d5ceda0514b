package classify

// The normaliser and the phrase finder as they were before they were made
// cheaper (commit 232dd1c), kept as the reference the fast code is compared
// with (reference_test.go's fuzz targets).

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// refFoldRune lower-cases r and strips its accents; ligatures expand and a few
// Cyrillic look-alikes used to dodge filters map to Latin letters.
func refFoldRune(r rune) string {
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
		return refAsciiFold[r]
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

// refAsciiFold is refFoldRune of the ASCII runes, allocated once.
var refAsciiFold = func() (t [utf8.RuneSelf]string) {
	for r := range t {
		t[r] = string(unicode.ToLower(rune(r)))
	}
	return t
}()

// refFold lower-cases s and strips its accents.
func refFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(refFoldRune(r))
	}
	return b.String()
}

var refLeet = map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

// refIsEmoji reports pictographs, dingbats and the like.
func refIsEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r == 0x2764
}

// refSpan is a word of the folded text before token post-processing.
type refSpan struct {
	start, end int // raw byte offsets
	fold       string
	sentence   int
	clause     int
	quoted     bool
	sepAfter   rune // the single (folded) separator right after the word, 0 if none or several
}

// refNormalize splits s into tokens and computes their matching forms.
func refNormalize(s string) Text {
	t := Text{Raw: s}
	var folded strings.Builder
	folded.Grow(len(s))
	var spans []refSpan
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
		spans = append(spans, refSpan{start: curStart, end: end, fold: cur.String(), sentence: sentence, clause: clause, quoted: quoted})
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
	spans = make([]refSpan, 0, len(s)/5+1)
	for o, r := range s {
		runes = append(runes, r)
		offsets = append(offsets, o)
	}
	offsets = append(offsets, len(s))
	for i, r := range runes {
		f := refFoldRune(r)
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
		if refIsEmoji(r) {
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
	t.Tokens = refBuildTokens(spans)
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

// refContractions rewrites English "n't" forms so that negation is a word.
var refContractions = map[string][]string{
	"can": {"can", "not"}, "won": {"will", "not"}, "ain": {"is", "not"}, "don": {"do", "not"},
	"doesn": {"does", "not"}, "didn": {"did", "not"}, "isn": {"is", "not"}, "aren": {"are", "not"},
	"wasn": {"was", "not"}, "weren": {"were", "not"}, "hasn": {"has", "not"}, "haven": {"have", "not"},
	"couldn": {"could", "not"}, "wouldn": {"would", "not"}, "shouldn": {"should", "not"},
}

// refBuildTokens joins spread letters, splits elisions and computes refKeys.
func refBuildTokens(spans []refSpan) []Token {
	out := make([]Token, 0, len(spans))
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		// Letters spread with separators: "i.d.i.o.t", "c o n n a r d", "s-a-l-o-p-e".
		if j := refSpreadRun(spans, i); j-i >= 4 || j-i == 3 && spans[i].sepAfter != ' ' {
			var b strings.Builder
			for k := i; k < j; k++ {
				b.WriteString(spans[k].fold)
			}
			sp.fold = b.String()
			sp.end = spans[j-1].end
			out = append(out, refNewToken(sp))
			i = j - 1
			continue
		}
		// English refContractions: "don't" reads "do not" so negation is a word.
		// French elisions ("t'es", "qu'un") are already two words.
		if sp.sepAfter == '\'' && i+1 < len(spans) && spans[i+1].fold == "t" {
			if c, ok := refContractions[sp.fold]; ok {
				for _, p := range c {
					s := sp
					s.fold = p
					out = append(out, refNewToken(s))
				}
				i++
				continue
			}
		}
		out = append(out, refNewToken(sp))
	}
	return out
}

// refSpreadRun returns the end of a run of one-character words starting at i,
// separated by one identical separator each ("i.d.i.o.t"), or i.
func refSpreadRun(spans []refSpan, i int) int {
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

func refNewToken(sp refSpan) Token {
	tok := Token{Start: sp.start, End: sp.end, Fold: sp.fold, Sentence: sp.sentence, Clause: sp.clause, Quoted: sp.quoted}
	switch {
	case strings.HasPrefix(tok.Fold, "@") && len(tok.Fold) > 1 && !refHasLeetBody(tok.Fold[1:]):
		tok.Mention = true
		tok.Keys = []string{tok.Fold}
		return tok
	case strings.HasPrefix(tok.Fold, "#") && len(tok.Fold) > 1:
		tok.Hashtag = true
		tok.Fold = tok.Fold[1:]
	}
	tok.Keys = refKeys(tok.Fold)
	return tok
}

// refHasLeetBody reports a handle that reads as an obfuscated word ("@ssh0le"):
// it mixes letters with digits or symbols.
func refHasLeetBody(s string) bool {
	return strings.HasPrefix(s, "ss") && strings.ContainsAny(s, "0134579$")
}

// refKeys returns the matching forms of a folded word.
func refKeys(fold string) []string {
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
		} else if _, ok := refLeet[c]; ok {
			hasLeet = true
		}
	}
	decoded := fold
	if hasLetter && hasLeet {
		b := []byte(fold)
		for i, c := range b {
			if l, ok := refLeet[c]; ok {
				b[i] = l
			}
		}
		decoded = string(b)
	}
	add(refSqueeze(decoded, 3))
	add(decoded)
	add(fold)
	if hasLetter && strings.Contains(fold, "1") {
		add(refSqueeze(strings.ReplaceAll(decoded, "i", "l"), 3)) // "1oser"
	}
	return out
}

// refSqueeze collapses runs of at least min identical letters to one letter.
func refSqueeze(s string, min int) string {
	if len(s) < min || !refHasRun(s, min) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i >= min && s[i] >= 'a' && s[i] <= 'z' {
			b.WriteByte(s[i])
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// refHasRun reports a run of at least min identical letters in s.
func refHasRun(s string, min int) bool {
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

// refLookupForms are the forms a token looks a lexicon word up under.
func refLookupForms(t Token) []string {
	return refComputeForms(t.Keys)
}
func refComputeForms(refKeys []string) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, k := range refKeys {
		add(k)
		if p := refSingular(k); p != k {
			add(p)
		}
		for _, s := range []string{refSqueeze(k, 2), refSqueeze(refSingular(k), 2)} {
			if len(s) >= 5 {
				add(s)
			}
		}
	}
	return out
}

// refSingular strips a plural mark: "abrutis" → "abruti", "n00bs" → "noob".
func refSingular(k string) string {
	if len(k) > 3 && (strings.HasSuffix(k, "s") || strings.HasSuffix(k, "x")) && !strings.HasSuffix(k, "ss") {
		return k[:len(k)-1]
	}
	return k
}

// refWordMatches reports whether token t reads as lexicon word w, whose
// squeezed form is sq (refSqueeze(w, 2)).
func refWordMatches(t Token, w, sq string) bool {
	if t.Mention {
		return false
	}
	for _, f := range refLookupForms(t) {
		if f == w || len(f) >= 5 && f == sq {
			return true
		}
	}
	return strings.Contains(t.Fold, "*") && refWildcardEqual(t.Keys[0], w)
}

// refWildcardEqual compares a masked word ("f*ck") with w, '*' matching one letter.
func refWildcardEqual(masked, w string) bool {
	if len(masked) != len(w) || strings.Trim(masked, "*") == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if masked[i] != '*' && masked[i] != w[i] {
			return false
		}
	}
	return true
}

// find returns every phrase of p found in toks, longest first at each
// position; a shorter phrase inside a longer one that matched is dropped.
func refFind(p *refPhrases, toks []Token) []match {
	var out []match
	covered := -1
	for i := range toks {
		var cands []*entry
		if strings.Contains(toks[i].Fold, "*") {
			cands = p.all
		} else {
			for _, f := range refLookupForms(toks[i]) {
				for _, e := range p.byFirst[f] {
					if !slices.Contains(cands, e) {
						cands = append(cands, e)
					}
				}
			}
		}
		best := -1
		var bestE *entry
		for _, e := range cands {
			if end, ok := refMatchAt(toks, i, e); ok && end > best {
				best, bestE = end, e
			}
		}
		if bestE != nil && best > covered {
			out = append(out, match{e: bestE, start: i, end: best})
			covered = best
		}
	}
	return out
}

// refMatchAt checks e against toks from i, within one sentence.
func refMatchAt(toks []Token, i int, e *entry) (int, bool) {
	if i+len(e.words) > len(toks) {
		return 0, false
	}
	for k, w := range e.words {
		t := toks[i+k]
		if t.Sentence != toks[i].Sentence || !refWordMatches(t, w, e.squeezed[k]) {
			return 0, false
		}
	}
	end := i + len(e.words)
	if e.atClauseEnd && end < len(toks) && toks[end].Clause == toks[end-1].Clause {
		return 0, false
	}
	return end, true
}

// refPhrases is a lexicon indexed as it was: by the forms of its first word.
type refPhrases struct {
	byFirst map[string][]*entry
	all     []*entry
}

func newRefPhrases(p *phrases) *refPhrases {
	r := &refPhrases{byFirst: map[string][]*entry{}, all: p.all}
	for _, e := range p.all {
		for _, f := range indexForms(e.words[0]) {
			r.byFirst[f] = append(r.byFirst[f], e)
		}
	}
	return r
}

// refFoldKey is foldKey as it was.
func refFoldKey(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(refOrbitMin(r))
	}
	return b.String()
}

func refOrbitMin(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}
