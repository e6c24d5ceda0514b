package report

import (
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func local(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, paris)
}
func paris8(day int) time.Time { return local(day, 8, 0) }

func parisMonday8(enabled bool) query.ReportSettings {
	return query.ReportSettings{Enabled: enabled, Weekday: "monday", Hour: 8, TZ: "Europe/Paris", Locale: "fr", Formats: []string{"pdf", "html"}}
}

func TestReportSlot(t *testing.T) {
	s := parisMonday8(true)
	loc := paris
	for _, tc := range []struct {
		name     string
		now      time.Time
		settings func(*query.ReportSettings)
		slot     time.Time
		week     string
	}{
		{"monday_8h_paris", local(25, 12, 0), nil, paris8(23), "2026-W47"},
		{"sunday_night_is_still_the_week", local(29, 23, 59), nil, paris8(23), "2026-W47"},
		{"sunday_23h", local(24, 0, 0), func(s *query.ReportSettings) { s.Weekday, s.Hour = "sunday", 23 }, local(29, 23, 0), "2026-W47"},
		{"new_year_week_1", time.Date(2027, 1, 4, 9, 0, 0, 0, paris), nil, time.Date(2027, 1, 4, 8, 0, 0, 0, paris), "2026-W53"},
		{"daylight_saving_end", time.Date(2026, 10, 26, 9, 0, 0, 0, paris), nil, time.Date(2026, 10, 26, 7, 0, 0, 0, time.UTC), "2026-W43"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := s
			if tc.settings != nil {
				tc.settings(&st)
			}
			slot, week := reportSlot(st, loc, tc.now)
			if !slot.Equal(tc.slot) || week != tc.week {
				t.Fatalf("slot %s week %s, want %s %s", slot, week, tc.slot, tc.week)
			}
		})
	}
}
