package drafting_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting"
)

// TestDraftsFromDecisions: drafting reads the text from moderation's
// decision, keeps nothing of an interaction it does not draft for, asks
// analytics only about a decision published before decisions carried their
// text, and answers an edited text from the decision on the edit.
func TestDraftsFromDecisions(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing_kept_of_an_interaction_without_a_draft", func(t *testing.T) {
		h := start(t, nil)
		praise := decision("mastodon:2001", "Super café, merci !", "fr", "praise")
		praise.Actions = nil
		h.publish(t, praise, praise.ID)
		h.arrive(t, "mastodon:2002", "Quels sont vos délais de livraison ?", "fr", "question")
		h.draftOf(t, "mastodon:2002")
		stream := events.StreamName(events.DomainInteraction)
		eventually(t, "both decisions handled", func() bool {
			c, err := h.js.Consumer(ctx, stream, "drafting-moderated")
			if err != nil {
				return false
			}
			info, err := c.Info(ctx)
			return err == nil && info.AckFloor.Consumer == 2 && info.NumPending == 0 && info.NumAckPending == 0
		})
		kv, err := h.js.KeyValue(ctx, drafting.DraftsBucket)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.Keys(ctx)
		if err != nil || len(keys) != 1 || !strings.HasPrefix(keys[0], "cafe.") {
			t.Fatalf("drafts bucket keys %v (%v), want the one draft", keys, err)
		}
		if _, err := h.js.KeyValue(ctx, "drafting_interactions"); !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Fatalf("a bucket of received interactions: %v", err)
		}
		if _, err := h.js.Consumer(ctx, stream, "drafting-received"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
			t.Fatalf("a consumer of received interactions: %v", err)
		}
	})
	t.Run("decision_without_content_is_drafted_from_analytics", func(t *testing.T) {
		h := start(t, nil)
		h.analytics.store(drafting.Interaction{ID: "mastodon:2003", Brand: "cafe", Network: "mastodon",
			Text: "Quels sont vos délais de livraison ?", Lang: "fr", Author: "Léa Martin"})
		old := decision("mastodon:2003", "", "fr", "question")
		old.Content = nil
		h.publish(t, old, old.ID)
		d := h.draftOf(t, "mastodon:2003")
		if len(d.Citations) != 1 || d.Citations[0].EntryID != "livraison-delais" || !strings.Contains(d.Text, "Léa") {
			t.Fatalf("draft = %+v", d)
		}
	})
	t.Run("regeneration_answers_the_edited_text", func(t *testing.T) {
		h := start(t, nil)
		const id = "mastodon:2004"
		h.arrive(t, id, "Puis-je retourner un produit acheté la semaine dernière ?", "fr", "question")
		if d := h.draftOf(t, id); len(d.Citations) != 1 || d.Citations[0].EntryID != "retours" {
			t.Fatalf("draft = %+v", d)
		}
		text := "Quels sont vos délais de livraison ?"
		edit := decision(id, text, "fr", "question")
		edit.ID = interactionv1.ModeratedEditID(id, 0, text)
		h.publish(t, edit, edit.ID)
		ref := query.DraftRef{Brand: "cafe", InteractionID: id}
		var got query.Draft
		eventually(t, "a regeneration citing the edited text's entry", func() bool {
			got = ask(t, h, query.RequestDraft, query.RequestDraftRequest{DraftRef: ref, RequestedBy: "lea"})
			c := got.Current.Citations
			return len(c) == 1 && c[0].EntryID == "livraison-delais"
		})
		if got.Audit[0].Action != "drafted" || got.Current.Version < 2 {
			t.Fatalf("draft = %+v", got)
		}
	})
}
