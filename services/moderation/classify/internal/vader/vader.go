// Package vader is govader's compound score (VADER) computed step for step
// without its allocations: govader allocates a copy of the text, a split,
// two slices of words and a vector per call, and matches two regular
// expressions per word to tell upper case. It is speed machinery: the
// score is govader's to the bit (classify's TestVaderCompound and
// FuzzVaderCompound).
package vader

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jonreiter/govader"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/fold"
)

// govader's constants (unexported there), with their names in govader.
const (
	vaderCapIncrement  = 0.733 // cINCR
	vaderNegation      = -0.74 // nSCALAR
	vaderNeverScale    = 1.25  // negationScale
	vaderButScale      = 0.5   // butScale
	vaderScalarScale1  = 0.95  // valenceScalarScale1
	vaderScalarScale2  = 0.9   // valenceScalarScale2
	vaderExclamation   = 0.292 // epAmplifyScale
	vaderMaxExclaimed  = 4     // maxEP
	vaderQuestion      = 0.18  // qmAmplifyScale
	vaderMaxQuestioned = 0.96  // maxQM
	vaderAlpha         = 15    // alphaDefault
)

// Analyzer is govader's analyser, built once: its lexicon is read-only
// afterwards, so it is safe for concurrent use.
var Analyzer = sync.OnceValue(govader.NewSentimentIntensityAnalyzer)

// asciiSet is a set of ASCII bytes.
type asciiSet [2]uint64

func (a *asciiSet) has(c byte) bool { return c < utf8.RuneSelf && a[c>>6]&(1<<(c&63)) != 0 }

// trim is strings.Trim(s, cutset) for the ASCII cutset of a: it removes
// bytes of a from both ends (no other byte can be a rune of the cutset).
func (a *asciiSet) trim(s string) string {
	for len(s) > 0 && a.has(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && a.has(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// vaderPunctuation is the punctuation govader strips from words; nil if it
// were not ASCII (asciiSet.trim would not be strings.Trim).
var vaderPunctuation = sync.OnceValue(func() *asciiSet {
	var a asciiSet
	for _, c := range []byte(Analyzer().Constants.Regex.PunctuationString) {
		if c >= utf8.RuneSelf {
			return nil
		}
		a[c>>6] |= 1 << (c & 63)
	}
	return &a
})

// vaderTables are govader's tables in the forms Compound looks them up.
type vaderTables struct {
	lexicon, boosters, idioms map[string]float64
	negations                 map[string]bool
	// emoji are the descriptions of the runes of VADER's emoji table, which
	// it looks up one rune at a time; asciiEmoji says one of them is ASCII.
	emoji       map[rune]string
	asciiEmoji  bool
	punctuation *asciiSet
}

var vaderData = sync.OnceValue(func() *vaderTables {
	sia := Analyzer()
	v := &vaderTables{
		lexicon:     sia.Lexicon,
		boosters:    sia.Constants.BoosterDict,
		idioms:      sia.Constants.SpecialCaseIdioms,
		negations:   map[string]bool{},
		emoji:       map[rune]string{},
		punctuation: vaderPunctuation(),
	}
	for _, w := range sia.Constants.NegateList {
		v.negations[w] = true
	}
	for k, d := range sia.EmojiDict {
		if r, n := utf8.DecodeRuneInString(k); n == len(k) && string(r) == k {
			v.emoji[r] = d
			v.asciiEmoji = v.asciiEmoji || r < utf8.RuneSelf
		}
	}
	return v
})

// vaderWords are the words of a text as VADER reads them: split on spaces,
// their punctuation stripped when three bytes remain.
type vaderWords struct {
	s []string
	// lowered holds the words lower-cased, end to end: word k is
	// lowered[at[k]:at[k+1]]. Offsets rather than slices, so that the
	// arrays stay on the stack.
	lowered []byte
	at      []int
}

// low is word k lower-cased.
func (w *vaderWords) low(k int) []byte { return w.lowered[w.at[k]:w.at[k+1]] }

// is reports whether word k lower-cased is x.
func (w *vaderWords) is(k int, x string) bool { return string(w.low(k)) == x }

// Compound is govader's PolarityScores(s).Compound, step for step, with
// the words in arrays on the stack. Each step names the govader function
// it follows; the sum of the word valences runs in the same order, so the
// score is the same float64.
func Compound(s string) float64 {
	v := vaderData()
	if v.punctuation == nil {
		return Analyzer().PolarityScores(s).Compound
	}
	// PolarityScores: emoji become their descriptions, invalid UTF-8 U+FFFD.
	text := s
	if v.rewrites(s) {
		text = v.rewrite(s)
	}
	text = strings.TrimSpace(text)
	// NewSentiText.
	var wordArray [128]string
	var lowArray [1024]byte
	var atArray [129]int
	words := vaderWords{s: wordArray[:0], lowered: lowArray[:0], at: append(atArray[:0], 0)}
	upper := 0
	for f := range strings.SplitSeq(text, " ") {
		if stripped := v.punctuation.trim(f); len(stripped) >= 3 {
			f = stripped
		}
		words.s = append(words.s, f)
		words.lowered = fold.AppendLower(words.lowered, f)
		words.at = append(words.at, len(words.lowered))
		if vaderUpper(f) {
			upper++
		}
	}
	n := len(words.s)
	capDiff := upper > 0 && upper < n // allcapDifferential
	var sentimentArray [128]float64
	sentiments := sentimentArray[:0]
	for i := range n {
		// Boosters and the "kind" of "kind of" have no valence of their own.
		_, booster := v.boosters[string(words.low(i))]
		kindOf := i < n-1 && words.is(i, "kind") && words.is(i+1, "of")
		valence := 0.0
		if !booster && !kindOf {
			valence = v.valence(&words, i, capDiff)
		}
		sentiments = append(sentiments, valence)
	}
	// butCheck.
	for bi := range n {
		if !words.is(bi, "but") {
			continue
		}
		for i := range sentiments {
			if i < bi {
				sentiments[i] = (1 - vaderButScale) * sentiments[i]
			}
			if i > bi {
				sentiments[i] = (1 + vaderButScale) * sentiments[i]
			}
		}
		break
	}
	// scoreValence: strings.Split gives at least one word.
	var sum float64
	for _, x := range sentiments {
		sum += x
	}
	emphasis := vaderExclaimed(text) + vaderQuestioned(text)
	if sum > 0 {
		sum += emphasis
	} else if sum < 0 {
		sum -= emphasis
	}
	c := sum / math.Sqrt((sum*sum)+vaderAlpha)
	if c < -1 {
		return -1
	} else if c > 1 {
		return 1
	}
	return c
}

// rewrites reports whether PolarityScores changes s before reading it: s
// has an emoji of VADER's table or invalid UTF-8.
func (v *vaderTables) rewrites(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r >= utf8.RuneSelf || v.asciiEmoji {
			if _, ok := v.emoji[r]; ok {
				return true
			}
		}
	}
	return false
}

func (v *vaderTables) rewrite(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	prevSpace := true
	for _, r := range s {
		if d, ok := v.emoji[r]; ok {
			if !prevSpace {
				b.WriteByte(' ')
			}
			b.WriteString(d)
			prevSpace = false
		} else {
			b.WriteRune(r)
			prevSpace = r == ' '
		}
	}
	return b.String()
}

// valence is sentimentValence: the valence of the word at i, scaled by the
// words before it.
func (v *vaderTables) valence(words *vaderWords, i int, capDiff bool) float64 {
	lex, ok := v.lexicon[string(words.low(i))]
	if !ok {
		return 0
	}
	valence := lex
	if words.is(i, "no") && i+1 < len(words.s) {
		if _, ok := v.lexicon[string(words.low(i+1))]; ok {
			valence = 0
		}
	}
	if i > 0 && words.is(i-1, "no") || i > 1 && words.is(i-2, "no") ||
		i > 2 && words.is(i-3, "no") && (words.is(i-1, "or") || words.is(i-1, "nor")) {
		valence = lex * vaderNegation
	}
	if vaderUpper(words.s[i]) && capDiff {
		if valence > 0 {
			valence += vaderCapIncrement
		} else {
			valence -= vaderCapIncrement
		}
	}
	for start := 0; start < 3 && start < i; start++ {
		// govader looks the preceding word up as written, not lower-cased.
		prev := i - (start + 1)
		if _, ok := v.lexicon[words.s[prev]]; ok {
			continue
		}
		s := v.scalar(words, prev, valence, capDiff)
		if start == 1 && s != 0 {
			s = s * vaderScalarScale1
		}
		if start == 2 && s != 0 {
			s = s * vaderScalarScale2
		}
		valence = valence + s
		valence = v.negationCheck(valence, words, start, i)
		if start == 2 {
			valence = v.idiomsCheck(valence, words, i)
		}
	}
	return v.leastCheck(valence, words, i)
}

// scalar is scalarIncDec: what word k, a booster, adds to valence.
func (v *vaderTables) scalar(words *vaderWords, k int, valence float64, capDiff bool) float64 {
	scalar, ok := v.boosters[string(words.low(k))]
	if !ok {
		return 0
	}
	if valence < 0 {
		scalar *= -1
	}
	if vaderUpper(words.s[k]) && capDiff {
		if valence > 0 {
			scalar += vaderCapIncrement
		} else {
			scalar -= vaderCapIncrement
		}
	}
	return scalar
}

// negated is govader's negated of one word.
func (v *vaderTables) negated(low []byte) bool {
	return v.negations[string(low)] || bytes.Contains(low, []byte("n't"))
}

func (v *vaderTables) negationCheck(valence float64, words *vaderWords, start, i int) float64 {
	is := words.is
	soOrThis := func(k int) bool { return is(k, "so") || is(k, "this") }
	newValence := valence
	switch start {
	case 0:
		if v.negated(words.low(i - 1)) {
			newValence = newValence * vaderNegation
		}
	case 1:
		if is(i-2, "never") && soOrThis(i-1) {
			newValence = valence * vaderNeverScale
		} else if is(i-2, "without") && is(i-1, "doubt") {
			newValence = valence
		} else if v.negated(words.low(i - 2)) {
			newValence = valence * vaderNegation
		}
	case 2:
		if is(i-3, "never") && (soOrThis(i-2) || soOrThis(i-1)) {
			newValence = valence * vaderNeverScale
		} else if is(i-3, "without") && (is(i-2, "doubt") || is(i-1, "doubt")) {
			newValence = valence
		} else if v.negated(words.low(i - 3)) {
			newValence = valence * vaderNegation
		}
	}
	return newValence
}

// idiomsCheck is specialIdiomsCheck, for i >= 3.
func (v *vaderTables) idiomsCheck(valence float64, words *vaderWords, i int) float64 {
	var buf [128]byte
	for _, g := range [...][2]int{{i - 1, i}, {i - 2, i}, {i - 2, i - 1}, {i - 3, i - 1}, {i - 3, i - 2}} {
		if x, ok := v.idioms[string(words.join(buf[:0], g[0], g[1]))]; ok {
			valence = x
			break
		}
	}
	if len(words.s)-1 > i {
		if x, ok := v.idioms[string(words.join(buf[:0], i, i+1))]; ok {
			valence = x
		}
	}
	if len(words.s)-1 > i+1 {
		if x, ok := v.idioms[string(words.join(buf[:0], i, i+2))]; ok {
			valence = x
		}
	}
	for _, g := range [...][2]int{{i - 3, i - 1}, {i - 3, i - 2}, {i - 2, i - 1}} {
		if x, ok := v.boosters[string(words.join(buf[:0], g[0], g[1]))]; ok {
			valence = valence + x
		}
	}
	return valence
}

// join appends words from to to (included), lower-cased and separated by
// spaces, to b.
func (w *vaderWords) join(b []byte, from, to int) []byte {
	for k := from; k <= to; k++ {
		if k > from {
			b = append(b, ' ')
		}
		b = append(b, w.low(k)...)
	}
	return b
}

// leastCheck: "least" before a word negates it, but for "at least" and
// "very least". govader passes the words as written here.
func (v *vaderTables) leastCheck(valence float64, words *vaderWords, i int) float64 {
	least := func(k int) bool {
		_, ok := v.lexicon[words.s[k]]
		return !ok && words.s[k] == "least"
	}
	if i > 1 && least(i-1) {
		if words.s[i-2] != "at" && words.s[i-2] != "very" {
			valence = valence * vaderNegation
		}
	} else if i > 0 && least(i-1) {
		valence = valence * vaderNegation
	}
	return valence
}

// vaderUpper is govader's stringIsUpper: an ASCII capital and no ASCII
// lower-case letter.
func vaderUpper(s string) bool {
	upper := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			return false
		case 'A' <= c && c <= 'Z':
			upper = true
		}
	}
	return upper
}

// vaderExclaimed is amplifyEP.
func vaderExclaimed(text string) float64 {
	return float64(min(strings.Count(text, "!"), vaderMaxExclaimed)) * vaderExclamation
}

// vaderQuestioned is amplifyQM.
func vaderQuestioned(text string) float64 {
	n := strings.Count(text, "?")
	switch {
	case n <= 1:
		return 0
	case n <= 3:
		return float64(n) * vaderQuestion
	}
	return vaderMaxQuestioned
}
