package moderation_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation"
)

// storedInteractions stands in for analytics' detail endpoint: the
// interactions analytics has stored.
type storedInteractions map[string]v1.Received

func (s storedInteractions) Interaction(_ context.Context, brand, id string) (v1.Received, bool, error) {
	r, ok := s[id]
	return r, ok && r.Brand == brand, nil
}

// TestEditsAreDecidedAgain: an edited text gets a new decision, with an id
// naming the text and carrying it, once however often the edit is delivered.
func TestEditsAreDecidedAgain(t *testing.T) {
	at := time.Now().UTC()
	r := v1.Received{ID: "sandbox:1", Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: "1",
		Author: v1.Author{ID: "a"}, Text: "Super service !", CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
	var (
		mu        sync.Mutex
		decisions []v1.Moderated
	)
	h := start(t, moderation.Deps{Lookup: storedInteractions{r.ID: r}}, func(router *bus.Router) {
		err := bus.Handle(router, "test-watch", func(ctx context.Context, m v1.Moderated, env events.Envelope) error {
			mu.Lock()
			decisions = append(decisions, m)
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	got := func() []v1.Moderated {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(decisions)
	}
	h.publish(t, r, r.ID, r.Brand)
	eventually(t, "the first decision", func() bool { return len(got()) == 1 })

	text := "Service nul, je veux être remboursé"
	u := v1.Updated{ID: v1.UpdatedID(r.ID, text), InteractionID: r.ID, Brand: r.Brand, Network: r.Network, Text: text,
		EditedAt: at.Add(time.Minute), ReceivedAt: at.Add(time.Minute), Source: v1.SourceSandbox}
	h.publish(t, u, u.ID, u.Brand)
	h.publish(t, u, u.ID+"-again", u.Brand) // a redelivery past the bus's window
	eventually(t, "the decision on the edit", func() bool { return len(got()) >= 2 })
	time.Sleep(300 * time.Millisecond)
	ds := got()
	if len(ds) != 2 {
		t.Fatalf("%d decisions, want 2 (the text as received, the edit once)", len(ds))
	}
	first, edit := ds[0], ds[1]
	if edit.ID != v1.ModeratedEditID(r.ID, edit.PolicyVersion, text) || edit.ID == first.ID || edit.InteractionID != r.ID {
		t.Fatalf("decision on the edit %q (first %q)", edit.ID, first.ID)
	}
	if !slices.Contains(first.Labels, "intent:praise") || slices.Contains(edit.Labels, "intent:praise") || !slices.Contains(edit.Labels, "sentiment:negative") {
		t.Fatalf("labels: as received %v, edited %v", first.Labels, edit.Labels)
	}
	// Each decision carries the text it was taken on (drafting reads it).
	if first.Content == nil || first.Content.Text != r.Text || edit.Content == nil || edit.Content.Text != text || edit.Content.Author != r.Author {
		t.Fatalf("content: as received %+v, edited %+v", first.Content, edit.Content)
	}
}
