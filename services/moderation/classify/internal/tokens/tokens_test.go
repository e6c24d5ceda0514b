package tokens

import (
	"sync"
	"testing"
)

type token struct{ key string }

// Storage released by one batch is lent to the next, cleared.
func TestArenaReusesReleasedStorage(t *testing.T) {
	var first Arena[token]
	released := map[*Storage[token]]bool{}
	for range 20 { // sync.Pool may drop an item; it keeps most
		st := first.Lend()
		st.Tokens = append(st.Tokens[:0], token{"a"}, token{"b"})
		st.Keys = append(st.Keys[:0], "a", "b")
		released[st] = true
	}
	first.Release()
	first.Release() // twice is harmless
	for st := range released {
		if st.Tokens[:2][0] != (token{}) || st.Keys[:2][1] != "" {
			t.Fatalf("released storage still holds %v %v", st.Tokens[:2], st.Keys[:2])
		}
	}
	var next Arena[token]
	reused := false
	for range 20 {
		reused = reused || released[next.Lend()]
	}
	next.Release()
	if !reused {
		t.Fatal("released storage is never lent again")
	}
}

// A text too large for the pool is not kept.
func TestArenaDropsLargeStorage(t *testing.T) {
	var a Arena[token]
	st := a.Lend()
	st.Tokens = make([]token, 0, maxPooled+1)
	a.Release()
	var b Arena[token]
	for range 100 {
		if b.Lend() == st {
			t.Fatal("oversized storage went back to the pool")
		}
	}
	b.Release()
}

func TestArenaConcurrentLend(t *testing.T) {
	var a Arena[token]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				a.Lend()
			}
		})
	}
	wg.Wait()
	if len(a.lent) != 800 {
		t.Fatalf("%d lent, want 800", len(a.lent))
	}
	a.Release()
}
