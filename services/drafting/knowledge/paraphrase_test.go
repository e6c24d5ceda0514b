package knowledge_test

import (
	"slices"
	"testing"

	"github.com/ruche-project/ruche/services/drafting/internal/drafteval"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
)

// TestSearchParaphrases: BM25 with synonyms finds the entry that answers a
// question worded otherwise ("recevoir mon colis" for "délais de
// livraison") first, in French and English; the one question the set marks
// as beyond words alone gets it second.
func TestSearchParaphrases(t *testing.T) {
	kb, err := drafteval.KnowledgeBase("../testdata/eval")
	if err != nil {
		t.Fatal(err)
	}
	var entries []knowledge.Entry
	for _, e := range kb {
		entries = append(entries, knowledge.Entry(e))
	}
	ps, err := drafteval.Paraphrases("../testdata/eval")
	if err != nil || len(ps) < 10 {
		t.Fatalf("%d paraphrases, %v", len(ps), err)
	}
	ix := knowledge.NewIndex(entries)
	for _, p := range ps {
		t.Run(p.Want, func(t *testing.T) {
			hits := ix.Search(p.Text, p.Lang, 3)
			rank := slices.IndexFunc(hits, func(h knowledge.Hit) bool { return h.Entry.ID == p.Want })
			if want := map[bool]int{false: 0, true: 1}[p.BM25Second != ""]; rank != want {
				t.Fatalf("Search(%q) = %+v: %s at rank %d, want %d", p.Text, hits, p.Want, rank, want)
			}
		})
	}
}

// TestSynonymsWeighLess: an entry using the query's own word ranks above
// one using only its synonym.
func TestSynonymsWeighLess(t *testing.T) {
	ix := knowledge.NewIndex([]knowledge.Entry{
		{ID: "synonym", Title: "Magasin", Body: "Le magasin de Lyon.", Kind: "faq", Lang: "fr"},
		{ID: "word", Title: "Boutique", Body: "La boutique de Lyon.", Kind: "faq", Lang: "fr"},
	})
	hits := ix.Search("la boutique", "fr", 2)
	if len(hits) != 2 || hits[0].Entry.ID != "word" || hits[0].Score <= hits[1].Score {
		t.Fatalf("hits = %+v, want both, the entry with the word first", hits)
	}
}
