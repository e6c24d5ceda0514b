package ingest_test

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

// TestEditsAndDeletions: an edit and a deletion of a generic item are
// published once each, long after the bus's window too; an edit back to
// the last text known collapses.
func TestEditsAndDeletions(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	window := shortenDuplicateWindow(t, conn)
	deliver := func(body, want string) {
		t.Helper()
		if rec := post(svc, "site", body, connector.Sign(webhookSecret, []byte(body))); rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("delivery %s: %d %s, want %s", body, rec.Code, rec.Body, want)
		}
	}
	deliver(`{"id":"cmt-1","author":{"id":"u1"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`, `"accepted":["generic:cmt-1"]`)
	edit := `{"id":"cmt-1","text":"Bonjour, c'est réglé","edited_at":"2026-11-23T08:05:00Z"}`
	editID := v1.UpdatedID("generic:cmt-1", "Bonjour, c'est réglé")
	deliver(`{"id":"cmt-1","action":"edited","text":"Bonjour"}`, `"duplicates":["`+v1.UpdatedID("generic:cmt-1", "Bonjour")+`"]`)
	deliver(edit, `"accepted":["`+editID+`"]`)
	time.Sleep(3 * window)
	deliver(edit, `"duplicates":["`+editID+`"]`)
	deliver(`{"id":"cmt-1","action":"deleted","reason":"author"}`, `"accepted":["deleted:generic:cmt-1"]`)
	time.Sleep(3 * window)
	deliver(`{"id":"cmt-1","action":"deleted"}`, `"duplicates":["deleted:generic:cmt-1"]`)
	deliver(`{"id":"cmt-1","action":"edited","text":"après suppression"}`, `"duplicates":[`)

	stored := ingesttest.Stored(t, conn)
	if len(stored["generic:cmt-1"]) != 1 || len(stored[editID]) != 1 || len(stored["deleted:generic:cmt-1"]) != 1 || len(stored) != 3 {
		t.Fatalf("stored %v", stored)
	}
	t.Run("a_deleted_item_delivered_late_is_not_published", func(t *testing.T) {
		deliver(`{"id":"cmt-2","action":"deleted"}`, `"accepted":["deleted:generic:cmt-2"]`)
		deliver(`{"id":"cmt-2","author":{"id":"u1"},"text":"x","created_at":"2026-11-23T08:00:00Z"}`, `"duplicates":["generic:cmt-2"]`)
	})
}
