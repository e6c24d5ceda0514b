package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics"
)

// kpiQueries are typical aggregate queries of a brand's dashboard, written
// straight on the base tables as analytics writes its queries: scoped by
// brand, FINAL where duplicates would count twice, the latest decision by
// argMax(version). They were written before analytics had its KPI
// endpoint (measured below as kpi_dashboard_*, against the target); they
// show what the base tables cost without analytics' query copies and
// rollup, and have no target.
var kpiQueries = []struct{ name, sql string }{
	{"kpi_volume_by_day_network_30d", `SELECT toDate(created_at) AS day, network, count() AS n
FROM interactions FINAL WHERE brand = ? AND created_at >= now() - 30*86400
GROUP BY day, network ORDER BY day, network`},
	{"kpi_hourly_48h", `SELECT toStartOfHour(created_at) AS hour, count() AS n
FROM interactions FINAL WHERE brand = ? AND created_at >= now() - 2*86400
GROUP BY hour ORDER BY hour`},
	{"kpi_kind_lang_365d", `SELECT kind, lang, count() AS n, uniq(author_id) AS authors
FROM interactions FINAL WHERE brand = ? AND created_at >= now() - 365*86400
GROUP BY kind, lang ORDER BY n DESC`},
	{"kpi_top_authors_30d", `SELECT author_id, any(author_handle) AS handle, count() AS n
FROM interactions FINAL WHERE brand = ? AND created_at >= now() - 30*86400
GROUP BY author_id ORDER BY n DESC LIMIT 20`},
	{"kpi_verdicts_7d", `SELECT verdict, count() AS n FROM (
	SELECT interaction_id, argMax(verdict, version) AS verdict
	FROM interaction_state WHERE brand = ? AND moderated_at >= now() - 7*86400
	GROUP BY interaction_id)
GROUP BY verdict ORDER BY n DESC`},
	{"kpi_needs_reply_backlog", `SELECT network, count() AS n FROM (
	SELECT interaction_id, argMax(network, version) AS network, argMax(actions, version) AS actions
	FROM interaction_state WHERE brand = ?
	GROUP BY interaction_id)
WHERE has(actions, 'needs_reply') GROUP BY network ORDER BY n DESC`},
}

// queries generates the dataset, starts `ruche up` on it, and measures the
// inbox listing through the gateway (HTTP → NATS → analytics → ClickHouse)
// and the KPI queries on ClickHouse.
func (b *bench) queries(ctx context.Context) error {
	db, release, err := b.database(ctx, "queries")
	if err != nil {
		return err
	}
	defer release()
	now := time.Now().UTC()
	took, err := b.generate(ctx, db, b.cfg.Rows, now)
	if err != nil {
		return err
	}
	var demo uint64
	if err := db.Conn().QueryRow(ctx, "SELECT count() FROM interactions WHERE brand = 'demo'").Scan(&demo); err != nil {
		return err
	}
	b.res.Add("dataset_rows", float64(b.cfg.Rows), "rows", fmt.Sprintf("interactions over a year, 20 brands; the demo brand has %d; plus one decision each in interaction_state", demo))
	b.res.Add("dataset_generation", took.Seconds(), "s", "INSERT … SELECT from system.numbers, both tables, before merges settle")
	b.res.Add("dataset_generation_rate", rate(int64(b.cfg.Rows), took), "rows/s", "interactions (each with its decision) generated per second")

	p, err := b.startPlatform(ctx, db, false)
	if err != nil {
		return err
	}
	defer p.close()
	if err := b.awaitRollup(ctx, db); err != nil {
		return err
	}

	budget := b.cfg.share(0.12, 2*time.Second)
	reps := func(n int) int {
		if b.cfg.Smoke {
			return 3
		}
		return max(n, 5)
	}
	per := budget / time.Duration(5+len(kpiQueries))

	// Inbox: first page, then the page after it.
	client := &http.Client{Timeout: time.Minute}
	list := func(cursor string) (query.ListInteractionsResponse, error) {
		var out query.ListInteractionsResponse
		u := "http://" + p.gateway + "/api/v1/interactions?brand=demo&limit=50"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+benchAPIKey)
		resp, err := client.Do(req)
		if err != nil {
			return out, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return out, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		return out, json.Unmarshal(body, &out)
	}
	first, err := list("")
	if err != nil {
		return err
	}
	if len(first.Items) != 50 || first.NextCursor == "" {
		return fmt.Errorf("inbox: %d items, cursor %q: want a full page of 50 and a next cursor", len(first.Items), first.NextCursor)
	}
	for _, page := range []struct {
		name, cursor string
	}{{"inbox_first_page", ""}, {"inbox_next_page", first.NextCursor}} {
		lat, err := b.repeat(ctx, per, reps(0), func() error { _, err := list(page.cursor); return err })
		if err != nil {
			return fmt.Errorf("%s: %w", page.name, err)
		}
		b.addLatency(page.name, lat, 100, "GET /api/v1/interactions?brand=demo&limit=50 through the gateway and analytics (newest received first)")
	}

	// The dashboard: GET /api/v1/kpis (analytics' KPI endpoint, every
	// figure of the brand's dashboard in one answer) over three periods.
	for _, period := range []struct {
		name string
		days int
	}{{"kpi_dashboard_7d", 7}, {"kpi_dashboard_30d", 30}, {"kpi_dashboard_365d", 365}} {
		from := now.AddDate(0, 0, -period.days).Format(time.DateOnly)
		u := "http://" + p.gateway + "/api/v1/kpis?brand=demo&tz=Europe/Paris&from=" + from + "&to=" + now.Format(time.DateOnly)
		get := func() error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+benchAPIKey)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var k query.KPIs
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				return fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
			}
			if err := json.NewDecoder(resp.Body).Decode(&k); err != nil {
				return err
			}
			if k.Volume.Total == 0 {
				return fmt.Errorf("GET %s: no volume", u)
			}
			return nil
		}
		lat, err := b.repeat(ctx, per, reps(0), get)
		if err != nil {
			return fmt.Errorf("%s: %w", period.name, err)
		}
		b.addLatency(period.name, lat, 500, fmt.Sprintf("GET /api/v1/kpis?brand=demo, %d days, Europe/Paris, through the gateway and analytics", period.days))
	}

	for _, q := range kpiQueries {
		lat, err := b.repeat(ctx, per, reps(0), func() error { return drain(ctx, db, q.sql, "demo") })
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		// A reference without a target: the product's dashboard is
		// kpi_dashboard_* above, which the 500 ms target applies to.
		b.addLatency(q.name, lat, 0, "SQL on ClickHouse, demo brand, base tables only (no query copy, no rollup): a reference for what analytics' copies and rollup save")
	}
	return nil
}

// awaitRollup waits for the platform's rollup job to compute the
// dashboard's rollup of the generated year (analytics/rollup.go), as it
// has on a platform that has been running, and reports how long it took.
// Until then, dashboards read the base tables: same figures, slower.
func (b *bench) awaitRollup(ctx context.Context, db *clickhouse.DB) error {
	start := time.Now()
	for {
		behind, err := analytics.RollupBehind(ctx, db)
		if err != nil {
			return err
		}
		if behind == 0 {
			break
		}
		if time.Since(start) > 30*time.Minute {
			return fmt.Errorf("the rollup has %d days left to compute after %s", behind, time.Since(start).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	took := time.Since(start)
	b.res.Add("dataset_rollup", took.Seconds(), "s", "the platform's rollup job computing the dashboard's rollup of the generated year, every brand, from its start")
	b.res.Add("dataset_rollup_rate", rate(int64(b.cfg.Rows), took), "rows/s", "interactions rolled up per second")
	b.log("rollup: the generated year computed in %s", took.Round(time.Millisecond))
	return nil
}

// repeat runs f once to warm up, then at least n times (3 when one run
// takes more than a fifth of the budget) and until budget is spent, and
// returns the durations.
func (b *bench) repeat(ctx context.Context, budget time.Duration, n int, f func() error) ([]time.Duration, error) {
	warm := time.Now()
	if err := f(); err != nil {
		return nil, err
	}
	if time.Since(warm) > budget/5 {
		n = min(n, 3)
	}
	var out []time.Duration
	start := time.Now()
	for len(out) < n || (time.Since(start) < budget && len(out) < 1000) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t))
	}
	return out, nil
}

// addLatency records p50 and p95 of lat, the p95 against target (ms; 0:
// none).
func (b *bench) addLatency(name string, lat []time.Duration, target float64, note string) {
	p := percentiles(lat, 50, 95)
	b.res.Add(name+"_p50", p[0], "ms", fmt.Sprintf("%s; %d runs", note, len(lat)))
	p95 := b.res.Add(name+"_p95", p[1], "ms", fmt.Sprintf("%s; %d runs", note, len(lat)))
	if target > 0 {
		p95.AtMost(target)
	}
	b.log("%s: p50 %.1f ms, p95 %.1f ms (%d runs)", name, p[0], p[1], len(lat))
}

// drain runs a query and reads every row.
func drain(ctx context.Context, db *clickhouse.DB, sql string, args ...any) error {
	rows, err := db.Conn().Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no rows")
	}
	return nil
}
