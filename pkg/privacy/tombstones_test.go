package privacy_test

import (
	"context"
	"testing"
	"time"

	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func request(brand, network, author string, at time.Time, ids ...string) privacyv1.ErasureRequested {
	return privacyv1.ErasureRequested{ID: privacyv1.ErasureID(brand, network, author, at), Brand: brand, Network: network,
		AuthorID: author, Pseudonym: privacyv1.Pseudonym(brand, network, author), InteractionIDs: ids, RequestedAt: at}
}

func TestTombstones(t *testing.T) {
	conn := testkit.NATS(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	a, err := privacy.Open(ctx, conn.JS, "test_erasures", 1, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := privacy.Open(ctx, conn.JS, "test_erasures", 1, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if _, err := a.Add(ctx, privacy.FromRequest(request("demo", "mastodon", "109", at, "m:1"))); err != nil {
		t.Fatal(err)
	}
	pseudonym := privacyv1.Pseudonym("demo", "mastodon", "109")
	t.Run("the_writer_knows_at_once", func(t *testing.T) {
		if p, ok := a.Author("demo", "mastodon", "109", at.Add(-time.Hour)); !ok || p != pseudonym {
			t.Fatalf("Author = %q, %v", p, ok)
		}
		if p, ok := a.Interaction("demo", "m:1"); !ok || p != pseudonym {
			t.Fatalf("Interaction = %q, %v", p, ok)
		}
	})
	t.Run("another_replica_learns_by_the_watch", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, ok := b.Interaction("demo", "m:1"); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the second set never saw the tombstone")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("later_posts_and_other_brands_are_not_erased", func(t *testing.T) {
		if _, ok := a.Author("demo", "mastodon", "109", at.Add(time.Second)); ok {
			t.Fatal("a post written after the request is new data")
		}
		if _, ok := a.Author("other", "mastodon", "109", at.Add(-time.Hour)); ok {
			t.Fatal("another brand's author is not erased")
		}
		if _, ok := a.Author("demo", "bluesky", "109", at.Add(-time.Hour)); ok {
			t.Fatal("the same id on another network is another person")
		}
	})
	t.Run("a_second_request_merges", func(t *testing.T) {
		later := at.Add(24 * time.Hour)
		got, err := b.Add(ctx, privacy.FromRequest(request("demo", "mastodon", "109", later, "m:2")))
		if err != nil {
			t.Fatal(err)
		}
		if !got.ErasedAt.Equal(later) || len(got.Requests) != 2 || len(got.InteractionIDs) != 2 {
			t.Fatalf("merged = %+v", got)
		}
		// Reopened, the set reads the merged record back.
		c, err := privacy.Open(ctx, conn.JS, "test_erasures", 1, testkit.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, ok := c.Interaction("demo", "m:1"); !ok {
			t.Fatal("the first request's ids were lost")
		}
		if _, ok := c.Author("demo", "mastodon", "109", at.Add(time.Hour)); !ok {
			t.Fatal("the later erasure time was lost")
		}
	})
}
