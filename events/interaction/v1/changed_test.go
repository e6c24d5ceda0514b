package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

func sampleUpdated() v1.Updated {
	id := v1.InteractionID("mastodon", "109876543210")
	text := "Bonjour, ma commande est arrivée finalement, merci !"
	return v1.Updated{
		ID: v1.UpdatedID(id, text), InteractionID: id, Brand: "cafe-lumiere", Network: "mastodon",
		Text: text, Lang: "fr", EditedAt: created.Add(time.Hour), ReceivedAt: received.Add(time.Hour),
		Source: v1.SourceStream, SourceID: "mastodon-main",
	}
}

func sampleDeleted() v1.Deleted {
	id := v1.InteractionID("mastodon", "109876543210")
	return v1.Deleted{
		ID: v1.DeletedID(id), InteractionID: id, Brand: "cafe-lumiere", Network: "mastodon",
		DeletedAt: created.Add(2 * time.Hour), ReceivedAt: received.Add(2 * time.Hour),
		Source: v1.SourceStream, SourceID: "mastodon-main", Reason: "author",
	}
}

func TestUpdated(t *testing.T) {
	u := sampleUpdated()
	if got, want := events.Subject(u, u.Brand), "ruche.interaction.updated.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if got, want := events.AllBrands(v1.Received{}), "ruche.interaction.received.v1.*"; got == events.AllBrands(u) || got != want {
		t.Fatalf("received filter %q must not match updates (%q)", got, events.AllBrands(u))
	}
	if err := u.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if v1.UpdatedID(u.InteractionID, u.Text) != u.ID || v1.UpdatedID(u.InteractionID, u.Text+"!") == u.ID {
		t.Fatal("UpdatedID must be the same for the same text and differ for another")
	}
	eventstest.Golden(t, "interaction.updated.v1.json", u)
}

func TestDeleted(t *testing.T) {
	d := sampleDeleted()
	if got, want := events.Subject(d, d.Brand), "ruche.interaction.deleted.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	eventstest.Golden(t, "interaction.deleted.v1.json", d)
}

func TestChangeValidate(t *testing.T) {
	cases := []struct {
		name  string
		err   func() error
		field string
	}{
		{"updated_missing_brand", func() error { u := sampleUpdated(); u.Brand = ""; return u.Validate() }, "brand"},
		{"updated_foreign_interaction", func() error { u := sampleUpdated(); u.InteractionID = "x:1"; return u.Validate() }, "interaction_id"},
		{"updated_id_of_other_text", func() error { u := sampleUpdated(); u.Text += " (edit)"; return u.Validate() }, "id"},
		{"updated_missing_edited_at", func() error { u := sampleUpdated(); u.EditedAt = time.Time{}; return u.Validate() }, "edited_at"},
		{"updated_missing_source", func() error { u := sampleUpdated(); u.Source = ""; return u.Validate() }, "source"},
		{"deleted_network_with_dot", func() error { d := sampleDeleted(); d.Network = "a.b"; return d.Validate() }, "network"},
		{"deleted_missing_network", func() error { d := sampleDeleted(); d.Network = ""; return d.Validate() }, "network"},
		{"deleted_random_id", func() error { d := sampleDeleted(); d.ID = "random"; return d.Validate() }, "id"},
		{"deleted_missing_deleted_at", func() error { d := sampleDeleted(); d.DeletedAt = time.Time{}; return d.Validate() }, "deleted_at"},
		{"deleted_missing_received_at", func() error { d := sampleDeleted(); d.ReceivedAt = time.Time{}; return d.Validate() }, "received_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !eventstest.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name field %q", err, tc.field)
			}
		})
	}
}
