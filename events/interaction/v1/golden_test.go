package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

var (
	created  = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	received = created.Add(1500 * time.Millisecond)
)

func sampleReceived() v1.Received {
	return v1.Received{
		ID:         v1.InteractionID("mastodon", "109876543210"),
		Brand:      "cafe-lumiere",
		Network:    "mastodon",
		Account:    "@cafelumiere@piaille.fr",
		Kind:       v1.KindReply,
		PlatformID: "109876543210",
		ThreadID:   "109876540000",
		ParentID:   "109876540000",
		Author:     v1.Author{ID: "4242", Handle: "@claire@piaille.fr", DisplayName: "Claire", Followers: 1280, Verified: false},
		Text:       "Bonjour, ma commande n'est toujours pas arrivée. Vous pouvez vérifier ?",
		Lang:       "fr",
		URL:        "https://piaille.fr/@claire/109876543210",
		Media:      []v1.Media{{Type: "image", URL: "https://piaille.fr/media/1.jpg"}},
		CreatedAt:  created,
		ReceivedAt: received,
		Source:     v1.SourceStream,
		SourceID:   "mastodon-main",
	}
}

func TestReceived(t *testing.T) {
	r := sampleReceived()
	if got, want := r.Name(), "interaction.received.v1"; got != want {
		t.Fatalf("Name() = %q, want %q", got, want)
	}
	if got, want := events.Subject(r, r.Brand), "ruche.interaction.received.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	eventstest.Golden(t, "interaction.received.v1.json", r)
}

func TestModerated(t *testing.T) {
	due := received.Add(2 * time.Hour)
	m := v1.Moderated{
		ID:            v1.ModeratedID(v1.InteractionID("mastodon", "109876543210"), 3),
		InteractionID: v1.InteractionID("mastodon", "109876543210"),
		Brand:         "cafe-lumiere",
		Network:       "mastodon",
		Labels:        []string{"lang:fr", "intent:complaint", "sentiment:negative"},
		Verdict:       v1.VerdictReview,
		Actions:       []string{"needs_reply", "route:service-client"},
		Priority:      72,
		SLADue:        &due,
		RuleHits:      []string{"complaints-to-service"},
		// Added in place too: what decided each label.
		LabelReasons:  map[string][]string{"intent:complaint": {"rules:intent"}, "sentiment:negative": {"model:negative=0.912"}},
		PolicyVersion: 3,
		ModeratedAt:   received.Add(20 * time.Millisecond),
		// The field added in place: the golden file carries it.
		InteractionCreatedAt: created,
		// Added in place too: the text decided on.
		Content: &v1.Content{Text: sampleReceived().Text, Lang: "fr", Author: sampleReceived().Author},
	}
	if got, want := m.Name(), "interaction.moderated.v1"; got != want {
		t.Fatalf("Name() = %q, want %q", got, want)
	}
	if got, want := m.ID, "moderated:mastodon:109876543210:v3"; got != want {
		t.Fatalf("ModeratedID = %q, want %q", got, want)
	}
	eventstest.Golden(t, "interaction.moderated.v1.json", m)
}

func TestReceivedValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*v1.Received)
		field  string
	}{
		{"missing_brand", func(r *v1.Received) { r.Brand = "" }, "brand"},
		{"brand_with_dot", func(r *v1.Received) { r.Brand = "a.b" }, "brand"},
		{"missing_network", func(r *v1.Received) { r.Network = "" }, "network"},
		{"network_with_colon", func(r *v1.Received) { r.Network = "x:y" }, "network"},
		{"missing_platform_id", func(r *v1.Received) { r.PlatformID = ""; r.ID = "mastodon:" }, "platform_id"},
		{"id_not_deterministic", func(r *v1.Received) { r.ID = "random" }, "id"},
		{"unknown_kind", func(r *v1.Received) { r.Kind = "tweet" }, "kind"},
		{"missing_author", func(r *v1.Received) { r.Author.ID = "" }, "author.id"},
		{"text_too_long", func(r *v1.Received) { r.Text = string(make([]byte, v1.MaxTextBytes+1)) }, "text"},
		{"missing_created_at", func(r *v1.Received) { r.CreatedAt = time.Time{} }, "created_at"},
		{"missing_source", func(r *v1.Received) { r.Source = "" }, "source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReceived()
			tc.mutate(&r)
			err := r.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !eventstest.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name field %q", err, tc.field)
			}
		})
	}
}
