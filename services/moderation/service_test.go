package moderation_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation"
)

func TestModeration(t *testing.T) {
	t.Run("emits_one_decision_per_interaction_even_when_redelivered", func(t *testing.T) {
		conn := testkit.NATS(t)
		router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := moderation.New(moderation.Config{Consumer: "moderation"}, moderation.Deps{Router: router, Logger: testkit.Logger(t)}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		decisions := map[string]int{}
		err = bus.Handle(router, "test-watch", func(ctx context.Context, m v1.Moderated, env events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			decisions[m.InteractionID]++
			if env.CausationID != m.InteractionID {
				t.Errorf("causation id %q, want %q", env.CausationID, m.InteractionID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- router.Run(ctx) }()
		defer func() { cancel(); <-done }()
		<-router.Running()

		at := time.Now().UTC()
		r := v1.Received{ID: "sandbox:1", Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: "1",
			Author: v1.Author{ID: "a"}, Text: "Super service !", CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
		// The same interaction arriving twice, under two transport ids (as a
		// redelivery past the duplicate window would).
		for _, id := range []string{"sandbox:1", "sandbox:1-again"} {
			env, _ := events.NewEnvelope(r, id, r.Brand, at)
			if _, err := router.Publisher().PublishEvent(context.Background(), r, env); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := decisions["sandbox:1"]
			mu.Unlock()
			if n >= 1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // let a second decision, if any, arrive
		mu.Lock()
		defer mu.Unlock()
		if decisions["sandbox:1"] != 1 {
			t.Fatalf("decisions = %v, want exactly one for sandbox:1", decisions)
		}
	})
}

func TestDecide(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := v1.Received{ID: "x:1", Brand: "demo", Network: "x"}
	a, b := moderation.Decide(r, 2, at), moderation.Decide(r, 2, at.Add(time.Hour))
	if a.ID != b.ID || a.ID != "moderated:x:1:v2" {
		t.Fatalf("ids %q, %q", a.ID, b.ID)
	}
}
