package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

func TestDecided(t *testing.T) {
	d := v1.Decided{
		ID:            v1.DecidedID("mastodon:109876543210", v1.DecisionAssign, 7),
		InteractionID: "mastodon:109876543210",
		Brand:         "cafe-lumiere",
		Decision:      v1.DecisionAssign,
		Moderator:     "key-1a2b3c4d",
		Assignee:      "key-5e6f7a8b",
		Reason:        "needs the after-sales team",
		DecidedAt:     time.Date(2026, 11, 20, 9, 45, 0, 0, time.UTC),
	}
	if got, want := events.Subject(d, d.Brand), "ruche.case.decided.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if d.ID != "case:mastodon:109876543210:assign:7" {
		t.Fatalf("DecidedID = %q", d.ID)
	}
	if !v1.DecisionClose.Valid() || v1.Decision("delete").Valid() {
		t.Fatal("Valid disagrees with Decisions")
	}
	eventstest.Golden(t, "case.decided.v1.json", d)
}
