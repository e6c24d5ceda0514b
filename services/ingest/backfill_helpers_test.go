package ingest_test

import (
	"context"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest"
)

// backfillAll runs a backfill to its end, as the poll loop does, checks that
// nothing older than since comes back, and returns the items and the number
// of pages read.
func backfillAll(t *testing.T, ctx context.Context, b ingest.Backfiller, src ingest.Source, since time.Time) ([]v1.Received, int) {
	t.Helper()
	var got []v1.Received
	cursor, pages := "", 0
	for {
		p, err := b.Backfill(ctx, src, since, cursor)
		if err != nil {
			t.Fatal(err)
		}
		got, cursor, pages = append(got, p.Items...), p.Cursor, pages+1
		if !p.More {
			break
		}
	}
	for _, r := range got {
		if r.CreatedAt.Before(since) {
			t.Fatalf("backfill returned an item before since: %+v", r)
		}
	}
	return got, pages
}
