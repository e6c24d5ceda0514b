package classify

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
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
}

func (e *entry) String() string { return strings.Join(e.words, " ") }

// field returns column i (0 is the first column after the phrase), or "".
func (e *entry) field(i int) string {
	if i < len(e.fields) {
		return e.fields[i]
	}
	return ""
}

// phrases is a lexicon indexed by the forms of its first word.
type phrases struct {
	byFirst map[string][]*entry
	all     []*entry
}

// loadPhrases parses an embedded tab-separated lexicon: the first column is
// a word or phrase (already folded: lower case, no accents), the others are
// the lexicon's own; blank lines and lines starting with '#' are comments.
func loadPhrases(name string, minFields int) (*phrases, error) {
	raw, err := lexiconFS.ReadFile("lexicons/" + name)
	if err != nil {
		return nil, err
	}
	p := &phrases{byFirst: map[string][]*entry{}}
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
		p.all = append(p.all, e)
		for _, f := range indexForms(e.words[0]) {
			p.byFirst[f] = append(p.byFirst[f], e)
		}
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

// lookupForms are the forms a token looks a lexicon word up under.
func lookupForms(t Token) []string {
	if t.forms != nil {
		return t.forms
	}
	return computeForms(t.Keys)
}

func computeForms(keys []string) []string {
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
		for _, s := range []string{squeeze(k, 2), squeeze(singular(k), 2)} {
			if len(s) >= 5 {
				add(s)
			}
		}
	}
	return out
}

// singular strips a plural mark: "abrutis" → "abruti", "n00bs" → "noob".
func singular(k string) string {
	if len(k) > 3 && (strings.HasSuffix(k, "s") || strings.HasSuffix(k, "x")) && !strings.HasSuffix(k, "ss") {
		return k[:len(k)-1]
	}
	return k
}

// wordMatches reports whether token t reads as lexicon word w, whose
// squeezed form is sq (squeeze(w, 2)).
func wordMatches(t Token, w, sq string) bool {
	if t.Mention {
		return false
	}
	for _, f := range lookupForms(t) {
		if f == w || len(f) >= 5 && f == sq {
			return true
		}
	}
	return strings.Contains(t.Fold, "*") && wildcardEqual(t.Keys[0], w)
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
func (p *phrases) find(toks []Token) []match {
	var out []match
	covered := -1
	for i := range toks {
		var cands []*entry
		if strings.Contains(toks[i].Fold, "*") {
			cands = p.all
		} else {
			for _, f := range lookupForms(toks[i]) {
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
			if end, ok := matchAt(toks, i, e); ok && end > best {
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

// matchAt checks e against toks from i, within one sentence.
func matchAt(toks []Token, i int, e *entry) (int, bool) {
	if i+len(e.words) > len(toks) {
		return 0, false
	}
	for k, w := range e.words {
		t := toks[i+k]
		if t.Sentence != toks[i].Sentence || !wordMatches(t, w, e.squeezed[k]) {
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

func (s wordSet) has(t Token) bool {
	for _, k := range t.Keys {
		if s[k] {
			return true
		}
	}
	return false
}

// lexicons are parsed once, on first use.
type lexiconSet struct {
	toxicity    *phrases
	spam        *phrases
	sentimentFR *phrases
	sentimentEN *phrases
	intent      *phrases
	urgent      *phrases
	stopwords   map[Lang]wordSet
	otherWords  []wordSet
}

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
