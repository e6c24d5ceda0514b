package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/draft/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

func TestCreated(t *testing.T) {
	id := v1.DraftID("mastodon:109876543210")
	c := v1.Created{
		ID: v1.CreatedID(id, 2), DraftID: id, Version: 2, Brand: "cafe-lumiere",
		InteractionID: "mastodon:109876543210", Network: "mastodon", Lang: "fr",
		Text:    "Bonjour Léa, nos cafés sont livrés en 48 h ouvrées. Belle journée ! — L'équipe Café Lumière",
		Drafter: v1.DrafterOffline,
		Citations: []v1.Citation{
			{EntryID: "livraison-delais", Title: "Délais de livraison", URL: "https://cafe-lumiere.fr/livraison", Score: 7.25},
		},
		KBVersion: 4, VoiceVersion: 2, Confidence: 0.8,
		Reasons: []string{"answer from knowledge-base entry livraison-delais"},
		Checks:  []v1.Check{{Name: "links", Passed: true}, {Name: "length", Passed: true}},
		Note:    "model budget exhausted: written by the offline drafter", RequestedBy: "moderation",
		CreatedAt: time.Date(2026, 11, 20, 9, 30, 2, 0, time.UTC),
	}
	if got, want := events.Subject(c, c.Brand), "ruche.draft.created.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if c.ID != "draft:mastodon:109876543210:v2" {
		t.Fatalf("CreatedID = %q", c.ID)
	}
	eventstest.Golden(t, "draft.created.v1.json", c)
}

func TestApproved(t *testing.T) {
	id := v1.DraftID("mastodon:109876543210")
	text := "Bonjour Léa, nos cafés sont livrés en 48 h ouvrées."
	a := v1.Approved{
		ID: v1.ApprovalID(id, 2), Brand: "cafe-lumiere", DraftID: id, DraftVersion: 2,
		InteractionID: "mastodon:109876543210", Network: "mastodon", Lang: "fr", Text: text,
		ContentHash: v1.ContentHash(text), ApprovedBy: "key-5e6f7a8b", Approvers: []string{"key-1a2b3c4d", "key-5e6f7a8b"},
		ApprovedAt: time.Date(2026, 11, 20, 9, 41, 0, 0, time.UTC), KBVersion: 4, VoiceVersion: 2,
		KBEntries: []string{"livraison-delais"}, EditDistance: 12,
	}
	a.PublishRequestID = v1.PublishRequestID(a.ID)
	eventstest.Golden(t, "draft.approved.v1.json", a)
	r := v1.Rejected{
		ID: v1.RejectedID(id, 1), Brand: "cafe-lumiere", DraftID: id, DraftVersion: 1,
		InteractionID: "mastodon:109876543210", RejectedBy: "key-1a2b3c4d", Reason: "ton trop familier",
		RejectedAt: time.Date(2026, 11, 20, 9, 35, 0, 0, time.UTC),
	}
	eventstest.Golden(t, "draft.rejected.v1.json", r)
}

func TestContentHash(t *testing.T) {
	// sha256("abc"), FIPS 180-2 appendix B.1.
	if got, want := v1.ContentHash("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Fatalf("ContentHash = %q, want %q", got, want)
	}
}
