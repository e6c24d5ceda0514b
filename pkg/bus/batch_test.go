package bus_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func TestHandleBatch(t *testing.T) {
	t.Run("hands_waiting_events_over_in_batches_with_their_envelope", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		// Publish before the router runs: the events wait, and come in batches.
		const n = 300
		for i := range n {
			r, env := received(fmt.Sprint("b", i))
			env.CorrelationID = "c-" + r.PlatformID
			if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu      sync.Mutex
			got     = map[string]int{}
			largest int
		)
		err = bus.HandleBatch(router, "test-batch", 64, func(ctx context.Context, batch []bus.Delivery[v1.Received]) []error {
			mu.Lock()
			defer mu.Unlock()
			largest = max(largest, len(batch))
			for _, d := range batch {
				got[d.Event.ID]++
				if want := "c-" + d.Event.PlatformID; d.Env.CorrelationID != want || obs.CorrelationID(d.Ctx) != want || d.Delivered != 1 {
					t.Errorf("%s: correlation %q / %q, delivered %d", d.Event.ID, d.Env.CorrelationID, obs.CorrelationID(d.Ctx), d.Delivered)
				}
			}
			return make([]error, len(batch))
		})
		if err != nil {
			t.Fatal(err)
		}
		runRouter(t, router)
		eventually(t, "every event", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n })
		waitDrained(t, conn, "test-batch")
		mu.Lock()
		defer mu.Unlock()
		for id, k := range got {
			if k != 1 {
				t.Errorf("%s handled %d times", id, k)
			}
		}
		if largest < 2 || largest > 64 {
			t.Fatalf("largest batch %d: want batches of more than one event, at most 64", largest)
		}
	})

	t.Run("settles_each_event_on_its_own_outcome", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var (
			mu    sync.Mutex
			calls = map[string]int{}
		)
		err := bus.HandleBatch(router, "test-batch-outcomes", 16, func(ctx context.Context, batch []bus.Delivery[v1.Received]) []error {
			mu.Lock()
			defer mu.Unlock()
			errs := make([]error, len(batch))
			for i, d := range batch {
				calls[d.Event.PlatformID]++
				switch d.Event.PlatformID {
				case "flaky":
					if d.Delivered < 3 {
						errs[i] = errors.New("clickhouse is napping")
					}
				case "always-fails":
					errs[i] = errors.New("boom")
				case "permanent":
					errs[i] = bus.Permanent(errors.New("no such brand"))
				}
			}
			return errs
		})
		if err != nil {
			t.Fatal(err)
		}
		runRouter(t, router)
		// An undecodable body with a valid envelope never reaches the handler.
		publishGarbage(t, conn)
		for _, id := range []string{"fine", "flaky", "always-fails", "permanent"} {
			r, env := received(id)
			if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "three DLQ entries", func() bool { return streamMsgs(t, conn.JS, "RUCHE_DLQ") == 3 })
		waitDrained(t, conn, "test-batch-outcomes")
		dlq, _ := conn.JS.Stream(context.Background(), "RUCHE_DLQ")
		parked := map[string]string{}
		for seq := uint64(1); seq <= 3; seq++ {
			m, err := dlq.GetMsg(context.Background(), seq)
			if err != nil {
				t.Fatal(err)
			}
			parked[m.Header.Get(events.HeaderID)] = m.Header.Get(bus.MetaDLQError) + " after " + m.Header.Get(bus.MetaDelivered)
		}
		for id, want := range map[string][]string{
			"sandbox:garbage":      {"decode", "after 1"},
			"sandbox:always-fails": {"boom", "after 4"},
			"sandbox:permanent":    {"no such brand", "after 1"},
		} {
			if e := parked[id]; !testkit.Contains(e, want[0]) || !testkit.Contains(e, want[1]) {
				t.Errorf("DLQ entry of %s: %q, want %q (all %v)", id, e, want, parked)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if calls["fine"] != 1 || calls["flaky"] != 3 || calls["always-fails"] != 4 || calls["permanent"] != 1 || calls["garbage"] != 0 {
			t.Fatalf("calls %v: want fine 1, flaky 3, always-fails 4, permanent 1, garbage 0", calls)
		}
	})

	t.Run("refuses_a_batch_size_out_of_range", func(t *testing.T) {
		router, _ := bus.NewRouter(testkit.NATS(t), testkit.Logger(t), nil)
		noop := func(context.Context, []bus.Delivery[v1.Received]) []error { return nil }
		for _, size := range []int{0, bus.MaxBatch + 1} {
			if err := bus.HandleBatch(router, "test-size", size, noop); err == nil {
				t.Errorf("size %d accepted", size)
			}
		}
	})
}

func waitDrained(t *testing.T, conn *bus.Conn, consumer string) {
	t.Helper()
	c, err := conn.JS.Consumer(context.Background(), "RUCHE_INTERACTION", consumer)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "consumer drained", func() bool {
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}
