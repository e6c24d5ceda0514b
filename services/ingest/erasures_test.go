package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

// TestErasedAuthorsStayErased: once an author is erased, ingest publishes
// none of their items written before the request (a late delivery, a
// backfill) nor edits of their erased interactions; what they write after
// the request, and other authors' items, are published.
func TestErasedAuthorsStayErased(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	deliver := func(body string) string {
		t.Helper()
		rec := post(svc, "site", body, connector.Sign(webhookSecret, []byte(body)))
		if rec.Code != 200 {
			t.Fatalf("delivery %s: %d %s", body, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	req := privacyv1.ErasureRequested{ID: privacyv1.ErasureID("demo", "generic", "u9", at), Brand: "demo", Network: "generic",
		AuthorID: "u9", Pseudonym: privacyv1.Pseudonym("demo", "generic", "u9"), InteractionIDs: []string{"generic:old-1"},
		RequestedBy: "u-1", RequestedAt: at}
	env, err := events.NewEnvelope(req, req.ID, req.Brand, at)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := bus.NewPublisher(conn.JS)
	if _, err := pub.PublishEvent(context.Background(), req, env); err != nil {
		t.Fatal(err)
	}
	// The service knows the tombstone before its bucket has it.
	kv, err := conn.JS.KeyValue(context.Background(), ingest.ErasuresBucket)
	if err != nil {
		t.Fatal(err)
	}
	ingesttest.WaitUntil(t, "the tombstone", func() bool {
		_, err := kv.Get(context.Background(), privacyv1.SubjectKey("demo", "generic", "u9"))
		return err == nil
	})
	late := `{"id":"old-2","author":{"id":"u9"},"text":"Mon adresse est 3 rue des Lilas","created_at":"2026-11-23T08:00:00Z"}`
	if got := deliver(late); !strings.Contains(got, `"duplicates":["generic:old-2"]`) {
		t.Fatalf("an erased author's older item was published: %s", got)
	}

	if got := deliver(`{"id":"old-1","action":"edited","text":"nouveau texte","edited_at":"2026-11-25T08:00:00Z"}`); !strings.Contains(got, `"duplicates":[`) {
		t.Fatalf("an edit of an erased interaction was published: %s", got)
	}
	if got := deliver(`{"id":"new-1","author":{"id":"u9"},"text":"Bonjour","created_at":"2026-11-25T08:00:00Z"}`); !strings.Contains(got, `"accepted":["generic:new-1"]`) {
		t.Fatalf("a post written after the request: %s", got)
	}
	if got := deliver(`{"id":"other-1","author":{"id":"u1"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`); !strings.Contains(got, `"accepted":["generic:other-1"]`) {
		t.Fatalf("another author's post: %s", got)
	}
	stored := ingesttest.Stored(t, conn)
	if len(stored["generic:old-2"]) != 0 || len(stored) != 2 {
		t.Fatalf("stored %v", stored)
	}
	if n := ingesttest.Metric(t, svc, "ruche_ingest_items_erased_total", "generic"); n < 2 {
		t.Fatalf("erased items counted %v, want at least 2", n)
	}
}
