package csvimport

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// dd/mm/yyyy (also with '.' or '-', one-digit day and month, two-digit
	// year), optionally followed by a time.
	frDate = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+(.+))?$`)
	// yyyy-mm-dd, optionally followed by a time (ISO 8601 with 'T' too).
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T\s]+(.+))?$`)
	// An Excel date serial (days since 30/12/1899), with a decimal comma or
	// point for the time of day.
	serial = regexp.MustCompile(`^(\d{5})(?:[.,](\d+))?$`)
	// 14:30, 9:05, 14:30:00, 14h30, 14h, 2:30 PM.
	clock = regexp.MustCompile(`^(\d{1,2})(?:[:h](\d{2})?)?(?::(\d{2}))?\s*([ap]\.?m\.?)?$`)
)

// excelEpoch is day 0 of Excel's 1900 date system (its 1900 leap-year bug
// makes serials from March 1900 on count from 30/12/1899).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseDate reads a date cell as midnight of that date (UTC fields, the
// wall date), and the minutes of a time it holds too (-1 when none).
func parseDate(v string) (time.Time, int, bool) {
	var y, m, d int
	rest := ""
	if g := frDate.FindStringSubmatch(v); g != nil {
		d, m, y, rest = atoi(g[1]), atoi(g[2]), atoi(g[3]), g[4]
		if len(g[3]) == 2 {
			y += 2000
		}
	} else if g := isoDate.FindStringSubmatch(v); g != nil {
		y, m, d, rest = atoi(g[1]), atoi(g[2]), atoi(g[3]), g[4]
	} else if g := serial.FindStringSubmatch(v); g != nil {
		days := atoi(g[1])
		at := excelEpoch.AddDate(0, 0, days)
		if g[2] == "" {
			return at, -1, true
		}
		frac, err := strconv.ParseFloat("0."+g[2], 64)
		if err != nil {
			return time.Time{}, 0, false
		}
		return at, int(math.Round(frac * 24 * 60)), true
	} else {
		return time.Time{}, 0, false
	}
	at := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || at.Day() != d {
		return time.Time{}, 0, false
	}
	if rest == "" {
		return at, -1, true
	}
	mins, secs, ok := parseClock(rest)
	if !ok || secs {
		return time.Time{}, 0, false
	}
	return at, mins, true
}

// parseClock reads a time of day as minutes after midnight; secs is true
// when it has seconds other than 00.
func parseClock(v string) (mins int, secs bool, ok bool) {
	g := clock.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v)))
	if g == nil {
		return 0, false, false
	}
	h, m := atoi(g[1]), atoi(g[2])
	if !strings.Contains(v, ":") && !strings.ContainsAny(strings.ToLower(v), "h") && g[4] == "" {
		// A bare number is not a time.
		return 0, false, false
	}
	if ampm := strings.ReplaceAll(g[4], ".", ""); ampm != "" {
		if h < 1 || h > 12 {
			return 0, false, false
		}
		h %= 12
		if ampm == "pm" {
			h += 12
		}
	}
	if h > 23 || m > 59 {
		return 0, false, false
	}
	return h*60 + m, g[3] != "" && g[3] != "00", true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
