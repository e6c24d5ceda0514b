package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/post/v1"
)

func TestTransitioned(t *testing.T) {
	due := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	e := v1.Transitioned{
		ID: v1.TransitionID("p-3f9a1c2b7d4e", 7), Brand: "cafe-lumiere", PostID: "p-3f9a1c2b7d4e", Version: 7,
		From: v1.StateScheduled, To: v1.StatePublishing, By: "scheduling",
		ContentHash: "sha256:6e1f0b5a8c2d4e3f9a7b1c0d2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c5d7e9f",
		DueAt:       &due, Zone: "Europe/Paris", Wall: "2026-03-29T02:30", LateSeconds: 95.5,
		At: time.Date(2026, 3, 29, 1, 31, 35, 500_000_000, time.UTC),
	}
	if got, want := events.Subject(e, e.Brand), "ruche.post.transitioned.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "post.transitioned.v1.json", e)
}

func TestDue(t *testing.T) {
	e := v1.Due{ID: v1.DueID("p-3f9a1c2b7d4e", 2), Brand: "cafe-lumiere", PostID: "p-3f9a1c2b7d4e", Schedule: 2,
		DueAt: time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)}
	if got, want := events.Subject(e, e.Brand), "ruche.post.due.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if got, want := v1.TimerSubject(e.Brand, e.PostID), "ruche.post.timer.v1.cafe-lumiere.p-3f9a1c2b7d4e"; got != want {
		t.Fatalf("TimerSubject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "post.due.v1.json", e)
}

func TestStates(t *testing.T) {
	for _, s := range v1.States {
		if !s.Valid() {
			t.Fatalf("%s not valid", s)
		}
	}
	if v1.State("deleted").Valid() {
		t.Fatal("unknown state accepted")
	}
}

func TestRecycleDue(t *testing.T) {
	e := v1.RecycleDue{Brand: "cafe-lumiere", Network: "mastodon"}
	if got, want := events.Subject(e, e.Brand), "ruche.post.recycle_due.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if got, want := v1.RecycleTimerSubject(e.Brand, e.Network), "ruche.post.recycle_timer.v1.cafe-lumiere.mastodon"; got != want {
		t.Fatalf("RecycleTimerSubject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "post.recycle_due.v1.json", e)
}
