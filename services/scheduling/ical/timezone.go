package ical

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// timezone is the VTIMEZONE of zone for the instants from..to: the
// observance in force at from, then one per change of offset until to, each
// with its onset as a local time in the offset before it (RFC 5545
// §3.6.5). Read from Go's zone database, so a zone whose rules changed is
// described as it was at each date, not by today's rule.
func timezone(name string, loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(name)
	at := from.In(loc)
	start, end := at.ZoneBounds()
	prev := offsetBefore(start, loc, at)
	for {
		abbr, off := at.Zone()
		onset := start
		if onset.IsZero() {
			// The zone never changed: any onset in the past will do.
			onset = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		var c *ics.ComponentBase
		if at.IsDST() {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			c = &d.ComponentBase
		} else {
			c = &tz.AddStandard().ComponentBase
		}
		c.SetProperty(ics.ComponentPropertyDtStart, onset.In(time.FixedZone("", prev)).Format(localLayout))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), offset(prev))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), offset(off))
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), abbr)
		if end.IsZero() || end.After(to) {
			return tz
		}
		prev = off
		at = end.In(loc)
		start, end = at.ZoneBounds()
	}
}

// offsetBefore is the offset in force just before start (the offset at at
// when the zone never changed).
func offsetBefore(start time.Time, loc *time.Location, at time.Time) int {
	if start.IsZero() {
		_, off := at.Zone()
		return off
	}
	_, off := start.Add(-time.Second).In(loc).Zone()
	return off
}

// offset writes seconds east of UTC as ±hhmm (±hhmmss when it has seconds,
// as some zones had before 1900).
func offset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	if s := secs % 60; s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, secs/3600, secs/60%60, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
}
