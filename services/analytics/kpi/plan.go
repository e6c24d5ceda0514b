package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/services/analytics/rollup"
)

// Span is [from, to).
type Span struct{ From, To time.Time }

// Plan splits a period between the rollup and the base tables.
type Plan struct {
	loc *time.Location
	// Days are runs of whole UTC days with a fresh rollup: the volume by
	// kind and network is kept per day.
	Days []Span
	// Hours are the hours of fresh days in the period, a superset of days:
	// the other figures are kept per hour.
	Hours []Span
	// VolumeBase and Base are the rest of the period for the volume and
	// for the other figures, read from the base tables.
	VolumeBase, Base []Span
	// runs are the fresh days' latest runs, the rows to read.
	runs map[time.Time]uint64
}

// rolledSQL selects the rollup rows of the spans' days: those of the run
// the plan chose for each day.
func (pl Plan) rolledSQL(p Params, spans []Span) (string, []any) {
	cond, args := spansSQL("day", spans, true)
	var tuples []string
	for day, run := range pl.runs {
		if overlaps(spans, day) {
			tuples = append(tuples, "(toDate(?), toUInt64(?))")
			args = append(args, day.Format(rollup.DayFormat), run)
		}
	}
	cond = "brand = ? AND " + cond + " AND (day, run) IN (" + strings.Join(tuples, ", ") + ")"
	args = append([]any{p.Brand}, args...)
	if p.Network != "" {
		cond += " AND network = ?"
		args = append(args, p.Network)
	}
	return cond, args
}

// overlaps reports whether the UTC day starting at day meets the spans.
func overlaps(spans []Span, day time.Time) bool {
	for _, sp := range spans {
		if sp.From.Before(day.Add(24*time.Hour)) && day.Before(sp.To) {
			return true
		}
	}
	return false
}

// wholeHours reports whether loc's offset is a whole number of hours
// throughout [from, to), and changes only on whole hours: then every UTC
// hour lies in one local day and one local hour.
func wholeHours(loc *time.Location, from, to time.Time) bool {
	for t := from; t.Before(to); {
		lt := t.In(loc)
		if _, off := lt.Zone(); off%3600 != 0 {
			return false
		}
		_, end := lt.ZoneBounds()
		if end.IsZero() || !end.After(t) {
			return true
		}
		if end.Before(to) && end.Unix()%3600 != 0 {
			return false
		}
		t = end
	}
	return true
}

// Plan reads which UTC days of the period have a fresh rollup.
func (s Reader) Plan(ctx context.Context, p Params) (Plan, error) {
	loc, err := time.LoadLocation(p.tz)
	if err != nil {
		return Plan{}, err
	}
	all := []Span{{p.From, p.To}}
	pl := Plan{loc: loc, VolumeBase: all, Base: all}
	// The hours of the period, whole UTC hours.
	from, to := p.From.Add(time.Hour-time.Nanosecond).Truncate(time.Hour), p.To.Truncate(time.Hour)
	if p.baseOnly || !from.Before(to) || !wholeHours(loc, p.From, p.To) {
		return pl, nil
	}
	first, end := rollup.DayOf(from), rollup.DayOf(to.Add(24*time.Hour-time.Nanosecond))
	only := " WHERE brand = ? AND day >= toDate(?) AND day < toDate(?)"
	rows, err := s.db.Conn().Query(ctx, `SELECT toString(day), run FROM (`+rollup.LatestRuns(only)+`)
ANY LEFT JOIN (`+rollup.LatestMarks(only)+`) USING brand, day
WHERE `+rollup.FreshDay+` ORDER BY day`, p.Brand, first.Format(rollup.DayFormat), end.Format(rollup.DayFormat), p.Brand, first.Format(rollup.DayFormat), end.Format(rollup.DayFormat))
	if err != nil {
		return pl, fmt.Errorf("rollup days: %w", err)
	}
	defer rows.Close()
	var fresh []Span
	pl.runs = map[time.Time]uint64{}
	for rows.Next() {
		var (
			d   string
			run uint64
		)
		if err := rows.Scan(&d, &run); err != nil {
			return pl, fmt.Errorf("rollup days: %w", err)
		}
		t, err := time.Parse(rollup.DayFormat, d)
		if err != nil {
			return pl, fmt.Errorf("rollup days: %w", err)
		}
		fresh = append(fresh, Span{t, t.Add(24 * time.Hour)})
		pl.runs[t] = run
	}
	if err := rows.Err(); err != nil {
		return pl, fmt.Errorf("rollup days: %w", err)
	}
	pl.Hours = within(fresh, from, to)
	for _, d := range fresh {
		if !d.From.Before(p.From) && !d.To.After(p.To) {
			pl.Days = append(pl.Days, d)
		}
	}
	pl.Days = within(pl.Days, p.From, p.To)
	pl.VolumeBase, pl.Base = outside(pl.Days, p.From, p.To), outside(pl.Hours, p.From, p.To)
	return pl, nil
}

// within clips the sorted spans to [from, to) and joins the adjacent ones.
func within(spans []Span, from, to time.Time) []Span {
	var out []Span
	for _, sp := range spans {
		sp.From, sp.To = maxTime(sp.From, from), minTime(sp.To, to)
		if !sp.From.Before(sp.To) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].To.Equal(sp.From) {
			out[n-1].To = sp.To
			continue
		}
		out = append(out, sp)
	}
	return out
}

// outside is [from, to) without the sorted, disjoint spans inside it.
func outside(spans []Span, from, to time.Time) []Span {
	var out []Span
	at := from
	for _, sp := range spans {
		if at.Before(sp.From) {
			out = append(out, Span{at, sp.From})
		}
		at = sp.To
	}
	if at.Before(to) {
		out = append(out, Span{at, to})
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// InSpans reports whether t is in one of the spans.
func InSpans(spans []Span, t time.Time) bool {
	for _, sp := range spans {
		if !t.Before(sp.From) && t.Before(sp.To) {
			return true
		}
	}
	return false
}

// spansSQL is the condition selecting column in spans, with its arguments;
// date makes them Date bounds (the day column of the rollup).
func spansSQL(column string, spans []Span, date bool) (string, []any) {
	var ors []string
	var args []any
	for _, sp := range spans {
		if date {
			ors = append(ors, "("+column+" >= toDate(?) AND "+column+" < toDate(?))")
			args = append(args, rollup.DayOf(sp.From).Format(rollup.DayFormat), rollup.DayOf(sp.To.Add(24*time.Hour-time.Nanosecond)).Format(rollup.DayFormat))
			continue
		}
		ors = append(ors, "("+column+" >= toDateTime(?) AND "+column+" < toDateTime(?))")
		args = append(args, sp.From.Unix(), sp.To.Unix())
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// RollupBehind counts the brand days holding interactions whose rollup is
// missing or stale: what the rollup job has yet to compute (`ruche bench`
