package testkit

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClickHouse(t *testing.T) {
	var name string
	t.Run("gives_each_test_a_fresh_database", func(t *testing.T) {
		a, b := ClickHouse(t), ClickHouse(t)
		if a.Database() == b.Database() || !strings.HasPrefix(a.Database(), ClickHouseTestDBPrefix) {
			t.Fatalf("databases %q and %q", a.Database(), b.Database())
		}
		if err := a.Conn().Exec(context.Background(), "CREATE TABLE t (x UInt8) ENGINE = Memory"); err != nil {
			t.Fatal(err)
		}
		name = a.Database()
	})
	t.Run("drops_it_at_cleanup", func(t *testing.T) {
		db := ClickHouse(t)
		var n uint64
		if err := db.Conn().QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("database %s still exists after its test ended", name)
		}
	})
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends the
// goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func TestClickHouseUnreachableFails(t *testing.T) {
	t.Setenv(ClickHouseAddrEnv, "127.0.0.1:1")
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ClickHouse(r)
		t.Error("ClickHouse returned although the server is unreachable")
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("ClickHouse did not fail within 30s")
	}
	if !strings.Contains(r.msg, "deploy/clickhouse/ensure-local.sh") {
		t.Fatalf("failure message %q does not say how to start ClickHouse", r.msg)
	}
}

func TestTestDBStale(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name string
		want bool
	}{
		{"ruche_test_1799900000_ab12cd", true},
		{"ruche_test_1799999000_ab12cd", false},
		{"ruche_test_abc", false},
		{"ruche_test_x_y", false},
		{"ruche", false},
	}
	for _, tc := range cases {
		if got := testDBStale(tc.name, now); got != tc.want {
			t.Errorf("testDBStale(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
