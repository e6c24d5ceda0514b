package knowledge_test

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/ruche-project/ruche/services/drafting/knowledge"
)

// Paraphrase is a question worded unlike the entry that answers it.
type Paraphrase struct {
	Lang string `json:"lang"`
	Text string `json:"text"`
	Want string `json:"want"`
	// BM25Second says why words alone rank the entry second (embeddings
	// find it first).
	BM25Second string `json:"bm25_second,omitempty"`
}

// evalKB is the evaluation's knowledge base (French Markdown, English CSV).
func evalKB(t *testing.T) []knowledge.Entry {
	t.Helper()
	md, err := os.ReadFile("../testdata/eval/kb_fr.md")
	if err != nil {
		t.Fatal(err)
	}
	fr, err := knowledge.ImportMarkdown(string(md), "fr")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../testdata/eval/kb_en.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	en, err := knowledge.ImportCSV(f, "en")
	if err != nil {
		t.Fatal(err)
	}
	return append(fr, en...)
}

func paraphrases(t *testing.T) []Paraphrase {
	t.Helper()
	f, err := os.Open("../testdata/eval/paraphrases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Paraphrase
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var p Paraphrase
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestSearchParaphrases: BM25 with synonyms finds the entry that answers a
// question worded otherwise ("recevoir mon colis" for "délais de
// livraison") first, in French and English; the one question the set marks
// as beyond words alone gets it second.
func TestSearchParaphrases(t *testing.T) {
	ix := knowledge.NewIndex(evalKB(t))
	for _, p := range paraphrases(t) {
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
