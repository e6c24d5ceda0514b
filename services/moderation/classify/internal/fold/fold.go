// Package fold holds per-rune work done once for the normaliser and the
// sentiment scorer, so that folding a text allocates nothing: a table of
// the fold of the runes texts are mostly made of, the classes of ASCII
// runes, and lower-casing into a caller's buffer. It is speed machinery:
// what a fold is (accents, ligatures, look-alikes) is classify's foldRune.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Table holds a fold function's result for the runes of ranges, computed
// once: at[i] is the offset (high bits) and length (low 8 bits) in data of
// the fold of rune i of the ranges, end to end.
type Table struct {
	data string
	at   []uint32
	// slow is the fold function, for the runes outside the ranges.
	slow func(rune) string
}

// ranges are the runes of a Table: Latin, Greek, Cyrillic, general
// punctuation and symbols, pictographs.
var ranges = [...]struct{ lo, hi rune }{{0, 0x800}, {0x2000, 0x2C00}, {0x1F000, 0x1FB00}}

// NewTable tabulates f, which must fold an ASCII rune to one byte and no
// rune to more than 255.
func NewTable(f func(rune) string) *Table {
	var data strings.Builder
	t := &Table{slow: f}
	for _, rg := range ranges {
		for r := rg.lo; r < rg.hi; r++ {
			s := f(r)
			if len(s) > 0xff || r < utf8.RuneSelf && len(s) != 1 {
				panic("fold: a fold does not fit the table")
			}
			t.at = append(t.at, uint32(data.Len())<<8|uint32(len(s)))
			data.WriteString(s)
		}
	}
	t.data = data.String()
	return t
}

// Fold is f(r), from the table when r is in it.
func (t *Table) Fold(r rune) string {
	if r >= 0 && r < 0x800 {
		return t.entry(int(r))
	}
	return t.foldRare(r)
}

// ASCII is Fold(rune(c)) for an ASCII byte c: one byte of the table's data.
func (t *Table) ASCII(c byte) string { return t.entry(int(c)) }

func (t *Table) entry(i int) string {
	v := t.at[i]
	return t.data[v>>8 : v>>8+v&0xff]
}

func (t *Table) foldRare(r rune) string {
	base := 0
	for _, rg := range ranges {
		if r >= rg.lo && r < rg.hi {
			return t.entry(base + int(r-rg.lo))
		}
		base += int(rg.hi - rg.lo)
	}
	return t.slow(r)
}

// Class says which of unicode.IsUpper, IsLetter and IsDigit hold.
type Class uint8

// The classes of a rune.
const (
	Upper Class = 1 << iota
	Letter
	Digit
)

// ClassOf is the class of r, from a table for ASCII.
func ClassOf(r rune) Class {
	if r >= 0 && r < utf8.RuneSelf {
		return asciiClasses[r]
	}
	return classOf(r)
}

func classOf(r rune) Class {
	var c Class
	if unicode.IsUpper(r) {
		c |= Upper
	}
	if unicode.IsLetter(r) {
		c |= Letter
	}
	if unicode.IsDigit(r) {
		c |= Digit
	}
	return c
}

var asciiClasses = func() (t [utf8.RuneSelf]Class) {
	for r := range t {
		t[r] = classOf(rune(r))
	}
	return t
}()

// AppendLower appends strings.ToLower(s) to dst: every rune mapped by
// unicode.ToLower, invalid bytes written as U+FFFD. Callers lower short
// texts into a buffer on the stack.
func AppendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}
