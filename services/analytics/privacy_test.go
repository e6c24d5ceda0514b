package analytics

import (
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

func (h *harness) exportPerson(brand, network, author string) query.PersonData {
	h.t.Helper()
	var out query.PersonData
	if err := h.request(query.ExportPerson.Subject(), query.PersonRequest{Brand: brand, Network: network, AuthorID: author}, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// TestPersonExportAndErasure: the export lists what analytics holds about
// one author; an erasure pseudonymises it everywhere without changing the
// brand's counts, and a replay of the author's events afterwards stays
// erased, while what the author writes after the request is stored.
func TestPersonExportAndErasure(t *testing.T) {
	const brand = "cafe-lumiere"
	d := &dataset{}
	first := d.interaction(brand, in{kind: "comment", id: "1", author: "priya", text: "Ma commande 4411 n'est pas arrivée, priya@example.com", at: t0.Add(time.Hour)})
	second := d.interaction(brand, in{kind: "reply", id: "2", thread: "1", author: "priya", text: "Toujours rien", at: t0.Add(2 * time.Hour)})
	other := d.interaction(brand, in{kind: "comment", id: "3", author: "bob", text: "Merci !", at: t0.Add(3 * time.Hour)})
	d.moderate(first, mod{verdict: "review", labels: []string{"intent:complaint"}})
	d.edit(first, "Ma commande 4411 est arrivée", 10*time.Minute)
	d.reply(second, "r-1", 5*time.Minute)
	d.decide(second, casev1.DecisionClose, "", 20*time.Minute)
	d.follow(brand, "mastodon", "priya", 12, t0)
	d.follow(brand, "mastodon", "bob", 3, t0)
	h := seededN(t, d, 1)

	got := h.exportPerson(brand, "mastodon", "priya")
	if len(got.Interactions) != 2 || got.Interactions[0].ID != first.ID || got.Interactions[1].ID != second.ID {
		t.Fatalf("export interactions = %+v", got.Interactions)
	}
	if e := got.Interactions[0]; e.Text != "Ma commande 4411 est arrivée" || len(e.Edits) != 2 || e.Verdict != "review" {
		t.Fatalf("first interaction = %+v", e)
	}
	if len(got.Replies) != 1 || got.Replies[0].InteractionID != second.ID || len(got.CaseDecisions) != 1 ||
		len(got.Follows) != 1 || got.Follows[0].Followers != 12 || len(got.Erasures) != 0 {
		t.Fatalf("export = %+v", got)
	}
	t.Run("bad_requests_name_the_field", func(t *testing.T) {
		var out query.PersonData
		err := h.request(query.ExportPerson.Subject(), query.PersonRequest{Brand: brand, Network: "mastodon"}, &out)
		if le, ok := asListErr(err); !ok || le.code != "400" {
			t.Fatalf("missing author: %v", err)
		}
	})

	at := t0.Add(24 * time.Hour)
	req := privacyv1.ErasureRequested{ID: privacyv1.ErasureID(brand, "mastodon", "priya", at), Brand: brand, Network: "mastodon",
		AuthorID: "priya", Pseudonym: privacyv1.Pseudonym(brand, "mastodon", "priya"), RequestedBy: "u-1", RequestedAt: at}
	h.publish(req, brand, req.ID)
	eventually(t, 20*time.Second, "the erasure", func() bool {
		got := h.exportPerson(brand, "mastodon", "priya")
		// The erasure's last steps: the follows, the author lookup.
		return len(got.Erasures) == 1 && len(got.Interactions) == 0 && len(got.Follows) == 0 &&
			h.count("SELECT count() FROM interactions_by_author WHERE brand = ? AND author_id = 'priya'", brand) == 0
	})
	assertErased := func(t *testing.T) {
		t.Helper()
		if got := h.exportPerson(brand, "mastodon", "priya"); len(got.Interactions) != 0 || len(got.Follows) != 0 {
			t.Fatalf("after the erasure the export still holds %+v", got)
		}
		for _, table := range []string{"interactions", "interaction_rows"} { // and the item panel's copy (migration 0016)
			if n := h.count("SELECT count() FROM "+table+" WHERE brand = ? AND (author_id = 'priya' OR author_handle != '' AND author_id = ? OR position(text, 'commande') > 0 OR position(text, 'rien') > 0)", brand, req.Pseudonym); n != 0 {
				t.Fatalf("%d stored copies in %s still carry the author's data", n, table)
			}
		}
		// The inbox's author lookup (migration 0015) moved to the pseudonym.
		if n := h.count("SELECT count() FROM interactions_by_author WHERE brand = ? AND author_id = 'priya'", brand); n != 0 {
			t.Fatalf("%d rows of the author lookup still name the author", n)
		}
		if n := h.count("SELECT count() FROM interactions_by_author FINAL WHERE brand = ? AND author_id = ?", brand, req.Pseudonym); n != 2 {
			t.Fatalf("%d rows of the author lookup under the pseudonym, want 2", n)
		}
		if n := h.count("SELECT count() FROM interaction_edits WHERE brand = ? AND text != ''", brand); n != 0 {
			t.Fatalf("%d edits keep their text", n)
		}
		if n := h.count("SELECT count() FROM followers WHERE brand = ? AND follower_id = 'priya'", brand); n != 0 {
			t.Fatalf("%d follows of the erased author", n)
		}
		// The brand's counts do not change: the rows stay, pseudonymised.
		if n := h.count("SELECT count() FROM interactions FINAL WHERE brand = ? AND author_id = ?", brand, req.Pseudonym); n != 2 {
			t.Fatalf("%d pseudonymised interactions, want 2", n)
		}
		all, _ := h.listAll(brand, 10)
		if len(all) != 3 {
			t.Fatalf("the inbox lists %d interactions, want 3", len(all))
		}
		if o := h.exportPerson(brand, "mastodon", "bob"); len(o.Interactions) != 1 || o.Interactions[0].Text != other.Text || len(o.Follows) != 1 {
			t.Fatalf("another author was touched: %+v", o)
		}
	}
	t.Run("erased_everywhere", assertErased)

	t.Run("a_replay_stays_erased", func(t *testing.T) {
		before := h.rowsWritten("interactions")
		edits := h.rowsWritten("interaction_edits")
		// Past JetStream's duplicate window: new message ids.
		for i, e := range d.events {
			switch e.(type) {
			case interaction.Received, interaction.Updated:
				h.publish(e, brand, "replay-"+eventID(e)+"-"+itoa(uint64(i)))
			}
		}
		eventually(t, 20*time.Second, "the replay to be stored", func() bool {
			return h.rowsWritten("interactions") == before+3 && h.rowsWritten("interaction_edits") == edits+1 && h.allSettled()
		})
		assertErased(t)
	})

	t.Run("what_the_author_writes_later_is_new_data", func(t *testing.T) {
		d2 := &dataset{}
		later := d2.interaction(brand, in{kind: "comment", id: "4", author: "priya", text: "Bonjour à nouveau", at: at.Add(time.Hour)})
		h.seed(d2, 1)
		got := h.exportPerson(brand, "mastodon", "priya")
		if len(got.Interactions) != 1 || got.Interactions[0].ID != later.ID || got.Interactions[0].Text != later.Text {
			t.Fatalf("export after a new post = %+v", got.Interactions)
		}
	})
}
