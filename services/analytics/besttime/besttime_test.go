package besttime

import (
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

func TestRank(t *testing.T) {
	grid := []query.PostingSlot{
		{Weekday: 1, Hour: 9, Posts: 3, Interactions: 3, Score: 1},
		{Weekday: 2, Hour: 18, Posts: 3, Interactions: 15, Score: 5},
		{Weekday: 3, Hour: 8, Posts: 4, Interactions: 20, Score: 5},
		{Weekday: 5, Hour: 12, Posts: 2, Interactions: 20, Score: 10},
		{Weekday: 6, Hour: 10, Posts: 5, Interactions: 0, Score: 0},
	}
	for _, tc := range []struct {
		name    string
		measure string
		limit   int
		want    []int // weekday*100 + hour
	}{
		{"per_post_needs_three_posts_ties_go_to_more_evidence", query.MeasurePerPost, 5, []int{308, 218, 109}},
		{"limit", query.MeasurePerPost, 1, []int{308}},
		{"audience_ranks_every_slot_with_engagement", query.MeasureAudience, 5, []int{512, 308, 218, 109}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rank(grid, tc.measure, tc.limit)
			if len(got) != len(tc.want) {
				t.Fatalf("rank = %+v, want %v", got, tc.want)
			}
			for i, s := range got {
				if s.Weekday*100+s.Hour != tc.want[i] {
					t.Errorf("rank[%d] = %d/%d, want %d", i, s.Weekday, s.Hour, tc.want[i])
				}
			}
		})
	}
	if got := rank(nil, query.MeasurePerPost, 5); got == nil || len(got) != 0 {
		t.Errorf("rank(nil) = %#v, want an empty list", got)
	}
}

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 30, 15, 0, time.UTC)
	p, err := parse(query.BestTimesRequest{Brand: "cafe", TZ: "Europe/Paris"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !p.to.Equal(now) || !p.from.Equal(now.AddDate(0, 0, -query.BestTimesDefaultDays)) || p.limit != query.BestTimesDefaultLimit {
		t.Errorf("defaults: %s – %s, limit %d", p.from, p.to, p.limit)
	}
	for _, tc := range []struct {
		name  string
		req   query.BestTimesRequest
		field string
	}{
		{"brand", query.BestTimesRequest{Brand: "", TZ: "UTC"}, "brand"},
		{"tz_missing", query.BestTimesRequest{Brand: "b"}, "tz"},
		{"tz_local", query.BestTimesRequest{Brand: "b", TZ: "Local"}, "tz"},
		{"tz_unknown", query.BestTimesRequest{Brand: "b", TZ: "Europe/Lutece"}, "tz"},
		{"network", query.BestTimesRequest{Brand: "b", TZ: "UTC", Network: "a'b"}, "network"},
		{"days_short", query.BestTimesRequest{Brand: "b", TZ: "UTC", Days: 6}, "days"},
		{"days_long", query.BestTimesRequest{Brand: "b", TZ: "UTC", Days: 366}, "days"},
		{"limit", query.BestTimesRequest{Brand: "b", TZ: "UTC", Limit: 169}, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.req, now)
			fe, ok := err.(readmodel.FieldError)
			if !ok || fe.Field != tc.field {
				t.Errorf("parse = %v, want a field error on %s", err, tc.field)
			}
		})
	}
}
