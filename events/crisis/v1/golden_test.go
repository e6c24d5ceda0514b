package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/crisis/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

var opened = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func TestDetected(t *testing.T) {
	d := v1.Detected{
		ID: v1.CrisisID("cafe-lumiere", opened), Brand: "cafe-lumiere", OpenedAt: opened, WindowSeconds: 60,
		Volume: 142, NegativeShare: 0.81, BaselineVolume: 6.5, BaselineNegativeShare: 0.12, ZScore: 17.3,
		TopTerms: []string{"intoxication", "rappel", "lot"}, PausePublishing: true,
	}
	if got, want := events.Subject(d, d.Brand), "ruche.crisis.detected.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "crisis.detected.v1.json", d)
}

func TestResolved(t *testing.T) {
	id := v1.CrisisID("cafe-lumiere", opened)
	r := v1.Resolved{ID: v1.ResolvedID(id), CrisisID: id, Brand: "cafe-lumiere", OpenedAt: opened,
		ResolvedAt: opened.Add(25 * time.Minute), PeakVolume: 190, PausePublishing: true}
	if r.ID != "crisis:cafe-lumiere:1795167000:resolved" {
		t.Fatalf("ResolvedID = %q", r.ID)
	}
	eventstest.Golden(t, "crisis.resolved.v1.json", r)
}
