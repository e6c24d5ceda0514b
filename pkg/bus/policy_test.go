package bus_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// dlqEntries reads the DLQ: each entry's reason and delivery count by the
// event id and brand it carries.
func dlqEntries(t *testing.T, conn *bus.Conn, n int) map[string]string {
	t.Helper()
	eventually(t, "DLQ entries", func() bool { return streamMsgs(t, conn.JS, "RUCHE_DLQ") >= uint64(n) })
	dlq, err := conn.JS.Stream(context.Background(), "RUCHE_DLQ")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for seq := uint64(1); seq <= uint64(n); seq++ {
		m, err := dlq.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		out[m.Header.Get(events.HeaderBrand)+"/"+m.Header.Get(events.HeaderID)] = m.Header.Get(bus.MetaDLQError) + " after " + m.Header.Get(bus.MetaDelivered)
	}
	return out
}

func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  func() error
		want  []string
		calls int32
	}{
		// Three attempts in process per delivery; testkit's max_deliver is 4.
		{"a_panicking_handler_is_retried_then_parked_with_the_panic", func() error { panic("nil map") }, []string{"nil map", "after 4"}, 12},
		{"permanent_errors_are_neither_retried_in_process_nor_redelivered", func() error { return bus.Permanent(errors.New("no such brand")) }, []string{"no such brand", "after 1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := testkit.NATS(t)
			router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
			var calls atomic.Int32
			err := bus.Handle(router, "test-fails", func(context.Context, v1.Received, events.Envelope) error {
				calls.Add(1)
				return tc.fail()
			}, bus.RetryDelay(bus.Backoff(10*time.Millisecond, 10*time.Millisecond)))
			if err != nil {
				t.Fatal(err)
			}
			runRouter(t, router)
			publishReceived(t, router, "f1")
			got := dlqEntries(t, conn, 1)["demo/sandbox:f1"]
			for _, w := range tc.want {
				if !testkit.Contains(got, w) {
					t.Fatalf("DLQ entry %q: want %q", got, tc.want)
				}
			}
			if n := calls.Load(); n != tc.calls {
				t.Fatalf("%d calls, want %d", n, tc.calls)
			}
		})
	}

	t.Run("max_deliver_is_set_per_consumer", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		err := bus.HandleBatch(router, "test-max-deliver", 8, func(_ context.Context, batch []bus.Delivery[v1.Received]) []error {
			return failEach(batch, errors.New("boom"))
		}, bus.MaxDeliver(2), bus.RetryDelay(bus.Backoff(10*time.Millisecond, time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		runRouter(t, router)
		publishReceived(t, router, "md")
		if got := dlqEntries(t, conn, 1)["demo/sandbox:md"]; got != "after 2 deliveries: boom after 2" {
			t.Fatalf("DLQ entry %q", got)
		}
	})

	t.Run("one_event_id_poisoned_for_two_brands_is_parked_twice", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		_ = bus.Handle(router, "test-two-brands", func(context.Context, v1.Received, events.Envelope) error {
			return bus.Permanent(errors.New("refused"))
		})
		runRouter(t, router)
		publishReceived(t, router, "shared")
		r, env := received("shared")
		r.Brand, env.Brand = "rival", "rival"
		if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
		got := dlqEntries(t, conn, 2)
		if got["demo/sandbox:shared"] == "" || got["rival/sandbox:shared"] == "" {
			t.Fatalf("DLQ %v: want both brands' events", got)
		}
	})

	t.Run("a_panicking_batch_handler_fails_its_batch", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var calls atomic.Int32
		_ = bus.HandleBatch(router, "test-batch-panic", 8, func(_ context.Context, batch []bus.Delivery[v1.Received]) []error {
			if calls.Add(1) == 1 {
				panic("index out of range")
			}
			return make([]error, len(batch))
		})
		runRouter(t, router)
		publishReceived(t, router, "bp")
		waitDrained(t, conn, "test-batch-panic")
		if n := calls.Load(); n != 2 {
			t.Fatalf("%d calls, want the panic then the redelivery", n)
		}
		if n := streamMsgs(t, conn.JS, "RUCHE_DLQ"); n != 0 {
			t.Fatalf("DLQ holds %d, want 0", n)
		}
	})
}

// publishReceived publishes a received interaction of brand demo per id.
func publishReceived(t *testing.T, router *bus.Router, ids ...string) {
	t.Helper()
	for _, id := range ids {
		r, env := received(id)
		if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
	}
}

func failEach[E events.Event](batch []bus.Delivery[E], err error) []error {
	errs := make([]error, len(batch))
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func TestHandleBatchMaxWait(t *testing.T) {
	t.Run("gathers_what_arrives_until_the_batch_is_full", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var (
			mu    sync.Mutex
			sizes []int
		)
		err := bus.HandleBatch(router, "test-max-wait", 5, func(_ context.Context, batch []bus.Delivery[v1.Received]) []error {
			mu.Lock()
			defer mu.Unlock()
			sizes = append(sizes, len(batch))
			return make([]error, len(batch))
		}, bus.MaxWait(time.Minute), bus.Workers(1))
		if err != nil {
			t.Fatal(err)
		}
		runRouter(t, router)
		// One at a time, after the router runs: without MaxWait each would
		// be a batch of its own.
		for _, id := range []string{"w1", "w2", "w3", "w4", "w5"} {
			publishReceived(t, router, id)
			time.Sleep(20 * time.Millisecond)
		}
		waitDrained(t, conn, "test-max-wait")
		mu.Lock()
		defer mu.Unlock()
		if len(sizes) != 1 || sizes[0] != 5 {
			t.Fatalf("batches %v, want one of 5", sizes)
		}
	})

	t.Run("a_consumer_deleted_under_the_loop_is_created_again", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var handled atomic.Int32
		_ = bus.HandleBatch(router, "test-recreate", 8, func(_ context.Context, batch []bus.Delivery[v1.Received]) []error {
			handled.Add(int32(len(batch)))
			return make([]error, len(batch))
		})
		runRouter(t, router)
		if err := conn.JS.DeleteConsumer(context.Background(), "RUCHE_INTERACTION", "test-recreate"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the consumer back", func() bool {
			_, err := conn.JS.Consumer(context.Background(), "RUCHE_INTERACTION", "test-recreate")
			return err == nil
		})
		publishReceived(t, router, "after-delete")
		eventually(t, "the event handled", func() bool { return handled.Load() >= 1 })
	})
}
