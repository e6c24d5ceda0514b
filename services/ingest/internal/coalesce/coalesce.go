// Package coalesce runs the calls made while one is in flight as one
// batch: a group commit without a timer. A lone call runs at once; calls
// arriving during a run wait for it and then run together, led by the
// first of them, so that under load a batch holds whatever queued during
// the previous one and no caller runs more than one batch.
package coalesce

import "sync"

// Batcher coalesces calls of run. Its zero value is not usable: get one
// from New.
type Batcher[K, V any] struct {
	run   func(keys []K) ([]V, []error)
	mu    sync.Mutex
	busy  bool
	queue []*call[K, V]
}

type call[K, V any] struct {
	key  K
	val  V
	err  error
	done chan struct{}
	// lead is the batch this call runs, set when it is handed the lead.
	lead []*call[K, V]
}

// New returns a Batcher of run, which must return one value and one error
// per key, in order, and bound its own duration (a caller waits for the
// batch it joined).
func New[K, V any](run func(keys []K) ([]V, []error)) *Batcher[K, V] {
	return &Batcher[K, V]{run: run}
}

// Do returns key's value, read in a batch with the keys of concurrent calls.
func (b *Batcher[K, V]) Do(key K) (V, error) {
	c := &call[K, V]{key: key, done: make(chan struct{})}
	b.mu.Lock()
	if !b.busy {
		b.busy = true
		b.mu.Unlock()
		b.runBatch([]*call[K, V]{c})
		return c.val, c.err
	}
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	<-c.done
	if c.lead != nil {
		b.runBatch(c.lead)
	}
	return c.val, c.err
}

// runBatch runs batch (led by batch[0], which is not waiting), answers the
// others, then hands what queued meanwhile to the first of it.
func (b *Batcher[K, V]) runBatch(batch []*call[K, V]) {
	keys := make([]K, len(batch))
	for i, c := range batch {
		keys[i] = c.key
	}
	vals, errs := b.run(keys)
	for i, c := range batch {
		c.val, c.err = vals[i], errs[i]
		if i > 0 {
			close(c.done)
		}
	}
	b.mu.Lock()
	next := b.queue
	b.queue = nil
	b.busy = len(next) > 0
	b.mu.Unlock()
	if len(next) > 0 {
		next[0].lead = next
		close(next[0].done)
	}
}
