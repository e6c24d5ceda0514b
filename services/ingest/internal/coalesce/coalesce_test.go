package coalesce_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/ingest/internal/coalesce"
)

// TestBatcher: every call gets its own key's answer (or its batch's
// error); calls made while a batch runs are run together in the next.
func TestBatcher(t *testing.T) {
	var (
		mu      sync.Mutex
		batches [][]int
	)
	release := make(chan struct{})
	b := coalesce.New(func(keys []int) ([]string, []error) {
		mu.Lock()
		batches = append(batches, keys)
		first := len(batches) == 1
		mu.Unlock()
		if first {
			<-release // the others queue meanwhile
		}
		vals, errs := make([]string, len(keys)), make([]error, len(keys))
		for i, k := range keys {
			if k%7 == 0 {
				errs[i] = errors.New("refused")
				continue
			}
			vals[i] = fmt.Sprint("v", k)
		}
		return vals, errs
	})
	const n = 50
	var wg sync.WaitGroup
	got, gotErr := make([]string, n), make([]error, n)
	wg.Go(func() { got[1], gotErr[1] = b.Do(1) })
	for {
		mu.Lock()
		started := len(batches) == 1
		mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 2; i < n; i++ {
		wg.Go(func() { got[i], gotErr[i] = b.Do(i) })
	}
	time.Sleep(50 * time.Millisecond) // let them queue behind the first batch
	close(release)
	wg.Wait()
	for i := 1; i < n; i++ {
		switch {
		case i%7 == 0 && gotErr[i] == nil:
			t.Errorf("key %d: no error", i)
		case i%7 != 0 && (gotErr[i] != nil || got[i] != fmt.Sprint("v", i)):
			t.Errorf("key %d: %q, %v", i, got[i], gotErr[i])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) < 2 || len(batches[0]) != 1 || len(batches[1]) < 2 {
		t.Fatalf("batch sizes %v, want the first alone and the queued ones together", sizes(batches))
	}
	total := 0
	for _, bt := range batches {
		total += len(bt)
	}
	if total != n-1 {
		t.Fatalf("%d keys run, want %d", total, n-1)
	}
}

func sizes(batches [][]int) []int {
	var out []int
	for _, b := range batches {
		out = append(out, len(b))
	}
	return out
}
