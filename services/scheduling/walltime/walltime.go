// Package walltime turns a wall-clock time in an IANA zone into the instant
// it names, by one written rule for the hours a zone skips or repeats.
//
// The rule:
//   - a wall time that does not exist (a gap, when clocks move forward)
//     moves forward by the length of the gap: 02:30 on the night Paris goes
//     from +01:00 to +02:00 is read with the offset in force before the
//     change, which is 03:30 after it. The post keeps its distance from the
//     hour before the gap, as a person who set an alarm would expect;
//   - a wall time that happens twice (an overlap, when clocks move back)
//     is the earlier of the two instants: a post planned for 02:30 goes out
//     at the first 02:30, never an hour after the team expected it.
//
// Go's time.Date leaves this choice unspecified ("the choice of time zone,
// and therefore the time, is not guaranteed"), hence this package.
package walltime

import (
	"errors"
	"fmt"
	"time"
	// The zone database travels with the binary: a container without
	// /usr/share/zoneinfo resolves zones as the tests did.
	_ "time/tzdata"
)

// Layout is the wall-time form accepted and written: ISO 8601 local date
// and time, no offset ("2026-03-29T02:30").
const Layout = "2006-01-02T15:04"

// Kind says how a wall time was resolved.
type Kind string

// Kinds of resolution.
const (
	// Exact: the wall time happens once.
	Exact Kind = "exact"
	// Gap: the wall time does not exist; it was moved forward by Shift.
	Gap Kind = "gap"
	// Overlap: the wall time happens twice; the earlier instant was taken.
	Overlap Kind = "overlap"
)

// Resolution is an instant and how it was found.
type Resolution struct {
	// At is the instant, in UTC.
	At   time.Time
	Kind Kind
	// Shift is how far a gap moved the wall time (zero otherwise).
	Shift time.Duration
	// Offset is the zone's UTC offset at At, in seconds.
	Offset int
}

// ErrZone is wrapped when the zone is not an IANA zone name.
var ErrZone = errors.New("unknown time zone")

// LoadZone loads an IANA zone; "" and "Local" are refused, since a server's
// own zone means nothing to a brand.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%w: %q (an IANA name such as Europe/Paris is required)", ErrZone, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrZone, name)
	}
	return loc, nil
}

// Parse reads a wall time written as Layout (seconds are allowed too).
func Parse(s string) (time.Time, error) {
	for _, l := range []string{Layout, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a wall time like 2026-03-29T09:30", s)
}

// Resolve is the instant the wall time w (its fields read as a clock in
// loc; w's own location is ignored) names in loc, by the package's rule.
func Resolve(w time.Time, loc *time.Location) Resolution {
	// The wall time's fields as if they were UTC: instant = naive - offset.
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
	// No zone changes its offset twice within a day: the offsets in force a
	// day either side cover every reading of the wall time.
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	_, after := naive.Add(24 * time.Hour).In(loc).Zone()
	var found []time.Time
	for _, off := range []int{before, after} {
		at := naive.Add(-time.Duration(off) * time.Second)
		if sameWall(at.In(loc), naive) && (len(found) == 0 || !found[0].Equal(at)) {
			found = append(found, at)
		}
	}
	switch len(found) {
	case 1:
		return resolution(found[0], loc, Exact, 0)
	case 2:
		first := found[0]
		if found[1].Before(first) {
			first = found[1]
		}
		return resolution(first, loc, Overlap, 0)
	}
	// A gap: read the wall time with the offset in force before it.
	at := naive.Add(-time.Duration(before) * time.Second)
	shift := time.Duration(after-before) * time.Second
	return resolution(at, loc, Gap, shift)
}

func resolution(at time.Time, loc *time.Location, k Kind, shift time.Duration) Resolution {
	_, off := at.In(loc).Zone()
	return Resolution{At: at.UTC(), Kind: k, Shift: shift, Offset: off}
}

func sameWall(t, naive time.Time) bool {
	y, m, d := t.Date()
	ny, nm, nd := naive.Date()
	return y == ny && m == nm && d == nd && t.Hour() == naive.Hour() && t.Minute() == naive.Minute() &&
		t.Second() == naive.Second() && t.Nanosecond() == naive.Nanosecond()
}

// Wall is the wall-clock reading of at in loc, as Layout.
func Wall(at time.Time, loc *time.Location) string { return at.In(loc).Format(Layout) }
