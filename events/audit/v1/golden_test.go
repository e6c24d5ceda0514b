package v1_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/audit/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

func TestRecorded(t *testing.T) {
	r := v1.Recorded{
		ID: "b7d3e1c2", Brand: "cafe-lumiere", At: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC),
		Actor: "3f9a0c7e5d1b2a48", ActorEmail: "lea@cafe-lumiere.fr", Via: "session",
		Action: "cases.decide", Method: "POST", Route: "/api/v1/cases/:interaction_id/decide",
		Path: "/api/v1/cases/mastodon:1098765/decide?brand=cafe-lumiere", Target: "interaction_id=mastodon:1098765",
		Status: 200, IP: "203.0.113.7", UserAgent: "Mozilla/5.0",
		After: json.RawMessage(`{"decision":"hide","reason":"spam"}`),
	}
	if got, want := events.Subject(r, r.Brand), "ruche.audit.recorded.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "audit.recorded.v1.json", r)
}
