package contest

import (
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// seed is the bytes 0x00…0x1f.
const seed0 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func equal[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDrawWinners(t *testing.T) {
	seed, _ := hex.DecodeString(seed0)
	eligible := func(ids ...string) []query.ContestEntry {
		var out []query.ContestEntry
		for _, id := range ids {
			out = append(out, query.ContestEntry{Network: "mastodon", AuthorID: id})
		}
		return out
	}
	t.Run("does_not_depend_on_input_order", func(t *testing.T) {
		a := drawWinners(seed, "b", "c", eligible("a1", "a2", "a3", "a4", "a5"), 3)
		b := drawWinners(seed, "b", "c", eligible("a5", "a3", "a1", "a4", "a2"), 3)
		equal(t, authorIDs(a), authorIDs(b))
	})
	t.Run("fewer_entries_than_winners", func(t *testing.T) {
		equal(t, len(drawWinners(seed, "b", "c", eligible("a1"), 3)), 1)
		equal(t, len(drawWinners(seed, "b", "c", nil, 3)), 0)
	})
	t.Run("every_author_has_the_same_chance", func(t *testing.T) {
		// 20 000 draws of 1 winner among 4 with random seeds: each wins
		// 5 000 times in expectation; 4.5 standard deviations (≈ 275) is
		// the tolerance.
		wins := map[string]int{}
		rng := rand.New(rand.NewPCG(1, 2))
		s := make([]byte, 32)
		for i := 0; i < 20_000; i++ {
			for j := range s {
				s[j] = byte(rng.Uint32())
			}
			wins[drawWinners(s, "b", "c", eligible("a1", "a2", "a3", "a4"), 1)[0].AuthorID]++
		}
		for a, n := range wins {
			if n < 5000-275 || n > 5000+275 {
				t.Fatalf("%s won %d times of 20000: %v", a, n, wins)
			}
		}
	})
}
