// Package walltime turns a wall-clock time in an IANA zone into one instant,
// by a written rule for the times a DST change skips or repeats:
//
//   - a wall time that does not exist (the clocks jump over it, e.g. 02:30 in
//     Europe/Paris on the last Sunday of March) moves forward by the length
//     of the jump: 02:30 becomes 03:30 CEST, the instant 02:30 would have
//     been at the offset in force before the jump;
//   - a wall time that exists twice (the clocks go back over it, e.g. 02:30
//     in Europe/Paris on the last Sunday of October) is the earlier of the
//     two instants, 02:30 CEST.
//
// time.Date leaves both cases unspecified ("the choice of time zone, and
// therefore the time, is not guaranteed"), so the rule is applied here.
package walltime

import (
	"fmt"
	"time"
)

// Kind says which case of the rule a wall time fell in.
type Kind string

const (
	// Exact: the wall time exists once.
	Exact Kind = "exact"
	// Skipped: the wall time does not exist; it moved forward by the gap.
	Skipped Kind = "skipped"
	// Repeated: the wall time exists twice; the earlier instant was taken.
	Repeated Kind = "repeated"
)

// Wall is a civil date and time of day, without zone.
type Wall struct {
	Year   int
	Month  time.Month
	Day    int
	Hour   int
	Minute int
}

// String is the wall time as yyyy-mm-dd HH:MM.
func (w Wall) String() string {
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d", w.Year, int(w.Month), w.Day, w.Hour, w.Minute)
}

// Of is the wall time of t in its location (seconds dropped).
func Of(t time.Time) Wall {
	return Wall{Year: t.Year(), Month: t.Month(), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute()}
}

// Resolution is the instant a wall time resolved to, and how.
type Resolution struct {
	At   time.Time
	Kind Kind
	// Shift is how far a skipped wall time moved forward (the gap); zero
	// otherwise.
	Shift time.Duration
}

// Resolve applies the package's rule to w in loc. The wall time must be a
// valid calendar date and time of day (Valid).
func Resolve(w Wall, loc *time.Location) Resolution {
	// The wall time read as if it were UTC; an instant with offset o is
	// naive - o.
	naive := time.Date(w.Year, w.Month, w.Day, w.Hour, w.Minute, 0, 0, time.UTC)
	// Offsets in force a day either side: zones change offset at most once
	// in two days.
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	_, after := naive.Add(24 * time.Hour).In(loc).Zone()
	first := naive.Add(-time.Duration(before) * time.Second)
	second := naive.Add(-time.Duration(after) * time.Second)
	okFirst, okSecond := Of(first.In(loc)) == w, Of(second.In(loc)) == w
	switch {
	case okFirst && okSecond && !first.Equal(second):
		if second.Before(first) {
			first = second
		}
		return Resolution{At: first.In(loc), Kind: Repeated}
	case okFirst:
		return Resolution{At: first.In(loc), Kind: Exact}
	case okSecond:
		return Resolution{At: second.In(loc), Kind: Exact}
	}
	// Skipped: read at the offset before the jump, which lands the gap's
	// length after the wall time.
	return Resolution{At: first.In(loc), Kind: Skipped, Shift: time.Duration(after-before) * time.Second}
}

// Valid reports whether w is a real calendar date with a time of day.
func (w Wall) Valid() bool {
	if w.Hour < 0 || w.Hour > 23 || w.Minute < 0 || w.Minute > 59 || w.Month < 1 || w.Month > 12 || w.Day < 1 {
		return false
	}
	return time.Date(w.Year, w.Month, w.Day, 0, 0, 0, 0, time.UTC).Day() == w.Day
}
