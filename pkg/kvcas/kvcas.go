// Package kvcas changes JSON values of a NATS KV bucket with
// compare-and-set: read the value and its revision, change it, write it at
// that revision, and start again when another writer got there first. No
// change is lost to a concurrent one, and none is written twice.
package kvcas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrNotFound is a key without a value (Update without create).
	ErrNotFound = errors.New("not found")
	// ErrConflict is an update that lost every attempt to other writers.
	ErrConflict = errors.New("too many concurrent writers")
	// Unchanged, returned by an update function, leaves the value as it
	// is: nothing is written.
	Unchanged = errors.New("unchanged")
)

// As gives kvcas's errors a package's own meanings: ErrNotFound also
// matches notFound, ErrConflict also conflict (errors.Is), the message
// unchanged; other errors are returned as they are.
func As(err, notFound, conflict error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return meaning{err, notFound}
	case errors.Is(err, ErrConflict):
		return meaning{err, conflict}
	}
	return err
}

// meaning is an error of kvcas that also matches a package's sentinel.
type meaning struct{ err, as error }

func (m meaning) Error() string   { return m.err.Error() }
func (m meaning) Unwrap() []error { return []error{m.err, m.as} }

// Attempts bounds an update's tries under contention.
const Attempts = 16

// Entry is a value and its revision (0: the key has none).
type Entry[T any] struct {
	Value    T
	Revision uint64
}

// Get reads key's JSON value with its revision; ErrNotFound when it has
// none.
func Get[T any](ctx context.Context, kv jetstream.KeyValue, key string) (Entry[T], error) {
	var e Entry[T]
	got, err := kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return e, fmt.Errorf("%s: %w", key, ErrNotFound)
	case err != nil:
		return e, fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(got.Value(), &e.Value); err != nil {
		return Entry[T]{}, fmt.Errorf("decode %s: %w", key, err)
	}
	e.Revision = got.Revision()
	return e, nil
}

// Update applies fn to key's value and writes it at the revision read;
// create says whether a missing key is created (fn gets the zero value)
// or ErrNotFound. It returns what it wrote, or what it read when fn
// returned Unchanged (changed false); fn's other errors stop it.
func Update[T any](ctx context.Context, kv jetstream.KeyValue, key string, create bool, fn func(*T) error) (e Entry[T], changed bool, err error) {
	return update(ctx, kv, key, nil, create, fn)
}

// UpdateFrom is Update starting from an entry read before, which saves a
// read when nobody wrote in between (it reads again when somebody did).
func UpdateFrom[T any](ctx context.Context, kv jetstream.KeyValue, key string, start Entry[T], create bool, fn func(*T) error) (e Entry[T], changed bool, err error) {
	return update(ctx, kv, key, &start, create, fn)
}

func update[T any](ctx context.Context, kv jetstream.KeyValue, key string, start *Entry[T], create bool, fn func(*T) error) (Entry[T], bool, error) {
	for attempt := range Attempts {
		if err := pause(ctx, attempt); err != nil {
			return Entry[T]{}, false, err
		}
		var e Entry[T]
		if start != nil {
			e, start = *start, nil
		} else {
			var err error
			if e, err = Get[T](ctx, kv, key); err != nil && !errors.Is(err, ErrNotFound) {
				return e, false, err
			}
		}
		if e.Revision == 0 && !create {
			return e, false, fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		if err := fn(&e.Value); errors.Is(err, Unchanged) {
			return e, false, nil
		} else if err != nil {
			return e, false, err
		}
		rev, err := Put(ctx, kv, key, e.Value, e.Revision)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return e, false, err
		}
		e.Revision = rev
		return e, true, nil
	}
	return Entry[T]{}, false, fmt.Errorf("%s: %w (%d attempts)", key, ErrConflict, Attempts)
}

// Put writes v at key if its revision is still rev (0: if key has no
// value), returning the new revision; ErrConflict when another writer
// moved it.
func Put(ctx context.Context, kv jetstream.KeyValue, key string, v any, rev uint64) (uint64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode %s: %w", key, err)
	}
	if rev == 0 {
		rev, err = kv.Create(ctx, key, b)
	} else {
		rev, err = kv.Update(ctx, key, b, rev)
	}
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrKeyExists) || errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return 0, fmt.Errorf("%s: %w", key, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return rev, nil
}

// pause waits before an attempt after the first: a short random pause
// that grows with the attempts, so writers that collided at once do not
// collide again (a busy record would otherwise run out of attempts: seen
// with four writers on one user in the gateway).
func pause(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(mrand.Int64N(int64(time.Millisecond) << min(attempt, 6))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
