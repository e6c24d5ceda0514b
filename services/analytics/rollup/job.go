package rollup

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Discover marks the days that hold interactions and were never
// computed, as marked long ago: they are computed at the next round.
func (j *Job) Discover(ctx context.Context) error {
	err := j.DB.Conn().Exec(ctx, `INSERT INTO kpi_dirty_days (brand, day, marked_at)
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
func (j *Job) pruneRuns(ctx context.Context, limit int) (int, error) {
	rows, err := j.DB.Conn().Query(ctx, `SELECT brand, toString(day), run FROM (SELECT DISTINCT brand, day, run FROM kpi_days)
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
	if err := j.DB.Conn().Exec(ctx, "ALTER TABLE kpi_days DELETE WHERE (brand, day, run) IN ("+strings.Join(tuples, ", ")+")", args...); err != nil {
		return 0, fmt.Errorf("delete replaced rollup runs: %w", err)
	}
	return len(tuples), nil
}

// only those of run r when r is set.
func (j *Job) pendingDays(ctx context.Context, settle time.Duration, limit int, r *dayRun) ([]BrandDay, error) {
	only, args := "", []any(nil)
	if r != nil {
		only = " WHERE brand = ? AND day >= toDate(?) AND day < toDate(?)"
		args = []any{r.brand, r.from.Format(DayFormat), r.to.Format(DayFormat)}
	}
	rows, err := j.DB.Conn().Query(ctx, `SELECT brand, toString(day) FROM (`+LatestMarks(only)+`)
ANY LEFT JOIN (`+LatestRuns(only)+`) USING brand, day
WHERE `+StaleDay+` AND marked < now() - ?
ORDER BY brand, day LIMIT ?`, append(append(append(args, args...), int64(settle/time.Second)), limit)...)
	if err != nil {
		return nil, fmt.Errorf("pending rollup days: %w", err)
	}
	defer rows.Close()
	var out []BrandDay
	for rows.Next() {
		var (
			d BrandDay
			s string
		)
		if err := rows.Scan(&d.Brand, &s); err != nil {
			return nil, fmt.Errorf("pending rollup days: %w", err)
		}
		if d.Day, err = time.Parse(DayFormat, s); err != nil {
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
// at most RunDays long.
func runsOf(days []BrandDay) []dayRun {
	var out []dayRun
	for _, d := range days {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.brand == d.Brand && last.to.Equal(d.Day) && last.to.Sub(last.from) < RunDays*24*time.Hour {
				last.to = d.Day.Add(24 * time.Hour)
				continue
			}
		}
		out = append(out, dayRun{brand: d.Brand, from: d.Day, to: d.Day.Add(24 * time.Hour)})
	}
	return out
}

// computeDays computes the rollup of the run's days from the base tables
// and records the computation. Each row of kpi_days folds the hours of one
// day and network, then its kinds; the join takes each interaction's latest
// moderation (none: no verdict, no labels, not spam, no response needed).
func (j *Job) computeDays(ctx context.Context, r dayRun) error {
	var started uint32
	if err := j.DB.Conn().QueryRow(ctx, "SELECT toUInt32(now())").Scan(&started); err != nil {
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
	args := []any{r.brand, run, readmodel.InSet(readmodel.EngagementKinds), r.brand, from, to, r.brand, since, r.brand, from, to}
	if err := j.DB.Conn().Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("rollup %s %s..%s: %w", r.brand, r.from.Format(DayFormat), r.to.Format(DayFormat), err)
	}
	var days []string
	for d := r.from; d.Before(r.to); d = d.Add(24 * time.Hour) {
		days = append(days, d.Format(DayFormat))
	}
	if err := j.DB.Conn().Exec(ctx, "INSERT INTO kpi_rollup_days (brand, day, started_at, run) SELECT ?, toDate(arrayJoin(?)), toDateTime(?), toUInt64(?)", r.brand, days, started, run); err != nil {
		return fmt.Errorf("record rollup %s: %w", r.brand, err)
	}
	return nil
}

// Job computes the rollup in the background; every replica runs one.
type Job struct {
	DB  *clickhouse.DB
	Log *slog.Logger
	// Errors counts the failed steps, Days the days computed.
	Errors, Days                    prometheus.Counter
	Interval, Settle, DiscoverEvery time.Duration
}

// Run discovers, then computes what is pending every interval, until ctx
// is done. Errors are logged and retried at the next round.
func (j *Job) Run(ctx context.Context) {
	var discovered time.Time
	t := time.NewTicker(j.Interval)
	defer t.Stop()
	for {
		if time.Since(discovered) >= j.DiscoverEvery {
			if n, err := j.pruneRuns(ctx, 1000); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.Errors.Inc()
				j.Log.Warn("rollup: deleting replaced runs failed; retried next time", "error", err)
			} else if n > 0 {
				j.Log.Debug("rollup: replaced runs deleted", "runs", n)
			}
			if err := j.Discover(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.Errors.Inc()
				j.Log.Warn("rollup: discovering days failed; retried next round", "error", err)
			} else {
				discovered = time.Now()
			}
		}
		if _, err := j.CatchUp(ctx); err != nil && ctx.Err() == nil {
			j.Errors.Inc()
			j.Log.Warn("rollup: computing days failed; retried next round", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp computes the pending days until none is left, and returns how
// many it computed. A run that fails does not hold the others up: they are
// computed, then CatchUp returns the first error (the next round retries).
func (j *Job) CatchUp(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		pending, err := j.pendingDays(ctx, j.Settle, 1000, nil)
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

// Pending are the days (at most 1000) the job would compute now.
func (j *Job) Pending(ctx context.Context) ([]BrandDay, error) {
	return j.pendingDays(ctx, j.Settle, 1000, nil)
}

// Prune deletes the rows of at most limit runs that a later run replaced,
// and returns how many.
func (j *Job) Prune(ctx context.Context, limit int) (int, error) { return j.pruneRuns(ctx, limit) }

// Compute computes those of days that are still pending (another replica
// may have computed them since they were read), and returns how many days
// it computed.
func (j *Job) Compute(ctx context.Context, days []BrandDay) (int, error) {
	return j.computeRuns(ctx, runsOf(days))
}

// computeRuns computes the runs whose days are still pending, and returns
// how many days it computed and the first error.
func (j *Job) computeRuns(ctx context.Context, runs []dayRun) (int, error) {
	var (
		n     int
		first error
	)
	for _, r := range runs {
		still, err := j.pendingDays(ctx, j.Settle, 1, &r)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		if len(still) == 0 {
			continue // computed by another replica since
		}
		start := time.Now()
		if err := j.computeDays(ctx, r); err != nil {
			first = cmp.Or(first, err)
			continue
		}
		days := int(r.to.Sub(r.from) / (24 * time.Hour))
		n += days
		j.Days.Add(float64(days))
		j.Log.Debug("rollup computed", "brand", r.brand, "from", r.from.Format(DayFormat), "days", days, "took", time.Since(start))
	}
	return n, first
}

// waits for 0 before measuring dashboards, as on a platform that runs).
func Behind(ctx context.Context, db *clickhouse.DB) (uint64, error) {
	var n uint64
	err := db.Conn().QueryRow(ctx, `SELECT count() FROM (
	SELECT brand, day, started FROM (SELECT DISTINCT brand, toDate(created_at, 'UTC') AS day FROM interactions)
	ANY LEFT JOIN (`+LatestRuns("")+`) USING brand, day
) ANY LEFT JOIN (`+LatestMarks("")+`) USING brand, day
WHERE `+StaleDay).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rollup behind: %w", err)
	}
	return n, nil
}
