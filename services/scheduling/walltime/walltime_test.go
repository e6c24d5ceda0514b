package walltime_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		name  string
		zone  string
		wall  string
		want  string // RFC 3339, UTC
		kind  walltime.Kind
		shift time.Duration
	}{
		// Paris: last Sunday of March 2026 is the 29th; 02:00 +01:00 jumps to 03:00 +02:00.
		{"paris_spring_gap_moves_forward_by_the_gap", "Europe/Paris", "2026-03-29T02:30", "2026-03-29T01:30:00Z", walltime.Gap, time.Hour},
		{"paris_spring_just_before_gap", "Europe/Paris", "2026-03-29T01:59", "2026-03-29T00:59:00Z", walltime.Exact, 0},
		{"paris_spring_after_gap", "Europe/Paris", "2026-03-29T03:00", "2026-03-29T01:00:00Z", walltime.Exact, 0},
		// Paris: last Sunday of October 2026 is the 25th; 03:00 +02:00 goes back to 02:00 +01:00.
		{"paris_autumn_overlap_takes_the_earlier", "Europe/Paris", "2026-10-25T02:30", "2026-10-25T00:30:00Z", walltime.Overlap, 0},
		{"paris_autumn_after_overlap", "Europe/Paris", "2026-10-25T03:00", "2026-10-25T02:00:00Z", walltime.Exact, 0},
		{"paris_winter", "Europe/Paris", "2026-12-07T09:00", "2026-12-07T08:00:00Z", walltime.Exact, 0},
		// Half-hour zones.
		{"kolkata_half_hour_no_dst", "Asia/Kolkata", "2026-03-29T09:00", "2026-03-29T03:30:00Z", walltime.Exact, 0},
		{"adelaide_spring_gap", "Australia/Adelaide", "2026-10-04T02:15", "2026-10-03T16:45:00Z", walltime.Gap, time.Hour},
		{"adelaide_autumn_overlap", "Australia/Adelaide", "2026-04-05T02:30", "2026-04-04T16:00:00Z", walltime.Overlap, 0},
		{"adelaide_summer", "Australia/Adelaide", "2026-01-15T12:00", "2026-01-15T01:30:00Z", walltime.Exact, 0},
		// Moscow's rules changed: permanent +04:00 from March 2011, +03:00 again from 26 October 2014.
		{"moscow_2011_last_gap", "Europe/Moscow", "2011-03-27T02:30", "2011-03-26T23:30:00Z", walltime.Gap, time.Hour},
		{"moscow_2012_winter_is_plus_four", "Europe/Moscow", "2012-01-15T12:00", "2012-01-15T08:00:00Z", walltime.Exact, 0},
		{"moscow_2010_winter_was_plus_three", "Europe/Moscow", "2010-01-15T12:00", "2010-01-15T09:00:00Z", walltime.Exact, 0},
		{"moscow_2014_return_overlap", "Europe/Moscow", "2014-10-26T01:30", "2014-10-25T21:30:00Z", walltime.Overlap, 0},
		{"moscow_2015_winter_is_plus_three", "Europe/Moscow", "2015-01-15T12:00", "2015-01-15T09:00:00Z", walltime.Exact, 0},
		// Santiago moved its spring change; 2026's starts 6 September, 00:00 -04:00 -> 01:00 -03:00.
		{"santiago_spring_gap_at_midnight", "America/Santiago", "2026-09-06T00:30", "2026-09-06T04:30:00Z", walltime.Gap, time.Hour},
		{"utc", "UTC", "2026-03-29T02:30", "2026-03-29T02:30:00Z", walltime.Exact, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := walltime.LoadZone(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			w, err := walltime.Parse(tc.wall)
			if err != nil {
				t.Fatal(err)
			}
			r := walltime.Resolve(w, loc)
			if got := r.At.Format(time.RFC3339); got != tc.want || r.Kind != tc.kind || r.Shift != tc.shift {
				t.Fatalf("Resolve(%s %s) = %s %s shift %s, want %s %s shift %s", tc.wall, tc.zone, got, r.Kind, r.Shift, tc.want, tc.kind, tc.shift)
			}
			if r.Kind == walltime.Exact && walltime.Wall(r.At, loc) != tc.wall {
				t.Fatalf("Wall(%s) = %s, want %s back", r.At, walltime.Wall(r.At, loc), tc.wall)
			}
		})
	}
}

func TestLoadZoneRefuses(t *testing.T) {
	for _, z := range []string{"", "Local", "Europe/Pariss", "+02:00"} {
		if _, err := walltime.LoadZone(z); err == nil {
			t.Fatalf("LoadZone(%q) accepted", z)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, s := range []string{"", "2026-03-29", "2026-03-29T02:30Z", "29/03/2026 02:30", "2026-02-30T10:00"} {
		if _, err := walltime.Parse(s); err == nil {
			t.Fatalf("Parse(%q) accepted", s)
		}
	}
}
