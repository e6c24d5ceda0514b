package classify

import (
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/vocab"
)

//go:embed lexicons/*.tsv
var lexiconFS embed.FS

// entry is one line of a lexicon: a word or phrase and its columns.
type entry struct {
	words []string
	// squeezed are the words with runs of letters squeezed (squeeze(w, 2)).
	squeezed []string
	fields   []string
	// atClauseEnd requires the phrase to end its clause ("ferme la$").
	atClauseEnd bool
	// name is the phrase, its words joined by spaces.
	name string
	// valence is the first column read as a number, when valenceOK (the
	// sentiment lexicons).
	valence   float64
	valenceOK bool
	// wordIDs and squeezedIDs number words and squeezed in the vocabulary
	// (-1 for a squeezed word shorter than 5 bytes, which never matches);
	// firstIDs are the forms of the first word the entry is indexed under.
	wordIDs, squeezedIDs, firstIDs []int32
}

func (e *entry) String() string { return e.name }

// field returns column i (0 is the first column after the phrase), or "".
func (e *entry) field(i int) string {
	if i < len(e.fields) {
		return e.fields[i]
	}
	return ""
}

// phrases is a lexicon indexed by the forms of its first word.
type phrases struct {
	// bit marks the lexicon in Token.starts.
	bit lexiconBit
	// byFirst lists, by vocabulary number of a form, the entries whose
	// first word is found under that form, in the lexicon's order.
	byFirst [][]*entry
	all     []*entry
}

// index numbers the words of p's entries in v.
func (p *phrases) index(v *vocab.Vocabulary) {
	for _, e := range p.all {
		for k, w := range e.words {
			e.wordIDs = append(e.wordIDs, v.Add(w))
			sq := int32(-1)
			if len(e.squeezed[k]) >= 5 {
				sq = v.Add(e.squeezed[k])
			}
			e.squeezedIDs = append(e.squeezedIDs, sq)
		}
		for _, f := range indexForms(e.words[0]) {
			e.firstIDs = append(e.firstIDs, v.Add(f))
		}
	}
}

// lexiconBit is one lexicon in a set of lexicons.
type lexiconBit uint8

// link builds byFirst once v numbers every lexicon's words, and marks in
// starts the forms p's phrases start with.
func (p *phrases) link(v *vocab.Vocabulary, bit lexiconBit, starts []lexiconBit) {
	p.bit = bit
	p.byFirst = make([][]*entry, v.Size())
	for _, e := range p.all {
		for _, id := range e.firstIDs {
			p.byFirst[id] = append(p.byFirst[id], e)
			starts[id] |= bit
		}
	}
}

// loadPhrases parses an embedded tab-separated lexicon: the first column is
// a word or phrase (already folded: lower case, no accents), the others are
// the lexicon's own; blank lines and lines starting with '#' are comments.
func loadPhrases(name string, minFields int) (*phrases, error) {
	raw, err := lexiconFS.ReadFile("lexicons/" + name)
	if err != nil {
		return nil, err
	}
	p := &phrases{}
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols)-1 < minFields {
			return nil, fmt.Errorf("lexicon %s line %d: %d columns, want %d", name, n+1, len(cols), minFields+1)
		}
		phrase := cols[0]
		e := &entry{fields: cols[1:]}
		if strings.HasSuffix(phrase, "$") {
			e.atClauseEnd = true
			phrase = strings.TrimSuffix(phrase, "$")
		}
		e.words = strings.Fields(Fold(phrase))
		if len(e.words) == 0 {
			return nil, fmt.Errorf("lexicon %s line %d: empty phrase", name, n+1)
		}
		for _, w := range e.words {
			e.squeezed = append(e.squeezed, squeeze(w, 2))
		}
		e.name = strings.Join(e.words, " ")
		if v, err := strconv.ParseFloat(e.field(0), 64); err == nil {
			e.valence, e.valenceOK = v, true
		}
		p.all = append(p.all, e)
	}
	return p, nil
}

// indexForms are the forms a lexicon word is found under.
func indexForms(w string) []string {
	out := []string{w}
	if s := squeeze(w, 2); len(s) >= 5 && s != w {
		out = append(out, s)
	}
	return out
}

// tokenIDs are the vocabulary numbers of the forms a token looks a lexicon
// word up under (appendFormIDs), in order; forms in no lexicon have none.
func tokenIDs(t *Token) []int32 {
	if t.indexed {
		return t.ids[:t.nids]
	}
	return appendFormIDs(nil, t.Keys, lexicons().vocab)
}

// isMasked reports a word with masked letters ("f*ck"): it may read as any
// lexicon word of its length.
func (t *Token) isMasked() bool {
	if t.indexed {
		return t.masked
	}
	return strings.Contains(t.Fold, "*")
}

// mayStart reports whether a phrase of the lexicon marked bit may start at
// t: it is masked, or one of its forms is the first word of such a phrase.
func (t *Token) mayStart(bit lexiconBit) bool {
	return !t.indexed || t.masked || t.starts&bit != 0
}

// appendFormIDs appends to dst the numbers in v of the forms a token with
// keys looks a lexicon word up under: each key, its singular, and both
// squeezed (squeeze(f, 2)) when 5 bytes or longer; in that order, each
// number once. Squeezed forms are looked up from a buffer, not built.
func appendFormIDs(dst []int32, keys []string, v *vocab.Vocabulary) []int32 {
	start := len(dst)
	var buf [64]byte
	for _, k := range keys {
		// Each form once: a word without a run of two letters is its own
		// squeezed form, and most words are their own singular.
		p := singular(k)
		dst = appendFormID(dst, start, v, k)
		if p != k {
			dst = appendFormID(dst, start, v, p)
		}
		for _, f := range [2]string{k, p} {
			if !hasRun(f, 2) {
				continue
			}
			if b := appendSqueezed(buf[:0], f, 2); len(b) >= 5 {
				if id, ok := v.LookupBytes(b); ok && !slices.Contains(dst[start:], id) {
					dst = append(dst, id)
				}
			}
		}
	}
	return dst
}

func appendFormID(dst []int32, start int, v *vocab.Vocabulary, f string) []int32 {
	if id, ok := v.Lookup(f); ok && !slices.Contains(dst[start:], id) {
		dst = append(dst, id)
	}
	return dst
}

// singular strips a plural mark: "abrutis" → "abruti", "n00bs" → "noob".
func singular(k string) string {
	if len(k) > 3 && (strings.HasSuffix(k, "s") || strings.HasSuffix(k, "x")) && !strings.HasSuffix(k, "ss") {
		return k[:len(k)-1]
	}
	return k
}

// wordMatches reports whether token t reads as word k of e.
func wordMatches(t *Token, e *entry, k int) bool {
	if t.Mention {
		return false
	}
	for _, id := range tokenIDs(t) {
		if id == e.wordIDs[k] || id == e.squeezedIDs[k] {
			return true
		}
	}
	return t.isMasked() && wildcardEqual(t.Keys[0], e.words[k])
}

// wildcardEqual compares a masked word ("f*ck") with w, '*' matching one letter.
func wildcardEqual(masked, w string) bool {
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

// match is a lexicon phrase found in a text, covering tokens [start, end).
type match struct {
	e          *entry
	start, end int
}

// find returns every phrase of p found in toks, longest first at each
// position; a shorter phrase inside a longer one that matched is dropped.
// Candidates are tried in the order of the token's forms, then of the
// lexicon; the first of the longest wins.
func (p *phrases) find(toks []Token) []match { return p.appendFind(nil, toks) }

// appendFind appends to out what find returns: callers pass a buffer on
// their stack.
func (p *phrases) appendFind(out []match, toks []Token) []match {
	covered := -1
	for i := range toks {
		if !toks[i].mayStart(p.bit) {
			continue
		}
		best := -1
		var bestE *entry
		if toks[i].isMasked() {
			for _, e := range p.all {
				if end, ok := matchAt(toks, i, e); ok && end > best {
					best, bestE = end, e
				}
			}
		} else {
			// An entry listed under two of the forms is tried twice: the
			// second try cannot beat the first.
			for _, id := range tokenIDs(&toks[i]) {
				for _, e := range p.byFirst[id] {
					if end, ok := matchAt(toks, i, e); ok && end > best {
						best, bestE = end, e
					}
				}
			}
		}
		if bestE != nil && best > covered {
			out = append(out, match{e: bestE, start: i, end: best})
			covered = best
		}
	}
	return out
}

// matchAt checks e against toks from i, within one sentence.
func matchAt(toks []Token, i int, e *entry) (int, bool) {
	if i+len(e.words) > len(toks) {
		return 0, false
	}
	for k := range e.words {
		t := &toks[i+k]
		if t.Sentence != toks[i].Sentence || !wordMatches(t, e, k) {
			return 0, false
		}
	}
	end := i + len(e.words)
	if e.atClauseEnd && end < len(toks) && toks[end].Clause == toks[end-1].Clause {
		return 0, false
	}
	return end, true
}

// wordSet is a lexicon of single words.
type wordSet map[string]bool

func loadWords(name string) (wordSet, error) {
	raw, err := lexiconFS.ReadFile("lexicons/" + name)
	if err != nil {
		return nil, err
	}
	s := wordSet{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(Fold(line)) {
			s[w] = true
		}
	}
	return s, nil
}

// loadWordTable reads a lexicon of single words, each listed once, and a
// column that value reads (false: not a value of the lexicon).
func loadWordTable[V any](name string, value func(e *entry) (V, bool)) (map[string]V, error) {
	p, err := loadPhrases(name, 1)
	if err != nil {
		return nil, err
	}
	out := map[string]V{}
	for _, e := range p.all {
		v, ok := value(e)
		if _, twice := out[e.name]; !ok || twice || len(e.words) != 1 {
			return nil, fmt.Errorf("lexicon %s: %q %q: want a word, listed once, and its %T", name, e.name, e.field(0), v)
		}
		out[e.name] = v
	}
	return out, nil
}

// loadMarkers reads a lexicon of strings looked for as they are in a text
// lower-cased: one a line, in lower case, blank lines and lines starting
// with '#' are comments.
func loadMarkers(name string) ([][]byte, error) {
	raw, err := lexiconFS.ReadFile("lexicons/" + name)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ToLower(line) != line {
			return nil, fmt.Errorf("lexicon %s line %d: %q is not in lower case", name, n+1, line)
		}
		out = append(out, []byte(line))
	}
	return out, nil
}

// sarcasmRoleOf reads the column of sarcasm_words.tsv.
func sarcasmRoleOf(e *entry) (sarcasmRole, bool) {
	switch e.field(0) {
	case "opener":
		return sarcasticOpener, true
	case "letdown":
		return letdown, true
	}
	return 0, false
}

// lexicons are parsed once, on first use.
type lexiconSet struct {
	toxicity    *phrases
	spam        *phrases
	sentimentFR *phrases
	sentimentEN *phrases
	intent      *phrases
	urgent      *phrases
	vocab       *vocab.Vocabulary
	// starts marks, by vocabulary number, the lexicons with a phrase whose
	// first word is found under that form.
	starts     []lexiconBit
	stopwords  map[Lang]wordSet
	otherWords []wordSet
	// langWords marks the words of stopwords and otherWords.
	langWords map[string]langMark
	// intensifiers scale the sentiment phrase after them.
	intensifiers map[string]float64
	// sarcasmMarkers are found in the raw text lower-cased.
	sarcasmMarkers [][]byte
	// sarcasmWords are the openers and letdowns of implicit sarcasm.
	sarcasmWords map[string]sarcasmRole
}

// sarcasmRole says what a word of sarcasm_words.tsv does.
type sarcasmRole uint8

const (
	sarcasticOpener sarcasmRole = 1 << iota
	letdown
)

// langMark says which word lists of language detection hold a word.
type langMark uint8

const (
	frenchWord langMark = 1 << iota
	englishWord
	otherWord
)

var loadLexicons = sync.OnceValues(func() (*lexiconSet, error) {
	l := &lexiconSet{stopwords: map[Lang]wordSet{}}
	var err error
	load := func(dst **phrases, name string, min int) {
		if err == nil {
			*dst, err = loadPhrases(name, min)
		}
	}
	load(&l.toxicity, "toxicity.tsv", 3)
	load(&l.spam, "spam.tsv", 2)
	load(&l.sentimentFR, "sentiment_fr.tsv", 1)
	load(&l.sentimentEN, "sentiment_en.tsv", 1)
	load(&l.intent, "intent.tsv", 1)
	load(&l.urgent, "urgent.tsv", 1)
	if err != nil {
		return nil, err
	}
	l.vocab = vocab.New()
	all := []*phrases{l.toxicity, l.spam, l.sentimentFR, l.sentimentEN, l.intent, l.urgent}
	for _, p := range all {
		p.index(l.vocab)
	}
	l.starts = make([]lexiconBit, l.vocab.Size())
	for i, p := range all {
		p.link(l.vocab, 1<<i, l.starts)
	}
	for _, lang := range []Lang{LangFrench, LangEnglish} {
		if l.stopwords[lang], err = loadWords("words_" + string(lang) + ".tsv"); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"es", "de", "it", "pt", "nl"} {
		w, err := loadWords("words_" + name + ".tsv")
		if err != nil {
			return nil, err
		}
		l.otherWords = append(l.otherWords, w)
	}
	factor := func(e *entry) (float64, bool) { return e.valence, e.valenceOK }
	if l.intensifiers, err = loadWordTable("intensifiers_fr.tsv", factor); err != nil {
		return nil, err
	}
	if l.sarcasmMarkers, err = loadMarkers("sarcasm_markers.tsv"); err != nil {
		return nil, err
	}
	if l.sarcasmWords, err = loadWordTable("sarcasm_words.tsv", sarcasmRoleOf); err != nil {
		return nil, err
	}
	l.langWords = map[string]langMark{}
	for lang, mark := range map[Lang]langMark{LangFrench: frenchWord, LangEnglish: englishWord} {
		for w := range l.stopwords[lang] {
			l.langWords[w] |= mark
		}
	}
	for _, ws := range l.otherWords {
		for w := range ws {
			l.langWords[w] |= otherWord
		}
	}
	return l, nil
})

// lexicons returns the parsed lexicons. They are embedded and checked by the
// tests, so a failure here is a build defect.
func lexicons() *lexiconSet {
	l, err := loadLexicons()
	if err != nil {
		panic("classify: " + err.Error())
	}
	return l
}
