package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/ruche-project/ruche/services/scheduling/ical"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var updated = at("2026-12-01T10:00:00Z")

func feed() ical.Feed {
	return ical.Feed{Brand: "cafe-lumiere", Name: "Café Lumière — calendrier éditorial", Zone: "Europe/Paris", Entries: []ical.Entry{
		{PostID: "p-2", At: at("2027-03-28T01:30:00Z"), Zone: "Europe/Paris", Text: "Heure d'été, 02:30 déplacé à 03:30", Networks: []string{"bluesky"},
			State: "scheduled", Version: 3, Updated: updated},
		{PostID: "p-1", At: at("2027-03-20T08:30:00Z"), Zone: "Europe/Paris",
			Text:     "Nos bûches arrivent ; réservez, vite !\r\nDeuxième ligne avec un \\ et une très longue suite de mots accentués pour dépasser soixante-quinze octets sans aucun doute possible.",
			Networks: []string{"mastodon", "bluesky"}, State: "approved", Campaign: "Noël, hiver", Labels: []string{"pâtisserie"},
			URL: "https://ruche.example/calendar/posts/p-1", Version: 1, Updated: updated},
		{PostID: "p-3", At: at("2027-10-31T00:30:00Z"), Zone: "Europe/Paris", Text: "Première 02:30 (heure d'été)", State: "scheduled", Updated: updated},
		{PostID: "p-4", At: at("2027-10-31T01:30:00Z"), Zone: "Europe/Paris", Text: "Seconde 02:30 (heure d'hiver)", State: "scheduled", Updated: updated},
		{PostID: "p-5", At: at("2027-01-05T12:00:00Z"), Zone: "", Text: "En UTC\x07", State: "failed", Updated: updated},
	}}
}

func write(t *testing.T, f ical.Feed) string {
	t.Helper()
	var b bytes.Buffer
	if err := ical.Write(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteLines(t *testing.T) {
	out := write(t, feed())
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Errorf("does not end with END:VCALENDAR CRLF: %q", out[len(out)-30:])
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n\x07") {
			t.Errorf("line %d holds a raw line end or control character: %q", i+1, line)
		}
	}
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	for _, want := range []string{
		"PRODID:" + ical.ProductID,
		"X-WR-CALNAME:Café Lumière — calendrier éditorial",
		"X-WR-TIMEZONE:Europe/Paris",
		"REFRESH-INTERVAL;VALUE=DURATION:PT15M",
		"UID:p-1.cafe-lumiere@ruche",
		"DTSTART;TZID=Europe/Paris:20270320T093000",
		// 02:30 does not exist on 28 March 2027: the post is at 03:30.
		"DTSTART;TZID=Europe/Paris:20270328T033000",
		// The first 02:30 of 31 October has a local form, the second not.
		"DTSTART;TZID=Europe/Paris:20271031T023000",
		"DTSTART:20271031T013000Z",
		"DTSTART:20270105T120000Z",
		"CATEGORIES:Noël\\, hiver",
		"CATEGORIES:pâtisserie",
		"STATUS:TENTATIVE",
		"STATUS:CANCELLED",
		"SEQUENCE:3",
		"DTSTAMP:20261201T100000Z",
		"SUMMARY:[mastodon\\, bluesky] Nos bûches arrivent \\; réservez\\, vite !",
	} {
		if !strings.Contains(unfolded, want+"\r\n") {
			t.Errorf("missing line %q in\n%s", want, unfolded)
		}
	}
	if !strings.Contains(unfolded, `DESCRIPTION:Nos bûches arrivent \; réservez\, vite !\nDeuxième ligne avec un \\ et une très longue suite`) {
		t.Errorf("description not escaped as RFC 5545 says:\n%s", unfolded)
	}
	// The zone's observances cover the feed: winter time in force in March,
	// summer time from 28 March, winter time again from 31 October.
	for _, want := range []string{
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n" +
			"BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n" +
			"BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing\n%s\nin\n%s", want, out)
		}
	}
}

func TestWriteParsesBack(t *testing.T) {
	f := feed()
	cal, err := ics.ParseCalendar(strings.NewReader(write(t, f)))
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != len(f.Entries) {
		t.Fatalf("%d events, want %d", len(events), len(f.Entries))
	}
	byUID := map[string]*ics.VEvent{}
	for _, e := range events {
		byUID[e.Id()] = e
	}
	for _, want := range f.Entries {
		e := byUID[ical.UID(f.Brand, want.PostID)]
		if e == nil {
			t.Fatalf("no event for %s", want.PostID)
		}
		start, err := e.GetStartAt()
		if err != nil {
			t.Fatal(err)
		}
		// The second 02:30 is written in UTC; Go's reading of a local time
		// that happens twice is unspecified, so the first 02:30 is checked
		// against its local form above, not here.
		if want.PostID != "p-3" && !start.Equal(want.At) {
			t.Errorf("%s starts at %s, want %s", want.PostID, start.UTC(), want.At)
		}
	}
	desc := byUID[ical.UID(f.Brand, "p-1")].GetProperty(ics.ComponentPropertyDescription).Value
	if got := ics.FromText(desc); !strings.HasPrefix(got, "Nos bûches arrivent ; réservez, vite !\nDeuxième ligne avec un \\ et une très longue suite de mots accentués pour dépasser soixante-quinze octets sans aucun doute possible.\n\nRéseaux") {
		t.Errorf("description read back as %q", got)
	}
	if len(cal.Timezones()) != 1 {
		t.Errorf("%d VTIMEZONE, want 1", len(cal.Timezones()))
	}
}

func TestWriteIsStable(t *testing.T) {
	f := feed()
	first := write(t, f)
	// The same posts in another order give the same bytes.
	f.Entries[0], f.Entries[3] = f.Entries[3], f.Entries[0]
	if write(t, f) != first {
		t.Error("the feed depends on the order of its entries")
	}
	if write(t, ical.Feed{Brand: "b", Name: "vide"}) == "" {
		t.Error("an empty feed is still a calendar")
	}
}

func TestWriteFixedOffsetZone(t *testing.T) {
	out := write(t, ical.Feed{Brand: "b", Name: "n", Entries: []ical.Entry{
		{PostID: "p", At: at("2027-01-05T03:30:00Z"), Zone: "Asia/Kolkata", Text: "t", Updated: updated},
	}})
	for _, want := range []string{"DTSTART;TZID=Asia/Kolkata:20270105T090000", "TZOFFSETTO:+0530", "TZID:Asia/Kolkata"} {
		if !strings.Contains(out, want+"\r\n") {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
