package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/privacy/v1"
)

func TestErasureRequested(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	e := v1.ErasureRequested{
		ID: v1.ErasureID("cafe-lumiere", "mastodon", "109", at), Brand: "cafe-lumiere", Network: "mastodon", AuthorID: "109",
		Pseudonym: v1.Pseudonym("cafe-lumiere", "mastodon", "109"), InteractionIDs: []string{"mastodon:social.example/1"},
		RequestedBy: "u-42", RequestedAt: at, Reason: "demande RGPD art. 17",
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := events.Subject(e, e.Brand), "ruche.privacy.erasure_requested.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "privacy.erasure_requested.v1.json", e)
}

func TestErasureRequestedValidate(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	ok := v1.ErasureRequested{ID: v1.ErasureID("b", "x", "1", at), Brand: "b", Network: "x", AuthorID: "1",
		Pseudonym: v1.Pseudonym("b", "x", "1"), RequestedAt: at}
	for name, tc := range map[string]struct {
		mutate func(*v1.ErasureRequested)
		field  string
	}{
		"missing_author":    {func(e *v1.ErasureRequested) { e.AuthorID = "" }, "author_id"},
		"wrong_id":          {func(e *v1.ErasureRequested) { e.ID = "erasure:b" }, "id"},
		"wrong_pseudonym":   {func(e *v1.ErasureRequested) { e.Pseudonym = "1" }, "pseudonym"},
		"too_many_ids":      {func(e *v1.ErasureRequested) { e.InteractionIDs = make([]string, v1.MaxInteractionIDs+1) }, "interaction_ids"},
		"missing_network":   {func(e *v1.ErasureRequested) { e.Network = "" }, "network"},
		"missing_requested": {func(e *v1.ErasureRequested) { e.RequestedAt = time.Time{} }, "requested_at"},
	} {
		t.Run(name, func(t *testing.T) {
			e := ok
			tc.mutate(&e)
			err := e.Validate()
			if err == nil || len(err.Error()) < len(tc.field) || err.Error()[:len(tc.field)] != tc.field {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.field)
			}
		})
	}
	if v1.Pseudonym("b", "x", "1") == v1.Pseudonym("c", "x", "1") {
		t.Fatal("the pseudonym must differ per brand")
	}
}
