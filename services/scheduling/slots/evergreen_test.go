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
	// A post of another kind, the day before the first slot.
	other := []slots.Placed{{At: start.Add(-day), PostID: "x"}}
	for _, tc := range []struct {
		name  string
		free  []slots.Opening
		pool  []slots.Evergreen
		rules slots.Rules
		// want is the post given each free slot, "" for a slot left free.
		want []string
	}{
		{"rotates_and_respects_the_gap", daily(10),
			[]slots.Evergreen{{PostID: "c"}, {PostID: "a"}, {PostID: "b"}}, slots.Rules{Gap: 7 * day},
			[]string{"a", "b", "c", "", "", "", "", "a", "b", "c"}},
		{"least_recently_published_first", daily(2),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-30 * day)}},
				{PostID: "b", Publications: []time.Time{start.Add(-60 * day), start.Add(-90 * day)}}}, slots.Rules{Gap: 7 * day},
			[]string{"b", "a"}},
		{"never_published_before_published", daily(2),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-300 * day)}}, {PostID: "z"}}, slots.Rules{Gap: 7 * day},
			[]string{"z", "a"}},
		{"a_recent_publication_blocks", daily(3),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-5 * day)}}}, slots.Rules{Gap: 7 * day, Placed: other},
			[]string{"", "", "a"}},
		{"a_scheduled_publication_blocks_both_sides", daily(11),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(5 * day)}}},
			slots.Rules{Gap: 5 * day, Placed: []slots.Placed{{At: start.Add(60 * time.Hour), PostID: "x"}, {At: start.Add(180 * time.Hour), PostID: "x"}}},
			[]string{"a", "", "", "", "", "", "", "", "", "", "a"}},
		{"gap_exactly_met", []slots.Opening{{At: start}},
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(-7 * day)}}}, slots.Rules{Gap: 7 * day, Placed: other},
			[]string{"a"}},
		{"no_gap_no_recycling", daily(3), []slots.Evergreen{{PostID: "a"}}, slots.Rules{}, []string{"", "", ""}},
		{"never_twice_in_a_row", daily(3), []slots.Evergreen{{PostID: "a"}}, slots.Rules{Gap: day},
			[]string{"a", "", ""}},
		{"another_post_between", daily(3), []slots.Evergreen{{PostID: "a"}},
			slots.Rules{Gap: day, Placed: []slots.Placed{{At: start.Add(36 * time.Hour), PostID: "x"}}},
			[]string{"a", "", "a"}},
		{"not_next_to_its_scheduled_self", daily(2),
			[]slots.Evergreen{{PostID: "a", Publications: []time.Time{start.Add(30 * day)}}, {PostID: "b", Publications: []time.Time{start.Add(-30 * day)}}},
			slots.Rules{Gap: 7 * day, Placed: other}, []string{"b", ""}},
		{"max_reposts", daily(6), []slots.Evergreen{{PostID: "a", Reposts: 1}, {PostID: "b"}}, slots.Rules{Gap: day, MaxReposts: 2},
			[]string{"a", "b", "", "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slots.Recycle(tc.free, tc.pool, tc.rules)
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
		slots.Recycle(daily(3), pool, slots.Rules{Gap: day})
		if len(pool[0].Publications) != 0 {
			t.Errorf("pool changed: %v", pool)
		}
		if got := pool[0].Publications[:3]; !got[0].IsZero() {
			t.Errorf("the pool's backing array was written: %v", got)
		}
	})
}
