package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// TestListInteractionsAcrossSlices pages through brands whose interactions
// lie in many of the listing's time slices (an hour before now, then 8, 64,
// 512... hours before that): the order, the cursors and the collapsing of
// copies must not depend on where the slices fall.
func TestListInteractionsAcrossSlices(t *testing.T) {
	h := newHarness(t, nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	var busy []interaction.Received
	// Two in the first hour, then a few in each later slice, and several
	// in one second told apart by milliseconds and ids.
	for i, d := range []time.Duration{
		10 * time.Minute, 50 * time.Minute, 2 * time.Hour, 5 * time.Hour, 8*time.Hour + 59*time.Minute, 9*time.Hour + time.Minute,
		30 * time.Hour, 3 * 24 * time.Hour, 20 * 24 * time.Hour, 100 * 24 * time.Hour, 400 * 24 * time.Hour, 1000 * 24 * time.Hour,
	} {
		r := sampleReceived("cafe-lumiere", fmt.Sprintf("w%02d", i), ago(d))
		if i%2 == 0 {
			r.Author.ID = "even"
		}
		busy = append(busy, r)
	}
	same := ago(40 * time.Hour).Truncate(time.Second)
	for i, ms := range []int{700, 700, 700, 300, 0} {
		busy = append(busy, sampleReceived("cafe-lumiere", fmt.Sprintf("s%d", i), same.Add(time.Duration(ms)*time.Millisecond)))
	}
	// An interaction stored twice identically (a redelivery), and one
	// received again later: the later copy replaces the first, which must
	// not be listed where it stood.
	redelivered := sampleReceived("cafe-lumiere", "dup", ago(6*time.Hour))
	moved := sampleReceived("cafe-lumiere", "moved", ago(200*24*time.Hour))
	busy = append(busy, redelivered, moved)
	// An old, sparse brand: three interactions two to three years ago.
	var sparse []interaction.Received
	for i, d := range []time.Duration{2 * 365 * 24 * time.Hour, 2*365*24*time.Hour + time.Minute, 3 * 365 * 24 * time.Hour} {
		sparse = append(sparse, sampleReceived("vieille-maison", fmt.Sprintf("o%d", i), ago(d)))
	}
	for _, r := range append(append([]interaction.Received{}, busy...), sparse...) {
		h.publish(r, r.Brand, r.ID)
	}
	h.publish(redelivered, redelivered.Brand, redelivered.ID+"#again")
	stored := len(busy) + len(sparse) + 1
	eventually(t, 10*time.Second, "the first copies", func() bool { return h.rowsWritten("interactions") == float64(stored) && h.settled() })
	time.Sleep(1100 * time.Millisecond) // a later inserted_at for the new copy
	again := moved
	again.ReceivedAt = ago(90 * time.Minute)
	h.publish(again, again.Brand, again.ID+"#later")
	eventually(t, 10*time.Second, "the later copy", func() bool { return h.rowsWritten("interactions") == float64(stored+1) && h.settled() })

	newestFirst := func(rs []interaction.Received) string {
		rs = append([]interaction.Received{}, rs...)
		sort.Slice(rs, func(i, j int) bool {
			a, b := rs[i].ReceivedAt.Truncate(time.Millisecond), rs[j].ReceivedAt.Truncate(time.Millisecond)
			if !a.Equal(b) {
				return a.After(b)
			}
			return rs[i].ID > rs[j].ID
		})
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	busy[len(busy)-1] = again // the listing shows the later copy only

	for _, tc := range []struct {
		brand string
		want  []interaction.Received
	}{{"cafe-lumiere", busy}, {"vieille-maison", sparse}} {
		for _, limit := range []int{1, 2, 3, 7, 50} {
			t.Run(fmt.Sprintf("%s_limit_%d", tc.brand, limit), func(t *testing.T) {
				items, pages := h.listAll(tc.brand, limit)
				if got, want := strings.Join(ids(items), ","), newestFirst(tc.want); got != want {
					t.Fatalf("listed\n%s\nwant\n%s", got, want)
				}
				if want := (len(tc.want) + limit - 1) / limit; pages != want {
					t.Fatalf("%d pages, want %d", pages, want)
				}
				for _, it := range items {
					if it.ID == again.ID && !it.ReceivedAt.Equal(again.ReceivedAt.Truncate(time.Millisecond)) {
						t.Fatalf("%s listed with received_at %s, want the later copy's %s", it.ID, it.ReceivedAt, again.ReceivedAt)
					}
				}
			})
		}
	}

	t.Run("a_filter_pages_across_slices", func(t *testing.T) {
		var even []interaction.Received
		for _, r := range busy {
			if r.Author.ID == "even" {
				even = append(even, r)
			}
		}
		req := query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere", Limit: 2},
			InteractionFilter: query.InteractionFilter{AuthorID: "even"}}
		var got []string
		for page := 0; page < 10; page++ {
			var resp query.ListInteractionsResponse
			if err := h.request(query.ListInteractionsSubject, req, &resp); err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(resp.Items)...)
			if resp.NextCursor == "" {
				break
			}
			req.Cursor = resp.NextCursor
		}
		if got, want := strings.Join(got, ","), newestFirst(even); got != want {
			t.Fatalf("listed\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("a_copy_the_view_has_not_written_yet_is_listed_in_its_place", func(t *testing.T) {
		// The materialized view writes interactions_by_received just after
		// interactions: for a moment the index only has the copy the new one
		// supersedes. When both are in the stretch of the listing a batch
		// reads (the first hour, here), the new copy is listed, once, where
		// it stands.
		ctx := context.Background()
		if err := h.db.Conn().Exec(ctx, "DETACH TABLE interactions_by_received_mv"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := h.db.Conn().Exec(ctx, "ATTACH TABLE interactions_by_received_mv"); err != nil {
				t.Fatal(err)
			}
		}()
		latest := busy[1] // 50 minutes ago, in the first slice, received again now
		latest.ReceivedAt = ago(3 * time.Minute)
		row := receivedRow(latest, time.Now().Add(time.Hour))
		if err := (newStore(h.db)).write(ctx, []interactionRow{row}, nil, nil); err != nil {
			t.Fatal(err)
		}
		want := append([]interaction.Received{}, busy...)
		want[1] = latest
		for _, limit := range []int{1, 4, 50} {
			items, _ := h.listAll("cafe-lumiere", limit)
			if got, want := strings.Join(ids(items), ","), newestFirst(want); got != want {
				t.Fatalf("limit %d: listed\n%s\nwant\n%s", limit, got, want)
			}
		}
	})

	t.Run("an_empty_brand_lists_nothing", func(t *testing.T) {
		resp, err := h.list(query.ListInteractionsRequest{Brand: "personne"})
		if err != nil || len(resp.Items) != 0 || resp.NextCursor != "" {
			t.Fatalf("items %d, cursor %q, err %v", len(resp.Items), resp.NextCursor, err)
		}
	})
}
