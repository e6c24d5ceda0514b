package knowledge

import (
	"math"
	"sort"
)

// BM25 parameters: the usual values (Robertson & Zaragoza, "The
// Probabilistic Relevance Framework", 2009, §3.4).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// titleWeight counts a title's words this many times: a FAQ's question
	// is its best summary.
	titleWeight = 2
)

// Hit is an entry found for a query, with its score.
type Hit struct {
	Entry Entry
	Score float64
}

// Index answers queries over a knowledge base with BM25.
type Index struct {
	entries []Entry
	docs    []map[string]int
	lens    []int
	avgLen  float64
	df      map[string]int
}

// NewIndex indexes entries (title and body).
func NewIndex(entries []Entry) *Index {
	ix := &Index{entries: entries, df: map[string]int{}}
	total := 0
	for _, e := range entries {
		tf := map[string]int{}
		n := 0
		for _, t := range Tokens(e.Title) {
			tf[t] += titleWeight
			n += titleWeight
		}
		for _, t := range Tokens(e.Body) {
			tf[t]++
			n++
		}
		for t := range tf {
			ix.df[t]++
		}
		ix.docs = append(ix.docs, tf)
		ix.lens = append(ix.lens, n)
		total += n
	}
	if len(entries) > 0 {
		ix.avgLen = float64(total) / float64(len(entries))
	}
	return ix
}

// Search returns at most k entries in lang (all languages when lang is
// empty) scoring above zero for query, best first; ties keep the
// knowledge base's order. The query's words count with their synonyms
// (synonyms.go), which weigh half.
func (ix *Index) Search(query, lang string, k int) []Hit {
	terms := queryTerms(query)
	n := float64(len(ix.entries))
	var hits []Hit
	for i, tf := range ix.docs {
		if lang != "" && ix.entries[i].Lang != "" && ix.entries[i].Lang != lang {
			continue
		}
		score := 0.0
		for _, t := range terms {
			f := float64(tf[t.token])
			if f == 0 {
				continue
			}
			df := float64(ix.df[t.token])
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			score += t.weight * idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(ix.lens[i])/ix.avgLen))
		}
		if score > 0 {
			hits = append(hits, Hit{Entry: ix.entries[i], Score: math.Round(score*1000) / 1000})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}
