package kvcas_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/kvcas"
	"github.com/ruche-project/ruche/pkg/testkit"
)

type counter struct {
	N  int      `json:"n"`
	By []string `json:"by,omitempty"`
}

func bucket(t *testing.T) jetstream.KeyValue {
	t.Helper()
	conn := testkit.NATS(t)
	kv, err := conn.JS.CreateOrUpdateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "kvcas_test", History: 1})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	t.Run("concurrent_writers_lose_nothing", func(t *testing.T) {
		kv := bucket(t)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 5 {
					if _, _, err := kvcas.Update(ctx, kv, "c", true, func(c *counter) error { c.N++; return nil }); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		e, err := kvcas.Get[counter](ctx, kv, "c")
		if err != nil || e.Value.N != 40 || e.Revision == 0 {
			t.Fatalf("%+v, %v: want 40 increments", e, err)
		}
	})
	t.Run("missing_key_without_create_is_not_found", func(t *testing.T) {
		kv := bucket(t)
		called := false
		_, _, err := kvcas.Update(ctx, kv, "none", false, func(*counter) error { called = true; return nil })
		if !errors.Is(err, kvcas.ErrNotFound) || called {
			t.Fatalf("err = %v, fn called = %v", err, called)
		}
		if _, err := kv.Get(ctx, "none"); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Fatalf("a value was written: %v", err)
		}
	})
	t.Run("unchanged_writes_nothing", func(t *testing.T) {
		kv := bucket(t)
		first, _, err := kvcas.Update(ctx, kv, "c", true, func(c *counter) error { c.N = 1; return nil })
		if err != nil {
			t.Fatal(err)
		}
		e, changed, err := kvcas.Update(ctx, kv, "c", false, func(c *counter) error { c.N = 99; return kvcas.Unchanged })
		if err != nil || changed || e.Revision != first.Revision {
			t.Fatalf("%+v changed=%v %v", e, changed, err)
		}
		if got, _ := kvcas.Get[counter](ctx, kv, "c"); got.Value.N != 1 || got.Revision != first.Revision {
			t.Fatalf("stored %+v", got)
		}
	})
	t.Run("stale_start_is_read_again", func(t *testing.T) {
		kv := bucket(t)
		stale, _, err := kvcas.Update(ctx, kv, "c", true, func(c *counter) error { c.By = append(c.By, "a"); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := kvcas.Update(ctx, kv, "c", false, func(c *counter) error { c.By = append(c.By, "b"); return nil }); err != nil {
			t.Fatal(err)
		}
		e, changed, err := kvcas.UpdateFrom(ctx, kv, "c", stale, false, func(c *counter) error { c.By = append(c.By, "c"); return nil })
		if err != nil || !changed || len(e.Value.By) != 3 || e.Value.By[1] != "b" {
			t.Fatalf("%+v changed=%v %v: b's change lost", e, changed, err)
		}
	})
	t.Run("function_error_stops_without_writing", func(t *testing.T) {
		kv := bucket(t)
		boom := errors.New("refused")
		if _, _, err := kvcas.Update(ctx, kv, "c", true, func(*counter) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if _, err := kvcas.Get[counter](ctx, kv, "c"); !errors.Is(err, kvcas.ErrNotFound) {
			t.Fatalf("a value was written: %v", err)
		}
	})
}

func TestPutRefusesAStaleRevision(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t)
	rev, err := kvcas.Put(ctx, kv, "k", counter{N: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kvcas.Put(ctx, kv, "k", counter{N: 2}, 0); !errors.Is(err, kvcas.ErrConflict) {
		t.Fatalf("create over a value: %v", err)
	}
	if _, err := kvcas.Put(ctx, kv, "k", counter{N: 2}, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := kvcas.Put(ctx, kv, "k", counter{N: 3}, rev); !errors.Is(err, kvcas.ErrConflict) {
		t.Fatalf("update at a stale revision: %v", err)
	}
}

func TestAsGivesThePackagesMeaning(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t)
	mine, busy := errors.New("no such thing"), errors.New("busy")
	_, _, err := kvcas.Update(ctx, kv, "none", false, func(*counter) error { return nil })
	err = kvcas.As(err, mine, busy)
	if !errors.Is(err, mine) || !errors.Is(err, kvcas.ErrNotFound) || errors.Is(err, busy) || err.Error() != "none: not found" {
		t.Fatalf("not found as %v", err)
	}
	if err := kvcas.As(fmt.Errorf("k: %w", kvcas.ErrConflict), mine, busy); !errors.Is(err, busy) || errors.Is(err, mine) {
		t.Fatalf("conflict as %v", err)
	}
	other := errors.New("disk full")
	if err := kvcas.As(other, mine, busy); err != other {
		t.Fatalf("other error as %v", err)
	}
	if kvcas.As(nil, mine, busy) != nil {
		t.Fatal("nil became an error")
	}
}
