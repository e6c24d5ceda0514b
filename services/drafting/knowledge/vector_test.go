package knowledge_test

import (
	"testing"

	"github.com/ruche-project/ruche/services/drafting/knowledge"
)

func TestCosine(t *testing.T) {
	cases := []struct {
		name string
		a, b []float32
		want float64
	}{
		{"same_direction", []float32{1, 2}, []float32{2, 4}, 1},
		{"orthogonal", []float32{1, 0}, []float32{0, 3}, 0},
		{"opposite", []float32{1, 0}, []float32{-1, 0}, -1},
		{"lengths_differ", []float32{1, 0}, []float32{1, 0, 0}, 0},
		{"zero_vector", []float32{0, 0}, []float32{1, 0}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := knowledge.Cosine(tc.a, tc.b); got < tc.want-1e-9 || got > tc.want+1e-9 {
				t.Fatalf("Cosine = %f, want %f", got, tc.want)
			}
		})
	}
}

// TestNearest: entries ranked by similarity, in the language asked, those
// without a vector or under MinSimilarity left out.
func TestNearest(t *testing.T) {
	e := func(id, lang string) knowledge.Entry {
		return knowledge.Entry{ID: id, Title: id, Body: id, Kind: knowledge.KindFAQ, Lang: lang}
	}
	ix := knowledge.NewIndex([]knowledge.Entry{e("near", "fr"), e("nearer", "fr"), e("english", "en"), e("unembedded", "fr"), e("unrelated", "fr")})
	vecs := [][]float32{{1, 1}, {1, 0.1}, {1, 0}, nil, {0.1, -1}}
	hits := ix.Nearest([]float32{1, 0}, vecs, "fr", 5)
	if len(hits) != 2 || hits[0].Entry.ID != "nearer" || hits[1].Entry.ID != "near" || hits[0].Score != 0.995 {
		t.Fatalf("hits = %+v, want nearer (0.995) then near", hits)
	}
	if hits := ix.Nearest([]float32{1, 0}, vecs, "", 1); len(hits) != 1 || hits[0].Entry.ID != "english" {
		t.Fatalf("any language, k 1: %+v", hits)
	}
}
