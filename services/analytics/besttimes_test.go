package analytics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// bestTimesAsOf ends a 90-day period from 2026-08-25; November 2026 in
// Paris is UTC+1.
var bestTimesAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// bestTimesDataset (mastodon, cafe-lumiere, posts by the brand's account):
//
//	Tuesdays 18:00 Paris (Nov 3, 10, 17): 5, 4, 6 engagements → mean 5
//	Mondays 09:00 Paris (Nov 2, 9, 16): 1, 0, 2 → mean 1
//	Fridays 12:00 Paris (Nov 6, 13): 10 each → mean 10, but two posts only
//	Saturday Nov 21 (younger than 72 h at as_of): 50, left out
//
// and on the Tuesday posts what does not count: a comment four days after
// the post, a spam comment, the brand's own reply, a DM, and a comment
// with the same thread id on another network.
// Brand "petit-four" has two posts only: its answer ranks its community's
// activity (Wednesdays 20:00 Paris, 3 engagements; Sunday 10:00, 1).
func bestTimesDataset() *dataset {
	d := &dataset{}
	const b = "cafe-lumiere"
	n := 0
	post := func(brand string, at time.Time, engagements int) string {
		n++
		id := fmt.Sprintf("post%d", n)
		d.interaction(brand, in{kind: "post", id: id, thread: id, author: brand, text: "post", at: at})
		for i := 0; i < engagements; i++ {
			n++
			r := d.interaction(brand, in{kind: []string{"comment", "reply", "mention"}[i%3], id: fmt.Sprintf("c%d", n), thread: id,
				author: fmt.Sprintf("fan%d", i), text: "super", at: at.Add(time.Duration(i+1) * time.Hour)})
			d.moderate(r, mod{verdict: "allow"})
		}
		return id
	}
	paris := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour-1, 0, 0, 0, time.UTC) }
	tuesday := post(b, paris(3, 18), 5)
	post(b, paris(10, 18), 4)
	post(b, paris(17, 18), 6)
	post(b, paris(2, 9), 1)
	post(b, paris(9, 9), 0)
	post(b, paris(16, 9), 2)
	post(b, paris(6, 12), 10)
	post(b, paris(13, 12), 10)
	post(b, paris(21, 10), 50)
	late := d.interaction(b, in{kind: "comment", id: "late", thread: tuesday, author: "fan9", text: "x", at: paris(7, 19)})
	d.moderate(late, mod{verdict: "allow"})
	spam := d.interaction(b, in{kind: "comment", id: "spam", thread: tuesday, author: "bot", text: "x", at: paris(3, 19)})
	d.moderate(spam, mod{verdict: "spam", labels: []string{"spam"}})
	d.interaction(b, in{kind: "reply", id: "own", thread: tuesday, author: b, text: "merci", at: paris(3, 20)})
	d.interaction(b, in{kind: "dm", id: "dm", thread: tuesday, author: "fan1", text: "x", at: paris(3, 20)})
	d.interaction(b, in{network: "bluesky", kind: "comment", id: "other-net", thread: tuesday, author: "fan1", text: "x", at: paris(3, 20)})

	const small = "petit-four"
	post(small, paris(4, 20), 3) // Wednesday 20:00 → comments at 21:00, 22:00, 23:00
	post(small, paris(8, 10), 1) // Sunday 10:00 → a comment at 11:00
	return d
}

func slotsOf(s []query.PostingSlot) string {
	var out []string
	for _, x := range s {
		out = append(out, fmt.Sprintf("%d/%02d:%d/%d=%.2f", x.Weekday, x.Hour, x.Posts, x.Interactions, x.Score))
	}
	return strings.Join(out, " ")
}

func TestBestTimes(t *testing.T) {
	for name, h := range seeded(t, bestTimesDataset()) {
		t.Run(name, func(t *testing.T) {
			t.Run("ranked_per_post", func(t *testing.T) {
				var bt query.BestTimesToPost
				if err := h.request(query.BestTimesSubject, query.BestTimesRequest{Brand: "cafe-lumiere", TZ: "Europe/Paris", AsOf: bestTimesAsOf}, &bt); err != nil {
					t.Fatal(err)
				}
				if bt.Measure != query.MeasurePerPost || bt.Definition == "" || bt.Reason.FR == "" || bt.Reason.EN == "" {
					t.Errorf("measure %q, definition %q, reason %+v", bt.Measure, bt.Definition, bt.Reason)
				}
				// Friday's mean is higher, but two posts are no evidence.
				if got, want := slotsOf(bt.Slots), "2/18:3/15=5.00 1/09:3/3=1.00"; got != want {
					t.Errorf("slots %s, want %s", got, want)
				}
				if got, want := slotsOf(bt.Grid), "1/09:3/3=1.00 2/18:3/15=5.00 5/12:2/20=10.00"; got != want {
					t.Errorf("grid %s, want %s", got, want)
				}
				if bt.Posts != 8 || bt.Interactions != 38 {
					t.Errorf("evidence: %d posts, %d interactions; want 8, 38", bt.Posts, bt.Interactions)
				}
				if !bt.To.Equal(bestTimesAsOf) || !bt.From.Equal(bestTimesAsOf.AddDate(0, 0, -90)) {
					t.Errorf("period %s – %s", bt.From, bt.To)
				}
			})
			t.Run("read_in_the_brand_zone", func(t *testing.T) {
				var bt query.BestTimesToPost
				if err := h.request(query.BestTimesSubject, query.BestTimesRequest{Brand: "cafe-lumiere", TZ: "America/New_York", AsOf: bestTimesAsOf, Limit: 1}, &bt); err != nil {
					t.Fatal(err)
				}
				// Tuesday 18:00 in Paris is Tuesday 12:00 in New York.
				if got, want := slotsOf(bt.Slots), "2/12:3/15=5.00"; got != want {
					t.Errorf("slots %s, want %s", got, want)
				}
			})
			t.Run("few_posts_rank_the_community_activity", func(t *testing.T) {
				var bt query.BestTimesToPost
				if err := h.request(query.BestTimesSubject, query.BestTimesRequest{Brand: "petit-four", TZ: "Europe/Paris", AsOf: bestTimesAsOf, Days: 28}, &bt); err != nil {
					t.Fatal(err)
				}
				if bt.Measure != query.MeasureAudience || bt.Posts != 2 || bt.Interactions != 4 || !strings.Contains(bt.Reason.EN, "only 2 posts") {
					t.Errorf("measure %q, %d posts, %d interactions, reason %q", bt.Measure, bt.Posts, bt.Interactions, bt.Reason.EN)
				}
				// 28 days are 4 weeks: one engagement is 0.25 a week.
				if got, want := slotsOf(bt.Slots), "3/21:0/1=0.25 3/22:0/1=0.25 3/23:0/1=0.25 7/11:0/1=0.25"; got != want {
					t.Errorf("slots %s, want %s", got, want)
				}
			})
			t.Run("one_network", func(t *testing.T) {
				var bt query.BestTimesToPost
				if err := h.request(query.BestTimesSubject, query.BestTimesRequest{Brand: "cafe-lumiere", TZ: "Europe/Paris", Network: "bluesky", AsOf: bestTimesAsOf}, &bt); err != nil {
					t.Fatal(err)
				}
				if bt.Measure != query.MeasureAudience || bt.Posts != 0 || bt.Interactions != 1 {
					t.Errorf("bluesky: measure %q, %d posts, %d interactions", bt.Measure, bt.Posts, bt.Interactions)
				}
			})
		})
	}
	t.Run("bad_requests_name_the_field", func(t *testing.T) {
		h := newHarness(t, nil)
		for _, tc := range []struct {
			req   query.BestTimesRequest
			field string
		}{
			{query.BestTimesRequest{Brand: "b"}, "tz"},
			{query.BestTimesRequest{Brand: "b", TZ: "Mars/Olympus"}, "tz"},
			{query.BestTimesRequest{Brand: "b", TZ: "UTC", Days: 3}, "days"},
			{query.BestTimesRequest{Brand: "b", TZ: "UTC", Limit: 200}, "limit"},
			{query.BestTimesRequest{Brand: "b", TZ: "UTC", Network: "a b"}, "network"},
		} {
			var bt query.BestTimesToPost
			err := h.request(query.BestTimesSubject, tc.req, &bt)
			if le, ok := asListErr(err); !ok || le.code != query.CodeBadRequest || !strings.HasPrefix(le.text, tc.field) {
				t.Errorf("%+v: err = %v, want a 400 on %s", tc.req, err, tc.field)
			}
		}
	})
}
