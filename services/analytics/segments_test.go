package analytics

import (
	"strconv"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// segmentsAsOf: the window is [2026-08-25, 2026-11-23), newcomers since
// 2026-10-24, veterans first seen by 2025-11-23.
var segmentsAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// segmentsDataset (mastodon, cafe-lumiere):
//
//	u1 4 in window (Nov 1, 5, 10, 15): 3 positive 1 neutral, reach 50 000
//	u2 first 2025-01-10, one negative in window (Oct 1), reach 200, follower
//	u3 3 in window (Sep 1-3): 2 positive 1 negative, reach 20 000
//	u4 1 positive on Nov 20, reach 5 000
//	u5 5 spam in window, reach 1 000 000
//	u6 follower (reach 300) who wrote only after as_of
//	u7 3 neutral in window, reach 100, follower
//	u8 2 in 2025 (from Jun 1), none since
//	u9 follower after as_of; a listening hit by blog.example
func segmentsDataset() *dataset {
	d := &dataset{}
	const b = "cafe-lumiere"
	day := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 12, 0, 0, 0, time.UTC) }
	n := 0
	add := func(author string, reach int64, at time.Time, verdict string, labels ...string) {
		n++
		r := d.interaction(b, in{kind: "comment", id: "s" + itoa(uint64(n)), author: author, followers: reach, text: "x", at: at})
		d.moderate(r, mod{verdict: verdict, labels: labels})
	}
	pos, neg, neu := "sentiment:positive", "sentiment:negative", "sentiment:neutral"
	add("u1", 50_000, day(2026, 11, 1), "allow", pos)
	add("u1", 50_000, day(2026, 11, 5), "allow", pos)
	add("u1", 50_000, day(2026, 11, 10), "allow", neu)
	add("u1", 50_000, day(2026, 11, 15), "allow", pos)
	add("u2", 200, day(2025, 1, 10), "allow", pos)
	add("u2", 200, day(2026, 10, 1), "allow", neg)
	add("u3", 20_000, day(2026, 9, 1), "allow", pos)
	add("u3", 20_000, day(2026, 9, 2), "allow", pos)
	add("u3", 20_000, day(2026, 9, 3), "allow", neg)
	add("u4", 5_000, day(2026, 11, 20), "allow", pos)
	for i := 1; i <= 5; i++ {
		add("u5", 1_000_000, day(2026, 11, i), "spam", "spam", pos)
	}
	add("u6", 300, day(2026, 11, 25), "allow", pos)
	add("u7", 100, day(2026, 10, 10), "allow", neu)
	add("u7", 100, day(2026, 10, 11), "allow", neu)
	add("u7", 100, day(2026, 10, 12), "allow", neu)
	add("u8", 10, day(2025, 6, 1), "allow", pos)
	add("u8", 10, day(2025, 7, 1), "allow", pos)
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "blog1", author: "blog.example", followers: 90_000, text: "x", at: day(2026, 11, 2)})
	d.interaction("autre-marque", in{kind: "comment", id: "o1", author: "u6", followers: 300, text: "x", at: day(2026, 11, 2)})
	d.follow(b, "mastodon", "u2", 200, day(2026, 1, 1))
	d.follow(b, "mastodon", "u6", 300, day(2026, 2, 1))
	d.follow(b, "mastodon", "u7", 100, day(2026, 3, 1))
	d.follow(b, "mastodon", "u9", 900, day(2026, 11, 24))
	return d
}

func TestSegments(t *testing.T) {
	cases := []struct {
		segment string
		want    string // author:score
	}{
		{query.SegmentEngaged, "u1:4 u3:3 u7:3"},
		{query.SegmentSilent, "u6:300 u2:200"},
		// 2025-01-10 → 2026-11-23: 365 + 304 (to Nov 10) + 13 = 682 days (12:00 → 00:00: 681 whole days).
		{query.SegmentVeterans, "u2:681"},
		{query.SegmentNewcomers, "u4:" + itoa(uint64(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC).Unix())) + " u1:" + itoa(uint64(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Unix()))},
		{query.SegmentOpinionLeaders, "u1:50000 u3:20000"},
		{query.SegmentAmbassadors, "u1:150000"},
	}
	for name, h := range seeded(t, segmentsDataset()) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.segment, func(t *testing.T) {
					var page query.SegmentPage
					start := time.Now()
					if err := h.request(query.SegmentSubject, query.SegmentRequest{Brand: "cafe-lumiere", Segment: tc.segment, AsOf: segmentsAsOf}, &page); err != nil {
						t.Fatal(err)
					}
					t.Logf("%s answered in %s", tc.segment, time.Since(start))
					if got := members(page.Items); got != tc.want || page.Definition == "" {
						t.Fatalf("got %q, want %q (definition %q)", got, tc.want, page.Definition)
					}
				})
			}
			t.Run("member_details", func(t *testing.T) {
				var page query.SegmentPage
				if err := h.request(query.SegmentSubject, query.SegmentRequest{Brand: "cafe-lumiere", Segment: query.SegmentSilent, AsOf: segmentsAsOf}, &page); err != nil {
					t.Fatal(err)
				}
				u6, u2 := page.Items[0], page.Items[1]
				if u6.Interactions != 0 || u6.FirstSeen != nil || u6.Handle != "@u6" || u2.Interactions != 2 || u2.InWindow != 1 || u2.Negative != 1 ||
					!u2.FirstSeen.Equal(time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)) {
					t.Fatalf("u6 %+v\nu2 %+v", u6, u2)
				}
			})
			t.Run("pages", func(t *testing.T) {
				req := query.SegmentRequest{Brand: "cafe-lumiere", Segment: query.SegmentEngaged, AsOf: segmentsAsOf, Limit: 1}
				var got []string
				for i := 0; i < 5; i++ {
					var page query.SegmentPage
					if err := h.request(query.SegmentSubject, req, &page); err != nil {
						t.Fatal(err)
					}
					got = append(got, members(page.Items))
					if page.NextCursor == "" {
						break
					}
					req.Cursor = page.NextCursor
				}
				if strings.Join(got, "|") != "u1:4|u3:3|u7:3" {
					t.Fatalf("pages %q", got)
				}
			})
		})
	}
	t.Run("unknown_segment_is_400", func(t *testing.T) {
		h := newHarness(t, nil)
		var page query.SegmentPage
		err := h.request(query.SegmentSubject, query.SegmentRequest{Brand: "b", Segment: "vip"}, &page)
		if le, ok := asListErr(err); !ok || le.code != query.CodeBadRequest {
			t.Fatalf("err = %v", err)
		}
	})
}

func members(items []query.SegmentMember) string {
	var out []string
	for _, m := range items {
		out = append(out, m.AuthorID+":"+strconv.FormatInt(m.Score, 10))
	}
	return strings.Join(out, " ")
}
