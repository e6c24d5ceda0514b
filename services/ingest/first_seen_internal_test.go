package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/kvread"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// TestFirstSeenReads: the records read for concurrent publications, one
// kv.Get each or in one batched read, are what kv.Get says of each key:
// found with its value, absent, or deleted.
func TestFirstSeenReads(t *testing.T) {
	ctx := context.Background()
	conn := testkit.NATS(t)
	f, err := openFirstSeen(ctx, conn.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 2 * kvread.MinBatch {
		k := firstSeenKey("cafe", fmt.Sprint("generic:", i))
		keys = append(keys, k)
		switch {
		case i%3 == 0:
			if err := f.put(ctx, k, []byte(fmt.Sprint(`{"text_hash":"`, i, `"}`))); err != nil {
				t.Fatal(err)
			}
		case i%3 == 1:
			if _, err := f.kv.Put(ctx, k, []byte("x")); err != nil {
				t.Fatal(err)
			}
			if err := f.kv.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(t *testing.T, keys []string, vals []seenValue, errs []error) {
		t.Helper()
		for i, k := range keys {
			e, err := f.kv.Get(ctx, k)
			want := seenValue{}
			if err == nil {
				want = seenValue{data: e.Value(), found: true}
			} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
				t.Fatal(err)
			}
			if errs[i] != nil || vals[i].found != want.found || string(vals[i].data) != string(want.data) {
				t.Errorf("key %d: %q %v, %v; kv.Get says %q %v", i, vals[i].data, vals[i].found, errs[i], want.data, want.found)
			}
		}
	}
	t.Run("one_get_each", func(t *testing.T) {
		vals, errs := f.readAll(keys[:kvread.MinBatch-1])
		check(t, keys[:kvread.MinBatch-1], vals, errs)
	})
	t.Run("batched", func(t *testing.T) {
		vals, errs := f.readAll(keys)
		check(t, keys, vals, errs)
	})
	t.Run("concurrent_lookups", func(t *testing.T) {
		vals, errs := make([]seenValue, len(keys)), make([]error, len(keys))
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Go(func() { vals[i], errs[i] = f.reads.Do(k) })
		}
		wg.Wait()
		check(t, keys, vals, errs)
	})
}

// BenchmarkFirstSeen looks up and records new items from 32 concurrent
// publishers, as webhook deliveries of one item each do: kv.Get and kv.Put
// each (the reference), or coalesced reads and asynchronously acked
// writes. cpu-µs/op is the process's CPU (client and embedded server).
func BenchmarkFirstSeen(b *testing.B) {
	ctx := context.Background()
	conn := testkit.NATS(b)
	f, err := openFirstSeen(ctx, conn.JS, 1)
	if err != nil {
		b.Fatal(err)
	}
	value := []byte(`{"received_at":"2026-12-07T17:00:00.123456Z","text_hash":"0123456789abcdef0123456789abcdef"}`)
	var n atomic.Int64
	for _, c := range []struct {
		name string
		seen func(key string) error
	}{
		{"kv_get_put", func(key string) error {
			if _, err := f.kv.Get(ctx, key); !errors.Is(err, jetstream.ErrKeyNotFound) {
				return fmt.Errorf("get: %v", err)
			}
			_, err := f.kv.Put(ctx, key, value)
			return err
		}},
		{"coalesced", func(key string) error {
			if v, err := f.reads.Do(key); err != nil || v.found {
				return fmt.Errorf("get: %v %v", v.found, err)
			}
			return f.put(ctx, key, value)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu := processCPU()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.seen(firstSeenKey("bench", fmt.Sprint(n.Add(1)))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
