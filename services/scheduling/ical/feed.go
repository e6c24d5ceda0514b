// Package ical writes a brand's scheduled posts as a read-only iCalendar
// feed (RFC 5545) that a team subscribes to from its own calendar, and keeps
// the per-brand token that authenticates the feed's URL (tokens.go). The
// content lines, their escaping and their folding at 75 octets are
// arran4/golang-ical's; this package adds what the library leaves to its
// caller: a VTIMEZONE per zone built from the zone database, so that a
// DTSTART;TZID= reads the same in every client, and text made safe for it
// (line ends, control characters).
package ical

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// ProductID names the feed's producer (PRODID).
const ProductID = "-//Ruche//Editorial calendar//FR"

// EventLength is how long each post shows in a calendar: a post is an
// instant, and calendars draw a zero-length event as a hairline.
const EventLength = 15 * time.Minute

// RefreshInterval is how often a client should fetch the feed again
// (REFRESH-INTERVAL of RFC 7986, and X-PUBLISHED-TTL that Outlook reads).
const RefreshInterval = 15 * time.Minute

// Entry is one post in the feed.
type Entry struct {
	PostID string
	// At is the post's instant; Zone the IANA zone of its wall time ("" or
	// "UTC" writes the time in UTC).
	At   time.Time
	Zone string
	// Text is the post's text (the first line titles the event).
	Text     string
	Networks []string
	// State is the post's state (post/v1.State): scheduled and later are
	// CONFIRMED, earlier ones TENTATIVE, failed ones CANCELLED.
	State    string
	Campaign string
	Labels   []string
	// URL opens the post in Ruche.
	URL string
	// Version counts the post's changes (SEQUENCE); Updated is the last
	// one (DTSTAMP and LAST-MODIFIED), so the feed of unchanged posts is
	// byte for byte the same.
	Version int
	Updated time.Time
}

// Feed is one brand's calendar.
type Feed struct {
	Brand string
	// Name titles the calendar in the client (X-WR-CALNAME).
	Name string
	// Zone is the brand's zone (X-WR-TIMEZONE).
	Zone    string
	Entries []Entry
}

// UID is an entry's stable identifier: the same post is the same event in
// every fetch of the feed.
func UID(brand, postID string) string { return postID + "." + brand + "@ruche" }

// Write writes f as an iCalendar object.
func Write(w io.Writer, f Feed) error {
	cal := ics.NewCalendar()
	cal.SetProductId(ProductID)
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(f.Name)
	if f.Zone != "" {
		cal.SetXWRTimezone(f.Zone)
	}
	cal.SetRefreshInterval(duration(RefreshInterval))
	cal.SetXPublishedTTL(duration(RefreshInterval))

	entries := slices.Clone(f.Entries)
	slices.SortFunc(entries, func(a, b Entry) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.PostID, b.PostID))
	})
	// One VTIMEZONE per zone, covering its entries.
	spans := map[string][2]time.Time{}
	var zones []string
	for _, e := range entries {
		if utc(e.Zone) {
			continue
		}
		s, ok := spans[e.Zone]
		if !ok {
			zones = append(zones, e.Zone)
			s = [2]time.Time{e.At, e.At}
		}
		s[1] = e.At
		spans[e.Zone] = s
	}
	for _, z := range zones {
		loc, err := walltime.LoadZone(z)
		if err != nil {
			return fmt.Errorf("feed of %s: %w", f.Brand, err)
		}
		cal.AddVTimezone(timezone(z, loc, spans[z][0], spans[z][1].Add(EventLength)))
	}
	for _, e := range entries {
		ev := cal.AddEvent(UID(f.Brand, e.PostID))
		ev.SetDtStampTime(e.Updated)
		ev.SetModifiedAt(e.Updated)
		ev.SetSequence(e.Version)
		if local, ok := localTime(e); ok {
			ev.SetProperty(ics.ComponentPropertyDtStart, local, ics.WithTZID(e.Zone))
		} else {
			ev.SetStartAt(e.At)
		}
		ev.SetProperty(ics.ComponentPropertyDuration, duration(EventLength))
		ev.SetSummary(summary(e))
		ev.SetDescription(description(e))
		ev.SetStatus(status(e.State))
		ev.SetTimeTransparency(ics.TransparencyTransparent)
		for _, c := range categories(e) {
			ev.AddProperty(ics.ComponentPropertyCategories, c)
		}
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
	}
	// Content lines end with CRLF (RFC 5545 §3.1); the library's default is LF.
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}

const localLayout = "20060102T150405"

// localTime is e's start as a local time for DTSTART;TZID=, when that
// reads back as e.At. RFC 5545 (§3.3.5) reads a local time that happens
// twice as the first occurrence and one that does not exist with the offset
// before the gap, which is walltime's rule; so the second occurrence of a
// repeated hour has no local form, and is written in UTC.
func localTime(e Entry) (string, bool) {
	if utc(e.Zone) {
		return "", false
	}
	loc, err := walltime.LoadZone(e.Zone)
	if err != nil {
		return "", false
	}
	local := e.At.In(loc)
	if !walltime.Resolve(local, loc).At.Equal(e.At) {
		return "", false
	}
	return local.Format(localLayout), true
}

func utc(zone string) bool { return zone == "" || zone == "UTC" || zone == "Etc/UTC" }

// duration writes d as an RFC 5545 duration (whole minutes).
func duration(d time.Duration) string { return fmt.Sprintf("PT%dM", int(d.Minutes())) }

// summaryRunes bounds an event's title.
const summaryRunes = 80

// summary is "[networks] first line of the text".
func summary(e Entry) string {
	line, _, _ := strings.Cut(clean(e.Text), "\n")
	if r := []rune(line); len(r) > summaryRunes {
		line = string(r[:summaryRunes-1]) + "…"
	}
	if len(e.Networks) == 0 {
		return line
	}
	return "[" + strings.Join(e.Networks, ", ") + "] " + line
}

func description(e Entry) string {
	d := clean(e.Text)
	if len(e.Networks) > 0 {
		d += "\n\nRéseaux / Networks: " + strings.Join(e.Networks, ", ")
	}
	if e.State != "" {
		d += "\nÉtat / State: " + e.State
	}
	return d
}

// categories are the campaign and the labels, one CATEGORIES property
// each: the library escapes a value's commas, which would otherwise split
// one label in two.
func categories(e Entry) []string {
	var out []string
	for _, c := range append([]string{e.Campaign}, e.Labels...) {
		if c = strings.TrimSpace(strings.ReplaceAll(clean(c), "\n", " ")); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// clean makes a text fit for a TEXT value: line ends become \n (the
// library escapes \n, not \r) and other control characters go.
func clean(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func status(state string) ics.ObjectStatus {
	switch state {
	case "scheduled", "publishing", "published", "partially_published":
		return ics.ObjectStatusConfirmed
	case "failed":
		return ics.ObjectStatusCancelled
	}
	return ics.ObjectStatusTentative
}
