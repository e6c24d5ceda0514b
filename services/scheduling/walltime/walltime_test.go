package walltime_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name  string
		zone  string
		wall  walltime.Wall
		utc   string
		kind  walltime.Kind
		shift time.Duration
	}{
		{"paris_ordinary_morning", "Europe/Paris", walltime.Wall{Year: 2026, Month: 3, Day: 28, Hour: 9, Minute: 30},
			"2026-03-28T08:30:00Z", walltime.Exact, 0},
		{"paris_spring_forward_gap_moves_forward_an_hour", "Europe/Paris", walltime.Wall{Year: 2026, Month: 3, Day: 29, Hour: 2, Minute: 30},
			"2026-03-29T01:30:00Z", walltime.Skipped, time.Hour},
		{"paris_spring_forward_first_minute_of_gap", "Europe/Paris", walltime.Wall{Year: 2026, Month: 3, Day: 29, Hour: 2, Minute: 0},
			"2026-03-29T01:00:00Z", walltime.Skipped, time.Hour},
		{"paris_just_after_the_gap", "Europe/Paris", walltime.Wall{Year: 2026, Month: 3, Day: 29, Hour: 3, Minute: 0},
			"2026-03-29T01:00:00Z", walltime.Exact, 0},
		{"paris_fall_back_overlap_takes_the_earlier", "Europe/Paris", walltime.Wall{Year: 2026, Month: 10, Day: 25, Hour: 2, Minute: 30},
			"2026-10-25T00:30:00Z", walltime.Repeated, 0},
		{"paris_after_fall_back", "Europe/Paris", walltime.Wall{Year: 2026, Month: 10, Day: 25, Hour: 3, Minute: 0},
			"2026-10-25T02:00:00Z", walltime.Exact, 0},
		{"kolkata_half_hour_zone", "Asia/Kolkata", walltime.Wall{Year: 2026, Month: 3, Day: 29, Hour: 2, Minute: 30},
			"2026-03-28T21:00:00Z", walltime.Exact, 0},
		{"lord_howe_half_hour_gap", "Australia/Lord_Howe", walltime.Wall{Year: 2026, Month: 10, Day: 4, Hour: 2, Minute: 15},
			"2026-10-03T15:45:00Z", walltime.Skipped, 30 * time.Minute},
		{"lord_howe_half_hour_overlap", "Australia/Lord_Howe", walltime.Wall{Year: 2026, Month: 4, Day: 5, Hour: 1, Minute: 45},
			"2026-04-04T14:45:00Z", walltime.Repeated, 0},
		{"moscow_rule_change_2014_repeats_an_hour", "Europe/Moscow", walltime.Wall{Year: 2014, Month: 10, Day: 26, Hour: 1, Minute: 30},
			"2014-10-25T21:30:00Z", walltime.Repeated, 0},
		{"apia_skipped_a_whole_day", "Pacific/Apia", walltime.Wall{Year: 2011, Month: 12, Day: 30, Hour: 10, Minute: 0},
			"2011-12-30T20:00:00Z", walltime.Skipped, 24 * time.Hour},
		{"new_york_spring_forward", "America/New_York", walltime.Wall{Year: 2026, Month: 3, Day: 8, Hour: 2, Minute: 30},
			"2026-03-08T07:30:00Z", walltime.Skipped, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			r := walltime.Resolve(tc.wall, loc)
			if got := r.At.UTC().Format(time.RFC3339); got != tc.utc {
				t.Errorf("at = %s, want %s", got, tc.utc)
			}
			if r.Kind != tc.kind || r.Shift != tc.shift {
				t.Errorf("kind, shift = %s, %s; want %s, %s", r.Kind, r.Shift, tc.kind, tc.shift)
			}
			if r.At.Location() != loc {
				t.Errorf("location = %s, want %s", r.At.Location(), loc)
			}
		})
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		wall walltime.Wall
		want bool
	}{
		{"leap_day", walltime.Wall{Year: 2028, Month: 2, Day: 29, Hour: 23, Minute: 59}, true},
		{"no_leap_day", walltime.Wall{Year: 2026, Month: 2, Day: 29}, false},
		{"april_31", walltime.Wall{Year: 2026, Month: 4, Day: 31}, false},
		{"hour_24", walltime.Wall{Year: 2026, Month: 4, Day: 1, Hour: 24}, false},
		{"minute_60", walltime.Wall{Year: 2026, Month: 4, Day: 1, Minute: 60}, false},
		{"month_13", walltime.Wall{Year: 2026, Month: 13, Day: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.wall.Valid(); got != tc.want {
				t.Errorf("Valid(%s) = %v", tc.wall, got)
			}
		})
	}
}
