package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/publish/v1"
)

func TestRequested(t *testing.T) {
	r := v1.Requested{
		ID: "publish:case:mastodon:109876543210:hide:7", Brand: "cafe-lumiere", Kind: v1.KindHide,
		InteractionID: "mastodon:109876543210", Network: "mastodon", RequestedBy: "key-1a2b3c4d",
		Reason: "insult", RequestedAt: time.Date(2026, 11, 20, 9, 45, 0, 0, time.UTC),
	}
	if got, want := events.Subject(r, r.Brand), "ruche.publish.requested.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "publish.requested.v1.json", r)
}
