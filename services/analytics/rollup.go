package analytics

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// The dashboard's rollup (migration 0009_kpi_rollup.sql).
//
// The dashboard's figures that come from the interactions and their latest
// moderation (volume by day, kind and network; engagements and comments;
// best times; sentiment by day) are sums over hours. kpi_days holds them
// per brand, UTC day and network, as 24 hourly counts each, computed from
// the base tables a day at a time. A dashboard reads the hours of the days
// whose computation is fresh from kpi_days, and the rest of its period
// (today, the days written since their computation, parts of hours at its
// ends) from the base tables: its figures are those of the base tables
// alone. A time zone whose offset is not a whole number of hours reads the
// base tables.
//
// Freshness: the sink marks, in kpi_dirty_days, the UTC day of the
// created_at of every interaction and decision it writes, after writing
// them, with ClickHouse's now(). A computation reads ClickHouse's now()
// before it reads the base tables and records it in kpi_rollup_days. A
// day's rollup is fresh when its latest computation started strictly after
// its latest mark (now() has whole seconds): whatever was written before a
// mark older than the start was there when the computation read.
//
// Every replica runs the rollup job: every rollup_interval it computes the
// days whose latest mark is older than rollup_settle (a day still being
// written, today, is read from the base tables), and every rollup_discover
// it marks the days that hold interactions but were never computed (rows
// written before the rollup existed, or by anything but the sink) and
// deletes the runs a later run replaced. Replicas take the pending runs in
// random orders and check a run is still pending before computing it, so
// they rarely compute the same one; when they do, both write correct
// figures and readers take the later run.
//
// A computation reads the moderation rows since the day before its days,
// the margin of the base-table queries (kpiParams.since).

// rollupRunDays is the most days of one brand one computation reads.
const rollupRunDays = 31

// dayOf is t's UTC day, as midnight.
func dayOf(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

const dayFormat = time.DateOnly

// brandDay is one brand's UTC day.
type brandDay struct {
	brand string
	day   time.Time
}

// markDirty records, with ClickHouse's clock, that the rows of these days
// changed. The caller has written the rows.
func (s store) markDirty(ctx context.Context, days map[brandDay]struct{}) error {
	if len(days) == 0 {
		return nil
	}
	byBrand := map[string][]string{}
	for d := range days {
		byBrand[d.brand] = append(byBrand[d.brand], d.day.Format(dayFormat))
	}
	var selects []string
	var args []any
	for brand, ds := range byBrand {
		selects = append(selects, "SELECT ? AS brand, toDate(arrayJoin(?)) AS day, now() AS marked_at")
		args = append(args, brand, ds)
	}
	q := "INSERT INTO kpi_dirty_days (brand, day, marked_at) " + strings.Join(selects, " UNION ALL ")
	if err := s.db.Conn().Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("mark rollup days: %w", err)
	}
	return nil
}

// rowDays are the brand days the rows change. A decision that does not
// carry its interaction's created_at (published before the field existed)
// is filed under its interaction's stored created_at; an interaction not
// stored yet marks its day when the sink writes it.
func (s store) rowDays(ctx context.Context, interactions []interactionRow, states []stateRow) (map[brandDay]struct{}, error) {
	days := map[brandDay]struct{}{}
	for _, r := range interactions {
		days[brandDay{r.Brand, dayOf(r.CreatedAt)}] = struct{}{}
	}
	unknown := map[string][]string{}
	for _, r := range states {
		if r.CreatedAt.IsZero() {
			unknown[r.Brand] = append(unknown[r.Brand], r.InteractionID)
			continue
		}
		days[brandDay{r.Brand, dayOf(r.CreatedAt)}] = struct{}{}
	}
	for brand, ids := range unknown {
		rows, err := s.db.Conn().Query(ctx, "SELECT DISTINCT toString(toDate(created_at, 'UTC')) FROM interactions WHERE brand = ? AND id IN ?", brand, inSet(ids))
		if err != nil {
			return nil, fmt.Errorf("days of decisions: %w", err)
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return nil, fmt.Errorf("days of decisions: %w", err)
			}
			t, err := time.Parse(dayFormat, d)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("days of decisions: %w", err)
			}
			days[brandDay{brand, t}] = struct{}{}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("days of decisions: %w", err)
		}
	}
	return days, nil
}

// discoverDays marks the days that hold interactions and were never
// computed, as marked long ago: they are computed at the next round.
func (s store) discoverDays(ctx context.Context) error {
	err := s.db.Conn().Exec(ctx, `INSERT INTO kpi_dirty_days (brand, day, marked_at)
SELECT brand, day, toDateTime(1) FROM (SELECT DISTINCT brand, toDate(created_at, 'UTC') AS day FROM interactions)
WHERE (brand, day) NOT IN (SELECT brand, day FROM kpi_rollup_days)`)
	if err != nil {
		return fmt.Errorf("discover rollup days: %w", err)
	}
	return nil
}

// pruneRuns deletes the rows of at most limit runs of a day that a later
// recorded run of that day replaced, and returns how many. A run not
// recorded yet is later than every recorded one: it is never pruned.
func (s store) pruneRuns(ctx context.Context, limit int) (int, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT brand, toString(day), run FROM (SELECT DISTINCT brand, day, run FROM kpi_days)
ANY INNER JOIN (SELECT brand, day, max(run) AS latest FROM kpi_rollup_days GROUP BY brand, day) USING brand, day
WHERE run < latest LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("replaced rollup runs: %w", err)
	}
	var (
		tuples []string
		args   []any
	)
	for rows.Next() {
		var (
			brand, day string
			run        uint64
		)
		if err := rows.Scan(&brand, &day, &run); err != nil {
			rows.Close()
			return 0, fmt.Errorf("replaced rollup runs: %w", err)
		}
		tuples = append(tuples, "(?, toDate(?), toUInt64(?))")
		args = append(args, brand, day, run)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(tuples) == 0 {
		return 0, err
	}
	// A mutation, applied in the background; a second one before it is
	// done deletes nothing more.
	if err := s.db.Conn().Exec(ctx, "ALTER TABLE kpi_days DELETE WHERE (brand, day, run) IN ("+strings.Join(tuples, ", ")+")", args...); err != nil {
		return 0, fmt.Errorf("delete replaced rollup runs: %w", err)
	}
	return len(tuples), nil
}

// latestRuns and latestMarks are, per brand day (of the filter where, ""
// or " WHERE ..."), the latest computation and the latest mark; joined on
// brand and day, freshDay and staleDay are the freshness rule (a day with
// no mark is fresh once computed, a day never computed is stale).
func latestRuns(where string) string {
	return "SELECT brand, day, max(started_at) AS started, max(run) AS run FROM kpi_rollup_days" + where + " GROUP BY brand, day"
}

func latestMarks(where string) string {
	return "SELECT brand, day, max(marked_at) AS marked FROM kpi_dirty_days" + where + " GROUP BY brand, day"
}

const (
	freshDay = "started > marked"
	staleDay = "started <= marked"
)

// pendingDays are the days (at most limit, by brand and day) whose latest
// mark is older than settle and not older than their latest computation;
// only those of run r when r is set.
func (s store) pendingDays(ctx context.Context, settle time.Duration, limit int, r *dayRun) ([]brandDay, error) {
	only, args := "", []any(nil)
	if r != nil {
		only = " WHERE brand = ? AND day >= toDate(?) AND day < toDate(?)"
		args = []any{r.brand, r.from.Format(dayFormat), r.to.Format(dayFormat)}
	}
	rows, err := s.db.Conn().Query(ctx, `SELECT brand, toString(day) FROM (`+latestMarks(only)+`)
ANY LEFT JOIN (`+latestRuns(only)+`) USING brand, day
WHERE `+staleDay+` AND marked < now() - ?
ORDER BY brand, day LIMIT ?`, append(append(append(args, args...), int64(settle/time.Second)), limit)...)
	if err != nil {
		return nil, fmt.Errorf("pending rollup days: %w", err)
	}
	defer rows.Close()
	var out []brandDay
	for rows.Next() {
		var (
			d brandDay
			s string
		)
		if err := rows.Scan(&d.brand, &s); err != nil {
			return nil, fmt.Errorf("pending rollup days: %w", err)
		}
		if d.day, err = time.Parse(dayFormat, s); err != nil {
			return nil, fmt.Errorf("pending rollup days: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// dayRun is consecutive days [from, to) of one brand.
type dayRun struct {
	brand    string
	from, to time.Time
}

// runsOf groups days sorted by brand and day into runs of consecutive days,
// at most rollupRunDays long.
func runsOf(days []brandDay) []dayRun {
	var out []dayRun
	for _, d := range days {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.brand == d.brand && last.to.Equal(d.day) && last.to.Sub(last.from) < rollupRunDays*24*time.Hour {
				last.to = d.day.Add(24 * time.Hour)
				continue
			}
		}
		out = append(out, dayRun{brand: d.brand, from: d.day, to: d.day.Add(24 * time.Hour)})
	}
	return out
}

// computeDays computes the rollup of the run's days from the base tables
// and records the computation. Each row of kpi_days folds the hours of one
// day and network, then its kinds; the join takes each interaction's latest
// moderation (none: no verdict, no labels, not spam, no response needed).
func (s store) computeDays(ctx context.Context, r dayRun) error {
	var started uint32
	if err := s.db.Conn().QueryRow(ctx, "SELECT toUInt32(now())").Scan(&started); err != nil {
		return fmt.Errorf("rollup %s: %w", r.brand, err)
	}
	run := uint64(started)<<32 | uint64(rand.Uint32())
	from, to, since := r.from.Unix(), r.to.Unix(), r.from.Add(-24*time.Hour).Unix()
	// The 24 hourly counts of a column: its count at position hr (no
	// lambda: 18.16's lambdas lose the columns of a subquery).
	hours := func(col string) string {
		return "sumForEach(arrayConcat(arrayResize(emptyArrayUInt64(), hr), [toUInt64(" + col + ")], arrayResize(emptyArrayUInt64(), 23 - hr)))"
	}
	needs := "(has(acts, 'needs_reply') OR due > 0)"
	q := `INSERT INTO kpi_days (brand, day, network, interactions, engagements, comments, positive, neutral, negative, kinds, kind_interactions,
	needing_ids, needing_created, needing_due, run)
SELECT ?, day, network, sumForEach(i), sumForEach(e), sumForEach(c), sumForEach(p), sumForEach(u), sumForEach(g),
	groupArray(kind), groupArray(kn), groupArrayArray(nid), groupArrayArray(ncr), groupArrayArray(ndue), toUInt64(?)
FROM (
	SELECT day, network, kind, sum(n) AS kn, ` + hours("n") + ` AS i, ` + hours("e") + ` AS e, ` + hours("c") + ` AS c,
		` + hours("p") + ` AS p, ` + hours("u") + ` AS u, ` + hours("g") + ` AS g,
		groupArrayArray(nid) AS nid, groupArrayArray(ncr) AS ncr, groupArrayArray(ndue) AS ndue
	FROM (
		SELECT day, hr, network, kind, count() AS n,
			countIf(kind IN ? AND verdict != 'spam') AS e,
			countIf(kind IN ('comment', 'reply') AND verdict != 'spam') AS c,
			sumIf(arrayCount(x -> x = 'sentiment:positive', labels), verdict != 'spam') AS p,
			sumIf(arrayCount(x -> x = 'sentiment:neutral', labels), verdict != 'spam') AS u,
			sumIf(arrayCount(x -> x = 'sentiment:negative', labels), verdict != 'spam') AS g,
			groupArrayIf(id, ` + needs + `) AS nid, groupArrayIf(created_at, ` + needs + `) AS ncr, groupArrayIf(due, ` + needs + `) AS ndue
		FROM (
			SELECT id, network, kind, created_at, toDate(created_at, 'UTC') AS day, toHour(created_at, 'UTC') AS hr
			FROM interactions FINAL WHERE brand = ? AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
		) ANY LEFT JOIN (
			SELECT interaction_id AS id, argMax(verdict, version) AS verdict, argMax(labels, version) AS labels,
				argMax(actions, version) AS acts, argMax(ifNull(toUInt32(sla_due), 0), version) AS due
			FROM interaction_state_by_time WHERE brand = ? AND moderated_at >= toDateTime(?)
				AND interaction_id IN (SELECT id FROM interactions WHERE brand = ? AND created_at >= toDateTime(?) AND created_at < toDateTime(?))
			GROUP BY interaction_id
		) USING id
		GROUP BY day, hr, network, kind
	) GROUP BY day, network, kind
) GROUP BY day, network`
	args := []any{r.brand, run, inSet(engagementKinds), r.brand, from, to, r.brand, since, r.brand, from, to}
	if err := s.db.Conn().Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("rollup %s %s..%s: %w", r.brand, r.from.Format(dayFormat), r.to.Format(dayFormat), err)
	}
	var days []string
	for d := r.from; d.Before(r.to); d = d.Add(24 * time.Hour) {
		days = append(days, d.Format(dayFormat))
	}
	if err := s.db.Conn().Exec(ctx, "INSERT INTO kpi_rollup_days (brand, day, started_at, run) SELECT ?, toDate(arrayJoin(?)), toDateTime(?), toUInt64(?)", r.brand, days, started, run); err != nil {
		return fmt.Errorf("record rollup %s: %w", r.brand, err)
	}
	return nil
}

// rollupJob computes the rollup in the background.
type rollupJob struct {
	store                      store
	log                        *slog.Logger
	metrics                    *metrics
	interval, settle, discover time.Duration
}

// run discovers, then computes what is pending every interval, until ctx
// is done. Errors are logged and retried at the next round.
func (j *rollupJob) run(ctx context.Context) {
	var discovered time.Time
	t := time.NewTicker(j.interval)
	defer t.Stop()
	for {
		if time.Since(discovered) >= j.discover {
			if n, err := j.store.pruneRuns(ctx, 1000); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.metrics.errors.WithLabelValues("rollup").Inc()
				j.log.Warn("rollup: deleting replaced runs failed; retried next time", "error", err)
			} else if n > 0 {
				j.log.Debug("rollup: replaced runs deleted", "runs", n)
			}
			if err := j.store.discoverDays(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.metrics.errors.WithLabelValues("rollup").Inc()
				j.log.Warn("rollup: discovering days failed; retried next round", "error", err)
			} else {
				discovered = time.Now()
			}
		}
		if _, err := j.catchUp(ctx); err != nil && ctx.Err() == nil {
			j.metrics.errors.WithLabelValues("rollup").Inc()
			j.log.Warn("rollup: computing days failed; retried next round", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// catchUp computes the pending days until none is left, and returns how
// many it computed. A run that fails does not hold the others up: they are
// computed, then catchUp returns the first error (the next round retries).
func (j *rollupJob) catchUp(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		pending, err := j.store.pendingDays(ctx, j.settle, 1000, nil)
		if err != nil || len(pending) == 0 {
			return n, err
		}
		runs := runsOf(pending)
		// Replicas starting together take the runs in different orders,
		// and skip what another computed since (computeRuns).
		rand.Shuffle(len(runs), func(a, b int) { runs[a], runs[b] = runs[b], runs[a] })
		done, err := j.computeRuns(ctx, runs)
		n += done
		if err != nil {
			return n, err
		}
	}
	return n, ctx.Err()
}

// computeRuns computes the runs whose days are still pending, and returns
// how many days it computed and the first error.
func (j *rollupJob) computeRuns(ctx context.Context, runs []dayRun) (int, error) {
	var (
		n     int
		first error
	)
	for _, r := range runs {
		still, err := j.store.pendingDays(ctx, j.settle, 1, &r)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		if len(still) == 0 {
			continue // computed by another replica since
		}
		start := time.Now()
		if err := j.store.computeDays(ctx, r); err != nil {
			first = cmp.Or(first, err)
			continue
		}
		days := int(r.to.Sub(r.from) / (24 * time.Hour))
		n += days
		j.metrics.rollupDays.Add(float64(days))
		j.log.Debug("rollup computed", "brand", r.brand, "from", r.from.Format(dayFormat), "days", days, "took", time.Since(start))
	}
	return n, first
}

// span is [from, to).
type span struct{ from, to time.Time }

// kpiPlan splits a period between the rollup and the base tables.
type kpiPlan struct {
	loc *time.Location
	// days are runs of whole UTC days with a fresh rollup: the volume by
	// kind and network is kept per day.
	days []span
	// hours are the hours of fresh days in the period, a superset of days:
	// the other figures are kept per hour.
	hours []span
	// volumeBase and base are the rest of the period for the volume and
	// for the other figures, read from the base tables.
	volumeBase, base []span
	// runs are the fresh days' latest runs, the rows to read.
	runs map[time.Time]uint64
}

// rolledSQL selects the rollup rows of the spans' days: those of the run
// the plan chose for each day.
func (pl kpiPlan) rolledSQL(p kpiParams, spans []span) (string, []any) {
	cond, args := spansSQL("day", spans, true)
	var tuples []string
	for day, run := range pl.runs {
		if overlaps(spans, day) {
			tuples = append(tuples, "(toDate(?), toUInt64(?))")
			args = append(args, day.Format(dayFormat), run)
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
func overlaps(spans []span, day time.Time) bool {
	for _, sp := range spans {
		if sp.from.Before(day.Add(24*time.Hour)) && day.Before(sp.to) {
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

// plan reads which UTC days of the period have a fresh rollup.
func (s store) plan(ctx context.Context, p kpiParams) (kpiPlan, error) {
	loc, err := time.LoadLocation(p.tz)
	if err != nil {
		return kpiPlan{}, err
	}
	all := []span{{p.From, p.To}}
	pl := kpiPlan{loc: loc, volumeBase: all, base: all}
	// The hours of the period, whole UTC hours.
	from, to := p.From.Add(time.Hour-time.Nanosecond).Truncate(time.Hour), p.To.Truncate(time.Hour)
	if p.baseOnly || !from.Before(to) || !wholeHours(loc, p.From, p.To) {
		return pl, nil
	}
	first, end := dayOf(from), dayOf(to.Add(24*time.Hour-time.Nanosecond))
	only := " WHERE brand = ? AND day >= toDate(?) AND day < toDate(?)"
	rows, err := s.db.Conn().Query(ctx, `SELECT toString(day), run FROM (`+latestRuns(only)+`)
ANY LEFT JOIN (`+latestMarks(only)+`) USING brand, day
WHERE `+freshDay+` ORDER BY day`, p.Brand, first.Format(dayFormat), end.Format(dayFormat), p.Brand, first.Format(dayFormat), end.Format(dayFormat))
	if err != nil {
		return pl, fmt.Errorf("rollup days: %w", err)
	}
	defer rows.Close()
	var fresh []span
	pl.runs = map[time.Time]uint64{}
	for rows.Next() {
		var (
			d   string
			run uint64
		)
		if err := rows.Scan(&d, &run); err != nil {
			return pl, fmt.Errorf("rollup days: %w", err)
		}
		t, err := time.Parse(dayFormat, d)
		if err != nil {
			return pl, fmt.Errorf("rollup days: %w", err)
		}
		fresh = append(fresh, span{t, t.Add(24 * time.Hour)})
		pl.runs[t] = run
	}
	if err := rows.Err(); err != nil {
		return pl, fmt.Errorf("rollup days: %w", err)
	}
	pl.hours = within(fresh, from, to)
	for _, d := range fresh {
		if !d.from.Before(p.From) && !d.to.After(p.To) {
			pl.days = append(pl.days, d)
		}
	}
	pl.days = within(pl.days, p.From, p.To)
	pl.volumeBase, pl.base = outside(pl.days, p.From, p.To), outside(pl.hours, p.From, p.To)
	return pl, nil
}

// within clips the sorted spans to [from, to) and joins the adjacent ones.
func within(spans []span, from, to time.Time) []span {
	var out []span
	for _, sp := range spans {
		sp.from, sp.to = maxTime(sp.from, from), minTime(sp.to, to)
		if !sp.from.Before(sp.to) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].to.Equal(sp.from) {
			out[n-1].to = sp.to
			continue
		}
		out = append(out, sp)
	}
	return out
}

// outside is [from, to) without the sorted, disjoint spans inside it.
func outside(spans []span, from, to time.Time) []span {
	var out []span
	at := from
	for _, sp := range spans {
		if at.Before(sp.from) {
			out = append(out, span{at, sp.from})
		}
		at = sp.to
	}
	if at.Before(to) {
		out = append(out, span{at, to})
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

// inSpans reports whether t is in one of the spans.
func inSpans(spans []span, t time.Time) bool {
	for _, sp := range spans {
		if !t.Before(sp.from) && t.Before(sp.to) {
			return true
		}
	}
	return false
}

// spansSQL is the condition selecting column in spans, with its arguments;
// date makes them Date bounds (the day column of the rollup).
func spansSQL(column string, spans []span, date bool) (string, []any) {
	var ors []string
	var args []any
	for _, sp := range spans {
		if date {
			ors = append(ors, "("+column+" >= toDate(?) AND "+column+" < toDate(?))")
			args = append(args, dayOf(sp.from).Format(dayFormat), dayOf(sp.to.Add(24*time.Hour-time.Nanosecond)).Format(dayFormat))
			continue
		}
		ors = append(ors, "("+column+" >= toDateTime(?) AND "+column+" < toDateTime(?))")
		args = append(args, sp.from.Unix(), sp.to.Unix())
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// RollupBehind counts the brand days holding interactions whose rollup is
// missing or stale: what the rollup job has yet to compute (`ruche bench`
// waits for 0 before measuring dashboards, as on a platform that runs).
func RollupBehind(ctx context.Context, db *clickhouse.DB) (uint64, error) {
	var n uint64
	err := db.Conn().QueryRow(ctx, `SELECT count() FROM (
	SELECT brand, day, started FROM (SELECT DISTINCT brand, toDate(created_at, 'UTC') AS day FROM interactions)
	ANY LEFT JOIN (`+latestRuns("")+`) USING brand, day
) ANY LEFT JOIN (`+latestMarks("")+`) USING brand, day
WHERE `+staleDay).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rollup behind: %w", err)
	}
	return n, nil
}
