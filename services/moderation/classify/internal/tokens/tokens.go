// Package tokens lends the arrays behind a text's tokens and their keys —
// the largest share of what classifying allocates — to the texts of one
// batch, and takes them back all at once when the batch is done, for the
// next batch's texts. It is speed machinery: classify builds every text's
// tokens in a Storage, classify.Batch lends them through an Arena, and
// what a token is stays in classify.
package tokens

import "sync"

// Storage is the arrays behind one text's tokens (of type T) and their
// keys. Users build in Tokens[:0] and Keys[:0] and store the grown arrays
// back.
type Storage[T any] struct {
	Tokens []T
	Keys   []string
}

// maxPooled bounds the storage a batch gives back: one huge text must not
// pin its arrays in the pool.
const maxPooled = 1024

// pool holds returned storage. One pool for every T: classify.Token is
// the only one, and storage of another type would be dropped, not reused.
var pool sync.Pool

// Arena lends storage to the texts of one batch. Its zero value is ready
// to use; it is safe for concurrent use.
type Arena[T any] struct {
	mu   sync.Mutex
	lent []*Storage[T]
}

// Lend gives storage for one text, until Release.
func (a *Arena[T]) Lend() *Storage[T] {
	st, ok := pool.Get().(*Storage[T])
	if !ok {
		st = new(Storage[T])
	}
	a.mu.Lock()
	a.lent = append(a.lent, st)
	a.mu.Unlock()
	return st
}

// Release takes back everything lent: nothing built in it may be read
// afterwards. Releasing twice is harmless.
func (a *Arena[T]) Release() {
	a.mu.Lock()
	lent := a.lent
	a.lent = nil
	a.mu.Unlock()
	for _, st := range lent {
		if cap(st.Tokens) > maxPooled || cap(st.Keys) > maxPooled {
			continue
		}
		// Cleared, so that pooled arrays keep no text alive; past their
		// lengths they are still zero from the last release.
		clear(st.Tokens)
		clear(st.Keys)
		st.Tokens, st.Keys = st.Tokens[:0], st.Keys[:0]
		pool.Put(st)
	}
}
