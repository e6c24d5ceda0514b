package classify

// The normaliser and the phrase finder as they were before they were made
// cheaper (commit 232dd1c), kept as the reference the fast code is compared
// with (reference_test.go). Only what the fast code does otherwise is
// here: the rules both share (foldRune, keys, contractions, singular...)
// are called, not copied.

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// refBuildTokens joins spread letters, splits elisions and computes keys.
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
		// English contractions: "don't" reads "do not" so negation is a word.
		// French elisions ("t'es", "qu'un") are already two words.
		if sp.sepAfter == '\'' && i+1 < len(spans) && spans[i+1].fold == "t" {
			if c, ok := contractions[sp.fold]; ok {
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
	case strings.HasPrefix(tok.Fold, "@") && len(tok.Fold) > 1 && !hasLeetBody(tok.Fold[1:]):
		tok.Mention = true
		tok.Keys = []string{tok.Fold}
		return tok
	case strings.HasPrefix(tok.Fold, "#") && len(tok.Fold) > 1:
		tok.Hashtag = true
		tok.Fold = tok.Fold[1:]
	}
	tok.Keys = keys(tok.Fold)
	return tok
}

// refSqueeze collapses runs of at least min identical letters to one letter.
func refSqueeze(s string, min int) string {
	if len(s) < min || !hasRun(s, min) {
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

// refComputeForms are the forms a token with keys looks a lexicon word up
// under.
func refComputeForms(keys []string) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, k := range keys {
		add(k)
		if p := singular(k); p != k {
			add(p)
		}
		for _, s := range []string{refSqueeze(k, 2), refSqueeze(singular(k), 2)} {
			if len(s) >= 5 {
				add(s)
			}
		}
	}
	return out
}

// refWordMatches reports whether token t reads as lexicon word w, whose
// squeezed form is sq (refSqueeze(w, 2)).
func refWordMatches(t Token, w, sq string) bool {
	if t.Mention {
		return false
	}
	for _, f := range refComputeForms(t.Keys) {
		if f == w || len(f) >= 5 && f == sq {
			return true
		}
	}
	return strings.Contains(t.Fold, "*") && wildcardEqual(t.Keys[0], w)
}

// refFind returns every phrase of p found in toks, longest first at each
// position; a shorter phrase inside a longer one that matched is dropped.
func refFind(p *refPhrases, toks []Token) []match {
	var out []match
	covered := -1
	for i := range toks {
		var cands []*entry
		if strings.Contains(toks[i].Fold, "*") {
			cands = p.all
		} else {
			for _, f := range refComputeForms(toks[i].Keys) {
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
