package kpi

import (
	"fmt"
	"testing"
	"time"
)

func TestWholeHours(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		tz       string
		from, to string
		want     bool
	}{
		{"UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", true},
		{"Europe/Paris", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", true},
		{"America/St_Johns", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", false}, // −3:30
		{"Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", false},
		{"Australia/Lord_Howe", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", false}, // +10:30 in winter
	}
	for _, tc := range cases {
		loc, err := time.LoadLocation(tc.tz)
		if err != nil {
			t.Fatal(err)
		}
		if got := wholeHours(loc, at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("wholeHours(%s, %s, %s) = %v, want %v", tc.tz, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestSpans(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	d := func(n int) time.Time { return start.AddDate(0, 0, n) }
	from, to := d(0).Add(5*time.Hour), d(4).Add(2*time.Hour)
	fresh := []Span{{d(0), d(1)}, {d(1), d(2)}, {d(3), d(4)}, {d(4), d(5)}}
	hours := within(fresh, from, to)
	if want := []Span{{from, d(2)}, {d(3), to}}; fmt.Sprint(hours) != fmt.Sprint(want) {
		t.Fatalf("within = %v, want %v", hours, want)
	}
	if got, want := outside(hours, from, to), []Span{{d(2), d(3)}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outside = %v, want %v", got, want)
	}
}
