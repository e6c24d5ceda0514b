// Package neardup finds coordinated posting: the same or nearly the same
// text from several accounts of one brand's stream within minutes (copied
// scam comments, raids, bought engagement). Each text is reduced to a 64-bit
// SimHash of its word shingles; two texts are near-duplicates when their
// hashes differ in at most MaxDistance bits.
//
// The sketch lives in memory, per replica: each replica sees the share of
// the stream its consumer hands it, so with N replicas a cluster is found
// once about MinAuthors×N copies arrived (they share the work at random).
// Per brand it keeps at most MaxPerBrand texts of the last Window; past
// that, the oldest go first.
package neardup

import (
	"hash/fnv"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Limits of the sketch.
const (
	// Window is how far back a text finds its copies.
	Window = 10 * time.Minute
	// MinAuthors is how many distinct accounts make a cluster.
	MinAuthors = 3
	// MaxPerBrand bounds the texts kept per brand (a scan compares a text
	// with each: 4,096 XORs and popcounts, a few microseconds).
	MaxPerBrand = 4096
	// MaxDistance is the Hamming distance, in bits, under which two
	// SimHashes are the same text.
	MaxDistance = 3
	// minWords: shorter texts ("merci !", "first") are the same by nature,
	// not by coordination.
	minWords = 4
)

type entry struct {
	sig    uint64
	author string
	at     time.Time
	// cluster is the id of the cluster the text belongs to, "" while none.
	cluster string
}

// Detector is the sketch of every brand. Its zero value is not usable: use
// New. It is safe for concurrent use.
type Detector struct {
	mu     sync.Mutex
	brands map[string][]entry
}

// New returns an empty detector.
func New() *Detector { return &Detector{brands: map[string][]entry{}} }

// Observe records text, written by author for brand at at, and returns the
// id of its cluster when at least MinAuthors distinct accounts wrote it or
// a near copy within Window ("" otherwise). The id is the SimHash of the
// first text of the cluster, so every member carries the same one.
func (d *Detector) Observe(brand, author, text string, at time.Time) string {
	sig, ok := Signature(text)
	if !ok {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	es := d.brands[brand]
	// Forget what left the window, and the oldest beyond the bound.
	cut := 0
	for cut < len(es) && (at.Sub(es[cut].at) > Window || len(es)-cut >= MaxPerBrand) {
		cut++
	}
	// Slicing off the front: append moves the rest to a new array when it
	// grows, and the old one is collected.
	es = es[cut:]
	authors := map[string]bool{author: true}
	first, cluster := -1, ""
	for i, e := range es {
		if bits.OnesCount64(e.sig^sig) > MaxDistance {
			continue
		}
		if e.cluster != "" {
			cluster = e.cluster // a known cluster: nothing more to count
			break
		}
		if first < 0 {
			first = i
		}
		if len(authors) < MinAuthors {
			authors[e.author] = true
		}
	}
	created := cluster == "" && len(authors) >= MinAuthors
	if created {
		cluster = strconv.FormatUint(es[first].sig, 16)
		for i := first; i < len(es); i++ {
			if bits.OnesCount64(es[i].sig^sig) <= MaxDistance {
				es[i].cluster = cluster
			}
		}
	}
	es = append(es, entry{sig: sig, author: author, at: at, cluster: cluster})
	d.brands[brand] = es
	return cluster
}

// Signature is text's SimHash over its word 2-shingles (lower-cased, letters
// and digits only), and false for a text of fewer than minWords words.
func Signature(text string) (uint64, bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) < minWords {
		return 0, false
	}
	var acc [64]int
	for i := range words {
		h := fnv.New64a()
		h.Write([]byte(words[i]))
		if i+1 < len(words) {
			h.Write([]byte{' '})
			h.Write([]byte(words[i+1]))
		}
		x := h.Sum64()
		for b := range acc {
			if x>>b&1 == 1 {
				acc[b]++
			} else {
				acc[b]--
			}
		}
	}
	var sig uint64
	for b, v := range acc {
		if v > 0 {
			sig |= 1 << b
		}
	}
	return sig, true
}
