package knowledge

import (
	"math"
	"sort"
)

// Cosine is the cosine similarity of a and b: 0 when their lengths differ
// or either is zero.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// MinSimilarity is the cosine similarity under which an entry is taken to
// have nothing to do with a message: it is not given to the model, whose
// citations would otherwise be of whatever came first. It is low because
// models differ in their scale; it leaves out only the unrelated.
const MinSimilarity = 0.2

// Nearest returns at most k entries in lang (all languages when lang is
// empty) by the cosine similarity of their embeddings to q's, best first,
// those from MinSimilarity only; vecs[i] is the embedding of the index's i-th entry
// (nil: none, the entry is left out). Ties keep the knowledge base's order.
func (ix *Index) Nearest(q []float32, vecs [][]float32, lang string, k int) []Hit {
	var hits []Hit
	for i, e := range ix.entries {
		if i >= len(vecs) || vecs[i] == nil || lang != "" && e.Lang != "" && e.Lang != lang {
			continue
		}
		if sim := Cosine(q, vecs[i]); sim >= MinSimilarity {
			hits = append(hits, Hit{Entry: e, Score: math.Round(sim*1000) / 1000})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	return hits[:min(len(hits), k)]
}

// Entries are the indexed entries, in the knowledge base's order.
func (ix *Index) Entries() []Entry { return ix.entries }

// EmbeddingText is what of an entry is embedded: its title and body, at
// most MaxEmbeddingChars characters (a long guideline page is found by its
// beginning; embedding models read a few thousand tokens at most).
func EmbeddingText(e Entry) string { return Clip(e.Title + "\n" + e.Body) }

// Clip is s cut to MaxEmbeddingChars characters.
func Clip(s string) string {
	if r := []rune(s); len(r) > MaxEmbeddingChars {
		return string(r[:MaxEmbeddingChars])
	}
	return s
}

// MaxEmbeddingChars caps the text embedded for an entry or a query:
// about 1,000 tokens, within every embeddings model's context.
const MaxEmbeddingChars = 4000
