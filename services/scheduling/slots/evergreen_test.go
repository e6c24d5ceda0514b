package slots_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/scheduling/slots"
)

func TestRecycle(t *testing.T) {
	day := 24 * time.Hour
	start := utc("2026-12-07T09:00:00Z")
	daily := func(n int) []slots.Opening {
		out := make([]slots.Opening, n)
		for i := range out {
			out[i] = slots.Opening{At: start.Add(time.Duration(i) * day)}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		free []slots.Opening
		pool []slots.Evergreen
		gap  time.Duration
		// want is the post given each free slot, "" for a slot left free.
		want []string
	}{
		{"rotates_and_respects_the_gap", daily(10),
			[]slots.Evergreen{{PostID: "c"}, {PostID: "a"}, {PostID: "b"}}, 7 * day,
			[]string{"a", "b", "c", "", "", "", "", "a", "b", "c"}},
		{"least_recently_published_first", daily(2),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-30 * day)}},
				{PostID: "b", Publications: []time.Time{start.Add(-60 * day), start.Add(-90 * day)}}}, 7 * day,
			[]string{"b", "a"}},
		{"never_published_before_published", daily(2),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-300 * day)}}, {PostID: "z"}}, 7 * day,
			[]string{"z", "a"}},
		{"a_recent_publication_blocks", daily(3),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-5 * day)}}}, 7 * day,
			[]string{"", "", "a"}},
		{"a_scheduled_publication_blocks_both_sides", daily(11),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(5 * day)}}}, 5 * day,
			[]string{"a", "", "", "", "", "", "", "", "", "", "a"}},
		{"gap_exactly_met", []slots.Opening{{At: start}},
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-7 * day)}}}, 7 * day,
			[]string{"a"}},
		{"no_gap_no_recycling", daily(3), []slots.Evergreen{{PostID: "a"}}, 0, []string{"", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slots.Recycle(tc.free, tc.pool, tc.gap)
			byAt := map[time.Time]string{}
			for _, r := range got {
				byAt[r.Slot.At] = r.PostID
			}
			for i, f := range tc.free {
				if byAt[f.At] != tc.want[i] {
					t.Errorf("slot %d: %q, want %q (all: %v)", i, byAt[f.At], tc.want[i], got)
				}
			}
			if len(got) > len(tc.free) {
				t.Errorf("%d recycled for %d slots", len(got), len(tc.free))
			}
		})
	}
	t.Run("does_not_change_the_pool", func(t *testing.T) {
		pool := []slots.Evergreen{{PostID: "a", Publications: make([]time.Time, 0, 8)}}
		slots.Recycle(daily(3), pool, day)
		if len(pool[0].Publications) != 0 {
			t.Errorf("pool changed: %v", pool)
		}
		if got := pool[0].Publications[:3]; !got[0].IsZero() {
			t.Errorf("the pool's backing array was written: %v", got)
		}
	})
}
