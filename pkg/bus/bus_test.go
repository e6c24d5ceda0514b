package bus_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func received(id string) (v1.Received, events.Envelope) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	r := v1.Received{
		ID: v1.InteractionID("sandbox", id), Brand: "demo", Network: "sandbox", Kind: v1.KindComment,
		PlatformID: id, Author: v1.Author{ID: "a1"}, Text: "Bonjour !", CreatedAt: at, ReceivedAt: at, Source: v1.SourceWebhook,
	}
	env, err := events.NewEnvelope(r, r.ID, r.Brand, at)
	if err != nil {
		panic(err)
	}
	return r, env
}

// publishGarbage publishes an undecodable body with a valid envelope
// (event id sandbox:garbage).
func publishGarbage(t *testing.T, conn *bus.Conn) {
	t.Helper()
	_, env := received("garbage")
	msg := nats.NewMsg("ruche.interaction.received.v1.demo")
	for k, v := range env.Headers() {
		msg.Header.Set(k, v)
	}
	msg.Data = []byte("{not json")
	if _, err := conn.JS.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func runRouter(t *testing.T, r *bus.Router) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-r.Running()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("router: %v", err)
		}
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPublisher(t *testing.T) {
	conn := testkit.NATS(t)
	pub, err := bus.NewPublisher(conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("duplicate_event_id_is_stored_once", func(t *testing.T) {
		r, env := received("dup-1")
		first, err := pub.PublishEvent(context.Background(), r, env)
		if err != nil {
			t.Fatal(err)
		}
		second, err := pub.PublishEvent(context.Background(), r, env)
		if err != nil {
			t.Fatal(err)
		}
		if first.Duplicate || !second.Duplicate || first.Sequence != second.Sequence {
			t.Fatalf("first %+v, second %+v", first, second)
		}
		if n := streamMsgs(t, conn.JS, "RUCHE_INTERACTION"); n != 1 {
			t.Fatalf("stream holds %d messages, want 1", n)
		}
	})
	t.Run("envelope_travels_in_headers_on_the_brand_subject", func(t *testing.T) {
		r, env := received("hdr-1")
		ctx := obs.WithCorrelationID(context.Background(), "corr-7")
		p, err := pub.PublishEvent(ctx, r, env)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := conn.JS.Stream(context.Background(), "RUCHE_INTERACTION")
		raw, err := s.GetMsg(context.Background(), p.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Subject != "ruche.interaction.received.v1.demo" {
			t.Fatalf("subject %q", raw.Subject)
		}
		for k, want := range map[string]string{
			events.HeaderID: "sandbox:hdr-1", events.HeaderType: "interaction.received.v1", events.HeaderVersion: "1",
			events.HeaderBrand: "demo", events.HeaderCorrelationID: "corr-7",
		} {
			if got := raw.Header.Get(k); got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
	})
	t.Run("same_event_id_for_two_brands_is_stored_twice", func(t *testing.T) {
		// One post mentioning two brands: the network's id is the same.
		r, env := received("shared-1")
		if _, err := pub.PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
		r.Brand, env.Brand = "rival", "rival"
		p, err := pub.PublishEvent(context.Background(), r, env)
		if err != nil || p.Duplicate {
			t.Fatalf("second brand's event dropped: %+v %v", p, err)
		}
	})
	t.Run("invalid_envelope_publishes_nothing", func(t *testing.T) {
		before := streamMsgs(t, conn.JS, "RUCHE_INTERACTION")
		r, env := received("bad-1")
		env.Brand = "Not A Brand"
		if _, err := pub.PublishEvent(context.Background(), r, env); err == nil {
			t.Fatal("want an error")
		}
		if after := streamMsgs(t, conn.JS, "RUCHE_INTERACTION"); after != before {
			t.Fatalf("stream grew from %d to %d", before, after)
		}
	})
}

func TestRouter(t *testing.T) {
	t.Run("delivers_typed_events_with_their_envelope", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string]string{}
		err = bus.Handle(router, "test-typed", func(ctx context.Context, e v1.Received, env events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			got[e.ID] = env.CorrelationID + "|" + obs.CorrelationID(ctx) + "|" + e.Text
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		runRouter(t, router)
		for _, id := range []string{"t1", "t2", "t3"} {
			r, env := received(id)
			env.CorrelationID = "c-" + id
			if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "three events", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
		if got["sandbox:t2"] != "c-t2|c-t2|Bonjour !" {
			t.Fatalf("got %v", got)
		}
	})

	t.Run("retries_transient_errors_then_succeeds", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var calls, ok atomic.Int32
		_ = bus.Handle(router, "test-retry", func(ctx context.Context, e v1.Received, env events.Envelope) error {
			if calls.Add(1) <= 4 { // beyond the in-process retries: JetStream redelivers
				return errors.New("clickhouse is napping")
			}
			ok.Add(1)
			return nil
		})
		runRouter(t, router)
		r, env := received("r1")
		if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
		eventually(t, "success after retries", func() bool { return ok.Load() == 1 })
		if n := streamMsgs(t, conn.JS, "RUCHE_DLQ"); n != 0 {
			t.Fatalf("DLQ holds %d, want 0", n)
		}
	})

	t.Run("parks_undecodable_and_failing_messages_on_the_dlq", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, _ := bus.NewRouter(conn, testkit.Logger(t), nil)
		var handled atomic.Int32
		_ = bus.Handle(router, "test-dlq", func(ctx context.Context, e v1.Received, env events.Envelope) error {
			if e.PlatformID == "always-fails" {
				return errors.New("boom")
			}
			handled.Add(1)
			return nil
		})
		runRouter(t, router)
		publishGarbage(t, conn)
		r, env := received("always-fails")
		if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
		r, env = received("fine")
		if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
			t.Fatal(err)
		}
		eventually(t, "two DLQ entries", func() bool { return streamMsgs(t, conn.JS, "RUCHE_DLQ") == 2 })
		if handled.Load() != 1 {
			t.Fatalf("handled %d good events, want 1", handled.Load())
		}
		dlq, _ := conn.JS.Stream(context.Background(), "RUCHE_DLQ")
		errs := map[string]string{}
		for seq := uint64(1); seq <= 2; seq++ {
			m, err := dlq.GetMsg(context.Background(), seq)
			if err != nil {
				t.Fatal(err)
			}
			errs[m.Header.Get(events.HeaderID)] = m.Header.Get(bus.MetaDLQError) + " after " + m.Header.Get(bus.MetaDelivered)
			if m.Subject != "ruche.dlq.test-dlq" {
				t.Fatalf("DLQ subject %q", m.Subject)
			}
		}
		if e := errs["sandbox:garbage"]; !testkit.Contains(e, "decode") || !testkit.Contains(e, "after 1") {
			t.Fatalf("undecodable entry: %q (all %v)", e, errs)
		}
		if e := errs["sandbox:always-fails"]; !testkit.Contains(e, "boom") || !testkit.Contains(e, "after 4") {
			t.Fatalf("failing entry: %q (all %v)", e, errs)
		}
		// Nothing is left pending for the consumer.
		c, _ := conn.JS.Consumer(context.Background(), "RUCHE_INTERACTION", "test-dlq")
		eventually(t, "consumer drained", func() bool {
			info, err := c.Info(context.Background())
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0
		})
	})
}
