package learned

import (
	"math"
	"testing"
)

// FuzzScore: any text, however long or malformed, scores without panic into
// probabilities, every feature inside the table.
func FuzzScore(f *testing.F) {
	for _, s := range []string{"", " ", "!!!", "www.", "https://x.example/a b", "Je sais où tu habites 😡", string([]byte{0xff, 0xfe, 'a'}), "é" + string(make([]byte, 3000))} {
		f.Add(s)
	}
	m := Default()
	mask := uint32(1)<<m.bits - 1
	f.Fuzz(func(t *testing.T, text string) {
		extract(text, mask, func(b uint32) {
			if b > mask {
				t.Fatalf("bucket %d outside the table", b)
			}
		})
		for h, p := range m.Score(text) {
			if math.IsNaN(p) || p < 0 || p > 1 {
				t.Fatalf("%s: %g", Head(h), p)
			}
		}
	})
}
