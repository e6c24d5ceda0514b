package analytics

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
)

var testNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func sampleReceived(brand, platformID string, receivedAt time.Time) interaction.Received {
	return interaction.Received{
		ID: interaction.InteractionID("mastodon", platformID), Brand: brand, Network: "mastodon",
		Kind: interaction.KindReply, PlatformID: platformID,
		Author:    interaction.Author{ID: "4242", Handle: "@claire@piaille.fr", DisplayName: "Claire", Followers: 1280, Verified: true},
		Text:      "Bonjour, ma commande n'est toujours pas arrivée.",
		Lang:      "fr",
		CreatedAt: receivedAt.Add(-time.Second), ReceivedAt: receivedAt, Source: interaction.SourceStream,
	}
}

// headersOf renders an event's envelope as the lookup decode reads.
func headersOf(t *testing.T, e events.Event, id, brand string, at time.Time) func(string) string {
	t.Helper()
	env, err := events.NewEnvelope(e, id, brand, at)
	if err != nil {
		t.Fatal(err)
	}
	h := env.Headers()
	return func(k string) string { return h[k] }
}

func TestDecode(t *testing.T) {
	received := time.Date(2026, 11, 20, 9, 30, 1, 523_000_000, time.UTC)
	r := sampleReceived("cafe-lumiere", "1", received)
	rBody, _ := json.Marshal(r)
	due := received.Add(2 * time.Hour)
	m := interaction.Moderated{ID: interaction.ModeratedID(r.ID, 3), InteractionID: r.ID, Brand: "cafe-lumiere", Network: "mastodon",
		Labels: []string{"lang:fr"}, Verdict: interaction.VerdictReview, Priority: 72, SLADue: &due, PolicyVersion: 3, ModeratedAt: received}
	mBody, _ := json.Marshal(m)
	subjR, subjM := events.Subject(r, "cafe-lumiere"), events.Subject(m, "cafe-lumiere")

	t.Run("received_maps_to_an_interaction_row", func(t *testing.T) {
		d, err := decode(subjR, headersOf(t, r, r.ID, r.Brand, received), rBody, testNow)
		if err != nil {
			t.Fatal(err)
		}
		row := d.interaction
		if row == nil || d.state != nil {
			t.Fatalf("decoded %+v", d)
		}
		if row.ID != r.ID || row.Brand != "cafe-lumiere" || row.AuthorName != "Claire" || row.AuthorVerified != 1 || row.Kind != "reply" {
			t.Fatalf("row %+v", row)
		}
		if !row.ReceivedAt.Equal(received.Truncate(time.Second)) || row.ReceivedMS != 523 {
			t.Fatalf("received_at %s + %dms, want %s", row.ReceivedAt, row.ReceivedMS, received)
		}
		if len(row.values()) != len(strings.Split(interactionColumns, ",")) {
			t.Fatal("interactionRow.values() does not match interactionColumns")
		}
	})

	t.Run("moderated_maps_to_a_state_row", func(t *testing.T) {
		d, err := decode(subjM, headersOf(t, m, m.ID, m.Brand, received), mBody, testNow)
		if err != nil {
			t.Fatal(err)
		}
		row := d.state
		if row == nil || row.InteractionID != r.ID || row.Version != uint64(received.UnixMilli()) || row.SLADue == nil || row.EventID != m.ID {
			t.Fatalf("row %+v", row)
		}
		if row.Actions == nil || row.RuleHits == nil {
			t.Fatal("nil arrays would be sent as NULL")
		}
		if len(row.values()) != len(strings.Split(stateColumns, ",")) {
			t.Fatal("stateRow.values() does not match stateColumns")
		}
	})

	other := sampleReceived("autre-marque", "1", received)
	otherBody, _ := json.Marshal(other)
	invalid := r
	invalid.Author.ID = ""
	invalidBody, _ := json.Marshal(invalid)
	cases := []struct {
		name    string
		subject string
		headers func(string) string
		body    []byte
		wantErr string
	}{
		{"no_headers", subjR, func(string) string { return "" }, rBody, "missing event id"},
		{"not_json", subjR, headersOf(t, r, r.ID, r.Brand, received), []byte("{not json"), "decode interaction.received.v1"},
		{"invalid_event", subjR, headersOf(t, r, r.ID, r.Brand, received), invalidBody, "author.id"},
		{"body_brand_differs_from_envelope", subjR, headersOf(t, r, r.ID, r.Brand, received), otherBody, "differs from the envelope"},
		{"subject_brand_differs_from_envelope", events.Subject(r, "autre-marque"), headersOf(t, r, r.ID, r.Brand, received), rBody, "does not end with"},
		{"unknown_type", subjR, headersOf(t, fakeEvent{}, "x", r.Brand, received), rBody, "not stored by analytics"},
		{"edit_of_another_text", events.Subject(interaction.Updated{}, r.Brand), headersOf(t, interaction.Updated{}, "updated:x", r.Brand, received),
			[]byte(`{"id":"updated:mastodon:1:00","interaction_id":"mastodon:1","brand":"cafe-lumiere","network":"mastodon","text":"v2","edited_at":"2026-11-20T09:30:00Z","received_at":"2026-11-20T09:30:00Z","source":"webhook"}`), "id must be"},
		{"deletion_without_deleted_at", events.Subject(interaction.Deleted{}, r.Brand), headersOf(t, interaction.Deleted{}, "deleted:x", r.Brand, received),
			[]byte(`{"id":"deleted:mastodon:1","interaction_id":"mastodon:1","brand":"cafe-lumiere","network":"mastodon","received_at":"2026-11-20T09:30:00Z","source":"webhook"}`), "deleted_at"},
		{"moderated_without_interaction", subjM, headersOf(t, m, m.ID, m.Brand, received), []byte(`{"brand":"cafe-lumiere","moderated_at":"2026-11-20T09:30:00Z"}`), "no interaction_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(tc.subject, tc.headers, tc.body, testNow)
			if !errors.Is(err, errUndecodable) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want errUndecodable mentioning %q", err, tc.wantErr)
			}
		})
	}
}

type fakeEvent struct{}

func (fakeEvent) Name() string { return "interaction.edited.v1" }
