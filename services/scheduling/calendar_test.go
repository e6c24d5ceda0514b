package scheduling_test

import (
	"context"
	"errors"
	"testing"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling"
)

func TestCalendarShowsPostsAtTheirWallTimeInTheAskedZone(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	schedule := func(text, wall string) query.Post {
		p := h.approved(t, text)
		p, err := h.svc.Schedule(ctx, query.SchedulePostRequest{PostRef: refOf(p), Revision: p.Revision, By: "lea", Wall: wall, Zone: "Europe/Paris"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	morning := schedule("Bonjour !", "2027-03-28T09:00")      // 07:00Z (CEST)
	late := schedule("Bonne nuit !", "2027-03-28T23:30")      // 21:30Z
	monday := schedule("Bonne semaine !", "2027-03-29T08:00") // next week
	cases := []struct {
		name, view, from, zone string
		filter                 query.PostFilter
		want                   map[string][]string // date -> "HH:MM id"
	}{
		{"paris_week_from_wednesday", "week", "2027-03-24", "Europe/Paris", query.PostFilter{},
			map[string][]string{"2027-03-28": {"09:00 " + morning.ID, "23:30 " + late.ID}}},
		{"new_york_sees_the_afternoon", "day", "2027-03-28", "America/New_York", query.PostFilter{},
			map[string][]string{"2027-03-28": {"03:00 " + morning.ID, "17:30 " + late.ID}}},
		{"kolkata_sees_the_night_post_on_monday", "day", "2027-03-29", "Asia/Kolkata", query.PostFilter{},
			map[string][]string{"2027-03-29": {"03:00 " + late.ID, "11:30 " + monday.ID}}},
		{"month_with_a_state_filter", "month", "2027-03-15", "Europe/Paris", query.PostFilter{States: []postv1.State{postv1.StateScheduled}},
			map[string][]string{"2027-03-28": {"09:00 " + morning.ID, "23:30 " + late.ID}, "2027-03-29": {"08:00 " + monday.ID}}},
		{"label_filter_matches_nothing", "month", "2027-03-01", "Europe/Paris", query.PostFilter{Label: "soldes"}, map[string][]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := h.svc.Calendar(ctx, query.CalendarRequest{Brand: brand, View: tc.view, From: tc.from, Zone: tc.zone, PostFilter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, d := range cal.Days {
				for _, e := range d.Posts {
					got[d.Date] = append(got[d.Date], e.Time+" "+e.Post.ID)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("days = %v, want %v", got, tc.want)
			}
			for d, w := range tc.want {
				if len(got[d]) != len(w) || (len(w) > 0 && got[d][0] != w[0]) || (len(w) > 1 && got[d][1] != w[1]) {
					t.Fatalf("%s = %v, want %v", d, got[d], w)
				}
			}
		})
	}
	var fe *scheduling.FieldError
	for field, r := range map[string]query.CalendarRequest{
		"view": {Brand: brand, View: "year", From: "2027-03-01"},
		"from": {Brand: brand, View: "week", From: "01/03/2027"},
		"zone": {Brand: brand, View: "week", From: "2027-03-01", Zone: "Paris"},
	} {
		if _, err := h.svc.Calendar(ctx, r); !errors.As(err, &fe) || fe.Field != field {
			t.Fatalf("Calendar(%+v) = %v, want an error on %s", r, err, field)
		}
	}
}
