// Package gate runs a regular expression only on texts that can match it.
// It is speed machinery and no rule: a gated expression finds exactly what
// the bare expression finds (the gate tests of its users: TestGatesAreSound
// and FuzzGatesAreSound of pkg/pii and of moderation's classify), only
// sooner on the many texts that cannot match.
package gate

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Regexp is a regular expression with a cheap necessary condition: its
// needles, derived from the expression's syntax when it is compiled, are
// strings one of which every match contains. A text holding none of them
// cannot match, and the regexp engine (the most expensive part of the
// classifiers) is not run on it. Most texts hold none: "je vais te …",
// an '@' or a digit are rare in comments.
type Regexp struct {
	*regexp.Regexp
	// sets are the needle sets: a text that can match holds a needle of
	// every set. None: no useful condition was found, the regexp always runs.
	sets []needles
	// folded says the needles (and so the text they are looked for in) are
	// in foldKey form, because some literal of the expression ignores case.
	folded bool
	// pre is a hand-written necessary condition, for expressions whose
	// needles say little (a digit, a letter); None when there is none.
	pre Precondition
}

// With adds a hand-written necessary condition to g.
func (g *Regexp) With(pre Precondition) *Regexp {
	g.pre = pre
	return g
}

// needles is a set of strings one of which every match contains.
type needles struct {
	strs []string
	// masks are the bytes of each needle, when the set has maskedNeedles
	// or more: a needle with a byte the text lacks is not looked for.
	masks []byteSet
	// bytes is set when every needle is one byte: one ContainsAny.
	bytes string
}

// maskedNeedles is the size from which a needle set looks at the bytes of
// the text before looking for each needle ("HTTP", ".COM/", ".FR/"...).
const maskedNeedles = 8

// byteSet is the set of the bytes of a string.
type byteSet [4]uint64

func bytesOf(s string) byteSet {
	var b byteSet
	for i := 0; i < len(s); i++ {
		b[s[i]>>6] |= 1 << (s[i] & 63)
	}
	return b
}

// holds reports whether every byte of n is in b.
func (b *byteSet) holds(n *byteSet) bool {
	return b[0]&n[0] == n[0] && b[1]&n[1] == n[1] && b[2]&n[2] == n[2] && b[3]&n[3] == n[3]
}

// maxSets bounds the conditions tested per regexp.
const maxSets = 3

// maxNeedles bounds a needle set; beyond it the condition costs more than
// it saves.
const maxNeedles = 64

// Must compiles expr and derives its needles.
func Must(expr string) *Regexp {
	g := &Regexp{Regexp: regexp.MustCompile(expr)}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		panic(err) // unreachable: MustCompile parsed it
	}
	re = re.Simplify()
	g.folded = hasFoldCase(re)
	for _, set := range requirements(re, g.folded) {
		n := needles{strs: set}
		if len(set) >= maskedNeedles {
			for _, x := range set {
				n.masks = append(n.masks, bytesOf(x))
			}
		}
		if shortest(set) == 1 && len(strings.Join(set, "")) == len(set) {
			n.bytes = strings.Join(set, "")
		}
		g.sets = append(g.sets, n)
	}
	return g
}

func slicesContainsEmpty(s []string) bool {
	for _, n := range s {
		if n == "" {
			return true
		}
	}
	return false
}

// Text is a string with its foldKey form and the bytes of both computed
// on demand. A caller that runs several gated expressions on one string
// makes one Text of it, so that its folded form is computed once.
type Text struct {
	s      string
	folded string
	done   bool
	// sBytes and foldedBytes are bytesOf s and of folded, when set.
	sBytes, foldedBytes       byteSet
	sBytesDone, foldBytesDone bool
}

// NewText is s, to look for expressions in.
func NewText(s string) Text { return Text{s: s} }

// String is the text as given.
func (t *Text) String() string { return t.s }

func (t *Text) fold() string {
	if !t.done {
		t.folded, t.done = foldKey(t.s), true
	}
	return t.folded
}

func (t *Text) bytes(folded bool) *byteSet {
	if folded {
		if !t.foldBytesDone {
			t.foldedBytes, t.foldBytesDone = bytesOf(t.fold()), true
		}
		return &t.foldedBytes
	}
	if !t.sBytesDone {
		t.sBytes, t.sBytesDone = bytesOf(t.s), true
	}
	return &t.sBytes
}

// May reports whether the expression can match t: false means it cannot.
func (g *Regexp) May(t *Text) bool {
	if !g.pre.holds(t) {
		return false
	}
	if len(g.sets) == 0 {
		return true
	}
	s := t.s
	folded := g.folded && len(g.sets) > 0
	if folded {
		s = t.fold()
	}
	for _, set := range g.sets {
		if !set.in(s, t, folded) {
			return false
		}
	}
	return true
}

// in reports whether s, t's string or its folded form, holds a needle of n.
func (n needles) in(s string, t *Text, folded bool) bool {
	if n.bytes != "" {
		return strings.ContainsAny(s, n.bytes)
	}
	if n.masks == nil {
		for _, x := range n.strs {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
	present := t.bytes(folded)
	for i, x := range n.strs {
		if present.holds(&n.masks[i]) && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// The methods the classifiers use, each behind the gate.

// MatchString is regexp's MatchString behind the gate.
func (g *Regexp) MatchString(s string) bool { return g.MatchText(&Text{s: s}) }

// MatchText is MatchString of t.
func (g *Regexp) MatchText(t *Text) bool { return g.May(t) && g.Regexp.MatchString(t.s) }

// FindAllIndexText is regexp's FindAllStringIndex(t, -1) behind the gate.
func (g *Regexp) FindAllIndexText(t *Text) [][]int {
	if !g.May(t) {
		return nil
	}
	return g.Regexp.FindAllStringIndex(t.s, -1)
}

// FindAllText is regexp's FindAllString(t, -1) behind the gate.
func (g *Regexp) FindAllText(t *Text) []string {
	if !g.May(t) {
		return nil
	}
	return g.Regexp.FindAllString(t.s, -1)
}

// foldKey maps every rune to the smallest rune of its case-folding orbit
// (the set regexp's (?i) treats as equal: k, K and the Kelvin sign), so that
// a case-insensitive literal found in s is found, as foldKey(literal), in
// foldKey(s). ASCII letters become upper case.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	var b strings.Builder
	b.Grow(len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	// The smallest rune of an orbit is never longer than the rune itself:
	// the folded text fits in len(s) bytes.
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(orbitMin(r))
		i += n
	}
	return b.String()
}

// orbitMins is orbitMin of the runes below 0x800 (which fold to runes below
// 0x800), computed once.
var orbitMins = func() (t [0x800]uint16) {
	for r := range t {
		t[r] = uint16(orbitMinSlow(rune(r)))
	}
	return t
}()

func orbitMin(r rune) rune {
	if r >= 0 && r < 0x800 {
		return rune(orbitMins[r])
	}
	return orbitMinSlow(r)
}

func orbitMinSlow(r rune) rune {
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

func hasFoldCase(re *syntax.Regexp) bool {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 {
		return true
	}
	for _, s := range re.Sub {
		if hasFoldCase(s) {
			return true
		}
	}
	return false
}

// exact is the finite set of strings re matches, or nil when it is not
// small and finite. An empty string in the set means re can match nothing.
func exact(re *syntax.Regexp, folded bool) []string {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}
	case syntax.OpLiteral:
		s := string(re.Rune)
		if folded {
			s = foldKey(s)
		}
		return []string{s}
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi-lo >= 16 {
				return nil
			}
			for r := lo; r <= hi; r++ {
				s := string(r)
				if folded {
					s = foldKey(s)
				}
				out = appendNew(out, s)
			}
		}
		if len(out) > 16 || len(out) == 0 {
			return nil
		}
		return out
	case syntax.OpCapture:
		return exact(re.Sub[0], folded)
	case syntax.OpQuest:
		sub := exact(re.Sub[0], folded)
		if sub == nil {
			return nil
		}
		return appendNew(sub, "")
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub := exact(s, folded)
			if sub == nil {
				return nil
			}
			for _, x := range sub {
				out = appendNew(out, x)
			}
		}
		if len(out) > maxNeedles {
			return nil
		}
		return out
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub := exact(s, folded)
			if sub == nil {
				return nil
			}
			if out = cross(out, sub); out == nil {
				return nil
			}
		}
		return out
	}
	return nil
}

// requirements are up to maxSets independent needle sets of re, the best
// first: the children of a concatenation each add their own.
func requirements(re *syntax.Regexp, folded bool) [][]string {
	var sets [][]string
	add := func(c []string) {
		if !usable(c) {
			return
		}
		c = reduce(c)
		for _, s := range sets {
			if slices.Equal(s, c) {
				return
			}
		}
		sets = append(sets, c)
	}
	if re.Op == syntax.OpConcat {
		for _, s := range re.Sub {
			add(required(s, folded))
		}
	}
	add(required(re, folded))
	slices.SortStableFunc(sets, func(a, b []string) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return 0
	})
	return sets[:min(len(sets), maxSets)]
}

func usable(c []string) bool {
	return c != nil && !slicesContainsEmpty(c) && len(c) <= maxNeedles
}

// required is a set of strings one of which every match of re contains, or
// nil when none is known. Of the sets that qualify, it picks the cheapest
// to test that still says something (see better).
func required(re *syntax.Regexp, folded bool) []string {
	var best []string
	consider := func(c []string) {
		if !usable(c) {
			return
		}
		if c = reduce(c); best == nil || better(c, best) {
			best = c
		}
	}
	consider(exact(re, folded))
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		consider(required(re.Sub[0], folded))
	case syntax.OpRepeat:
		if re.Min >= 1 {
			consider(required(re.Sub[0], folded))
		}
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub := required(s, folded)
			if sub == nil {
				return best
			}
			for _, x := range sub {
				out = appendNew(out, x)
			}
		}
		consider(out)
	case syntax.OpConcat:
		// Candidates: each run of consecutive finite children (their cross
		// product: every match holds one of its strings), and each child's
		// own requirement.
		run := []string{""}
		for _, s := range re.Sub {
			consider(required(s, folded))
			ex := exact(s, folded)
			if ex == nil {
				run = []string{""}
				continue
			}
			if next := cross(run, ex); next != nil {
				run = next
			} else {
				run = ex
			}
			consider(run)
		}
	}
	return best
}

// better prefers a set whose shortest needle has at least 4 bytes (rare
// enough in comments), then the smaller set, then the longer needles.
func better(a, b []string) bool {
	ta, tb := min(shortest(a), 4), min(shortest(b), 4)
	switch {
	case ta != tb:
		return ta > tb
	case len(a) != len(b):
		return len(a) < len(b)
	}
	return shortest(a) > shortest(b)
}

func shortest(s []string) int {
	n := -1
	for _, x := range s {
		if n < 0 || len(x) < n {
			n = len(x)
		}
	}
	return n
}

// reduce drops the needles that hold another needle: finding the shorter
// one is enough.
func reduce(s []string) []string {
	var out []string
	for i, x := range s {
		redundant := false
		for j, y := range s {
			if i != j && len(y) < len(x) && strings.Contains(x, y) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, x)
		}
	}
	return out
}

// cross is every a+b, or nil when that is more than maxNeedles strings.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxNeedles {
		return nil
	}
	var out []string
	for _, a := range as {
		for _, b := range bs {
			out = appendNew(out, a+b)
		}
	}
	return out
}

func appendNew(s []string, x string) []string {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// needleIndex finds, in one pass over a text, which of many needles it
// holds: an Aho–Corasick automaton with its transitions precomputed over the
// bytes the needles use (any other byte leads back to the root).
type needleIndex struct {
	ids    map[string]int
	class  [256]uint8
	nclass int
	next   []int32 // state*nclass + class
	out    [][]int // needle ids found on reaching each state
}

func newNeedleIndex(needles []string) *needleIndex {
	x := &needleIndex{ids: map[string]int{}}
	for _, n := range needles {
		if _, ok := x.ids[n]; !ok {
			x.ids[n] = len(x.ids)
		}
		for i := 0; i < len(n); i++ {
			if x.class[n[i]] == 0 {
				x.nclass++
				x.class[n[i]] = uint8(x.nclass)
			}
		}
	}
	x.nclass++ // class 0: bytes in no needle
	// The trie.
	children := []map[uint8]int32{{}}
	x.out = [][]int{nil}
	for n, id := range x.ids {
		s := int32(0)
		for i := 0; i < len(n); i++ {
			c := x.class[n[i]]
			child, ok := children[s][c]
			if !ok {
				child = int32(len(children))
				children = append(children, map[uint8]int32{})
				x.out = append(x.out, nil)
				children[s][c] = child
			}
			s = child
		}
		x.out[s] = append(x.out[s], id)
	}
	// Breadth first: failure links, outputs through them, dense transitions.
	x.next = make([]int32, len(children)*x.nclass)
	fail := make([]int32, len(children))
	queue := []int32{}
	for c := 1; c < x.nclass; c++ {
		if child, ok := children[0][uint8(c)]; ok {
			x.next[c] = child
			queue = append(queue, child)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		x.out[s] = append(x.out[s], x.out[fail[s]]...)
		for c := 1; c < x.nclass; c++ {
			child, ok := children[s][uint8(c)]
			if !ok {
				x.next[int(s)*x.nclass+c] = x.next[int(fail[s])*x.nclass+c]
				continue
			}
			fail[child] = x.next[int(fail[s])*x.nclass+c]
			x.next[int(s)*x.nclass+c] = child
			queue = append(queue, child)
		}
	}
	return x
}

// scanInto returns the set of needle ids found in s, in found's array when
// it is large enough: callers pass a buffer on their stack.
func (x *needleIndex) scanInto(found []bool, s string) []bool {
	if cap(found) < len(x.ids) {
		found = make([]bool, len(x.ids))
	}
	found = found[:len(x.ids)]
	clear(found)
	state := int32(0)
	for i := 0; i < len(s); i++ {
		state = x.next[int(state)*x.nclass+int(x.class[s[i]])]
		for _, id := range x.out[state] {
			found[id] = true
		}
	}
	return found
}

// indexed is a gated regexp whose needle sets are ids of a needleIndex.
type indexed struct {
	g    *Regexp
	sets [][]int
}

// Index is the gates of several expressions that look at the same text, in
// one needleIndex: one pass over the text tells which of them may match.
type Index struct {
	x     *needleIndex
	gates []indexed
}

// NewIndex builds one Index of gates, which must not be folded nor have a
// Precondition (their needles are looked for as they are).
func NewIndex(gates []*Regexp) *Index {
	var all []string
	for _, g := range gates {
		if g.folded || g.pre != None {
			panic("gate: only plain gates share an index")
		}
		for _, set := range g.sets {
			all = append(all, set.strs...)
		}
	}
	x := newNeedleIndex(all)
	out := make([]indexed, len(gates))
	for i, g := range gates {
		out[i].g = g
		for _, set := range g.sets {
			ids := make([]int, len(set.strs))
			for k, n := range set.strs {
				ids[k] = x.ids[n]
			}
			out[i].sets = append(out[i].sets, ids)
		}
	}
	return &Index{x: x, gates: out}
}

// Scan reads s once and returns what May needs, in found's array when it is
// large enough: callers pass a buffer on their stack.
func (ix *Index) Scan(found []bool, s string) []bool { return ix.x.scanInto(found, s) }

// May is gate i's May on the text Scan read.
func (ix *Index) May(i int, found []bool) bool {
	for _, set := range ix.gates[i].sets {
		hit := false
		for _, id := range set {
			if found[id] {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
