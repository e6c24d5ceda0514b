package analytics

import (
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// TestEditsAndDeletions: an edited interaction shows its latest text with
// the edited mark and keeps its history; a deleted one leaves the open
// queue; a redelivery of either changes nothing.
func TestEditsAndDeletions(t *testing.T) {
	d := &dataset{}
	edited := d.interaction("cafe-lumiere", in{kind: "comment", id: "1", author: "a1", text: "Ma commande est en retard", at: t0.Add(time.Hour)})
	deleted := d.interaction("cafe-lumiere", in{kind: "comment", id: "2", author: "a2", text: "Achetez des cryptos ici", at: t0.Add(2 * time.Hour)})
	kept := d.interaction("cafe-lumiere", in{kind: "comment", id: "3", author: "a3", text: "Merci !", at: t0.Add(3 * time.Hour)})
	d.edit(edited, "Ma commande est arrivée, merci", 10*time.Minute)
	d.edit(edited, "Ma commande est arrivée, merci beaucoup", 20*time.Minute)
	d.remove(deleted, 5*time.Minute)
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			all, _ := h.listAll("cafe-lumiere", 10)
			byID := map[string]query.Interaction{}
			for _, it := range all {
				byID[it.ID] = it
			}
			got := byID[edited.ID]
			if got.Text != "Ma commande est arrivée, merci beaucoup" || got.EditedAt == nil || !got.EditedAt.Equal(edited.CreatedAt.Add(20*time.Minute)) {
				t.Fatalf("edited interaction = %+v", got)
			}
			if k := byID[kept.ID]; k.EditedAt != nil || k.DeletedAt != nil || k.Text != "Merci !" {
				t.Fatalf("untouched interaction = %+v", k)
			}
			if del := byID[deleted.ID]; del.DeletedAt == nil || !del.DeletedAt.Equal(deleted.CreatedAt.Add(5*time.Minute)) {
				t.Fatalf("deleted interaction = %+v", del)
			}
			var open query.ListInteractionsResponse
			if err := h.request(query.ListInteractionsSubject, query.SearchInteractionsRequest{
				ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"},
				InteractionFilter:       query.InteractionFilter{Statuses: []string{query.StatusOpen}}}, &open); err != nil {
				t.Fatal(err)
			}
			if got := ids(open.Items); len(got) != 2 || got[0] != kept.ID || got[1] != edited.ID {
				t.Fatalf("open = %v, want the kept and the edited ones", got)
			}

			var detail query.InteractionDetail
			if err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: edited.ID}, &detail); err != nil {
				t.Fatal(err)
			}
			want := []string{"Ma commande est en retard", "Ma commande est arrivée, merci", "Ma commande est arrivée, merci beaucoup"}
			if len(detail.Edits) != len(want) || detail.Text != want[2] || detail.EditedAt == nil {
				t.Fatalf("detail = %+v", detail)
			}
			for i, v := range detail.Edits {
				if v.Text != want[i] {
					t.Fatalf("history[%d] = %q, want %q", i, v.Text, want[i])
				}
			}
			if !detail.Edits[0].At.Equal(edited.CreatedAt) {
				t.Fatalf("the text as received is dated %v, want %v", detail.Edits[0].At, edited.CreatedAt)
			}
			var gone query.InteractionDetail
			if err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: deleted.ID}, &gone); err != nil {
				t.Fatal(err)
			}
			if gone.Status != query.StatusDeleted || len(gone.Edits) != 0 {
				t.Fatalf("deleted detail: status %q, edits %v", gone.Status, gone.Edits)
			}
			// Rows: one per edit and per deletion, however often delivered.
			if n := h.count("SELECT count() FROM interaction_edits FINAL WHERE brand = 'cafe-lumiere'"); n != 2 {
				t.Fatalf("%d edit rows, want 2", n)
			}
			if n := h.count("SELECT count() FROM interaction_deletions FINAL WHERE brand = 'cafe-lumiere'"); n != 1 {
				t.Fatalf("%d deletion rows, want 1", n)
			}
		})
	}
}

// TestTextSearchReadsTheCurrentText: the inbox's text filter matches an
// edited interaction on its latest text, not the text as received.
func TestTextSearchReadsTheCurrentText(t *testing.T) {
	d := &dataset{}
	edited := d.interaction("cafe-lumiere", in{kind: "comment", id: "1", author: "a1", text: "Ma commande est en retard", at: t0.Add(time.Hour)})
	kept := d.interaction("cafe-lumiere", in{kind: "comment", id: "2", author: "a2", text: "Commande reçue, en retard mais merci", at: t0.Add(2 * time.Hour)})
	d.edit(edited, "Ma commande est arrivée, merci", 10*time.Minute)
	h := seededN(t, d, 1)
	search := func(text string) []string {
		var out query.ListInteractionsResponse
		if err := h.request(query.ListInteractionsSubject, query.SearchInteractionsRequest{
			ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"},
			InteractionFilter:       query.InteractionFilter{Text: text}}, &out); err != nil {
			t.Fatal(err)
		}
		return ids(out.Items)
	}
	if got := search("retard"); len(got) != 1 || got[0] != kept.ID {
		t.Fatalf("retard = %v, want only the unedited one", got)
	}
	if got := search("ARRIVEE"); len(got) != 1 || got[0] != edited.ID {
		t.Fatalf("arrivée = %v, want the edited one", got)
	}
	if got := search("merci"); len(got) != 2 {
		t.Fatalf("merci = %v, want both", got)
	}
}
