// Package vocab numbers words, and tells quickly that a word has no number.
// classify numbers every word of its lexicons' phrases and the forms they
// are found under, so that a token looks each of its forms up once for all
// lexicons and lexicons compare numbers. It is speed machinery.
package vocab

// Vocabulary numbers words from 0, in the order they are added. Half the
// words of a text are in none of the lexicons: a filter of (length, first
// byte, last byte) turns most of those away before the map.
type Vocabulary struct {
	ids    map[string]int32
	filter [1 << vocabFilterBits / 64]uint64
}

const vocabFilterBits = 14

// New is an empty vocabulary.
func New() *Vocabulary { return &Vocabulary{ids: map[string]int32{}} }

// Size is the number of words.
func (v *Vocabulary) Size() int { return len(v.ids) }

// Add numbers w, if it has no number yet, and returns its number.
func (v *Vocabulary) Add(w string) int32 {
	id, ok := v.ids[w]
	if !ok {
		id = int32(len(v.ids))
		v.ids[w] = id
		h := vocabHash(len(w), w[0], w[len(w)-1])
		v.filter[h/64] |= 1 << (h % 64)
	}
	return id
}

// Lookup is the number of w, if w is in v.
func (v *Vocabulary) Lookup(w string) (int32, bool) {
	if w == "" {
		return 0, false
	}
	if h := vocabHash(len(w), w[0], w[len(w)-1]); v.filter[h/64]&(1<<(h%64)) == 0 {
		return 0, false
	}
	id, ok := v.ids[w]
	return id, ok
}

// LookupBytes is Lookup of string(b), without allocating.
func (v *Vocabulary) LookupBytes(b []byte) (int32, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if h := vocabHash(len(b), b[0], b[len(b)-1]); v.filter[h/64]&(1<<(h%64)) == 0 {
		return 0, false
	}
	id, ok := v.ids[string(b)]
	return id, ok
}

func vocabHash(n int, first, last byte) uint32 {
	return (uint32(n)*0x9E3779B1 ^ uint32(first)*0x85EBCA77 ^ uint32(last)*0xC2B2AE3D) >> (32 - vocabFilterBits)
}
