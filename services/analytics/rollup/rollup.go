// Package rollup keeps the dashboard's rollup (migration 0009_kpi_rollup.sql):
// the sink's dirty marks (marks.go), the background job that computes the
// marked days (job.go), and the freshness rule readers plan with (kpi.Plan).
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
package rollup

import "time"

// RunDays is the most days of one brand one computation reads.
const RunDays = 31

// DayOf is t's UTC day, as midnight.
func DayOf(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// DayFormat is the text form of a day in the rollup's queries.
const DayFormat = time.DateOnly

// BrandDay is one brand's UTC day.
type BrandDay struct {
	Brand string
	Day   time.Time
}

// LatestRuns and LatestMarks are, per brand day (of the filter where, ""
// or " WHERE ..."), the latest computation and the latest mark; joined on
// brand and day, FreshDay and StaleDay are the freshness rule (a day with
// no mark is fresh once computed, a day never computed is stale).
func LatestRuns(where string) string {
	return "SELECT brand, day, max(started_at) AS started, max(run) AS run FROM kpi_rollup_days" + where + " GROUP BY brand, day"
}

func LatestMarks(where string) string {
	return "SELECT brand, day, max(marked_at) AS marked FROM kpi_dirty_days" + where + " GROUP BY brand, day"
}

const (
	FreshDay = "started > marked"
	StaleDay = "started <= marked"
)
