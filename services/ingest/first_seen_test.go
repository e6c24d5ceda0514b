package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

// shortenDuplicateWindow makes the bus forget event ids after 100 ms, so
// that a test can re-read an item "long after" the window.
func shortenDuplicateWindow(t *testing.T, conn *bus.Conn) time.Duration {
	t.Helper()
	ctx := context.Background()
	s, err := conn.JS.Stream(ctx, "RUCHE_INTERACTION")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.Duplicates = 100 * time.Millisecond
	if _, err := conn.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Duplicates
}

func TestFirstSeenWins(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	stop := ingesttest.Run(t, svc)
	window := shortenDuplicateWindow(t, conn)
	first := `{"id":"cmt-1","author":{"id":"u1"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`
	if rec := post(svc, "site", first, connector.Sign(webhookSecret, []byte(first))); !strings.Contains(rec.Body.String(), `"accepted":["generic:cmt-1"]`) {
		t.Fatalf("first delivery: %d %s", rec.Code, rec.Body)
	}
	stored := ingesttest.Stored(t, conn)["generic:cmt-1"]
	if len(stored) != 1 {
		t.Fatalf("stored %d copies", len(stored))
	}
	firstReceived := stored[0].ReceivedAt
	t.Run("a_re_read_after_the_bus_window_is_a_no_op", func(t *testing.T) {
		time.Sleep(3 * window)
		rec := post(svc, "site", first, connector.Sign(webhookSecret, []byte(first)))
		if !strings.Contains(rec.Body.String(), `"duplicates":["generic:cmt-1"]`) {
			t.Fatalf("re-read: %d %s", rec.Code, rec.Body)
		}
		if got := ingesttest.Stored(t, conn)["generic:cmt-1"]; len(got) != 1 || !got[0].ReceivedAt.Equal(firstReceived) {
			t.Fatalf("stored %+v", got)
		}
	})
	t.Run("a_re_read_after_a_restart_is_a_no_op", func(t *testing.T) {
		stop()
		again, _ := ingesttest.New(t, conn, "test-replica")
		ingesttest.Run(t, again)
		time.Sleep(3 * window)
		rec := post(again, "site", first, connector.Sign(webhookSecret, []byte(first)))
		if !strings.Contains(rec.Body.String(), `"duplicates":["generic:cmt-1"]`) {
			t.Fatalf("re-read: %d %s", rec.Code, rec.Body)
		}
		if got := ingesttest.Stored(t, conn)["generic:cmt-1"]; len(got) != 1 || !got[0].ReceivedAt.Equal(firstReceived) || got[0].Source != stored[0].Source {
			t.Fatalf("stored %+v", got)
		}
	})
	t.Run("the_same_item_for_another_brand_is_published", func(t *testing.T) {
		// One post can mention two brands: each receives it once.
		svc3, sources := ingesttest.New(t, conn, "test-replica-3")
		rival := connector.Source{ID: "rival-site", Brand: "rival", Network: "generic", Secrets: map[string]string{"secret": string(webhookSecret)}}
		if err := sources.Put(context.Background(), rival); err != nil {
			t.Fatal(err)
		}
		rec := post(svc3, "rival-site", first, connector.Sign(webhookSecret, []byte(first)))
		if !strings.Contains(rec.Body.String(), `"accepted":["generic:cmt-1"]`) {
			t.Fatalf("the rival brand's delivery: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("a_new_item_is_still_published", func(t *testing.T) {
		second := `{"id":"cmt-2","author":{"id":"u1"},"text":"Merci","created_at":"2026-11-23T08:01:00Z"}`
		svc2, _ := ingesttest.New(t, conn, "test-replica-2")
		if rec := post(svc2, "site", second, connector.Sign(webhookSecret, []byte(second))); !strings.Contains(rec.Body.String(), `"accepted":["generic:cmt-2"]`) {
			t.Fatalf("new item: %d %s", rec.Code, rec.Body)
		}
	})
}
