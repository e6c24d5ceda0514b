package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics"
)

// dbPrefix starts the name of every database the bench creates.
const dbPrefix = "ruche_bench_"

var dbSeq atomic.Int64

// database creates a fresh database with analytics' schema (migrations
// applied as `ruche up` applies them) and returns it with its release, for
// the end of the phase: its tables stop merging, so that they do not weigh
// on the next phase, and it is dropped when the bench ends. Dropping it
// at once would weigh on the next phase too: ext4 scans the inodes deleted
// in the last 30 s for every file it creates, and ClickHouse 18.16 creates
// two per column for every part it writes (the drop of one pipeline run's
// database made the next run's ClickHouse spend more CPU per row).
func (b *bench) database(ctx context.Context, tag string) (*clickhouse.DB, func(), error) {
	cfg := b.cfg.ClickHouse
	cfg.Database = fmt.Sprintf("%s%d_%s%d", dbPrefix, time.Now().Unix(), tag, dbSeq.Add(1))
	db, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := analytics.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	release := func() {
		if b.cfg.Keep {
			_ = db.Close()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		stopMerges(ctx, db)
		b.atEnd = append(b.atEnd, func() {
			// A database of 10 million rows on a loaded machine takes
			// minutes to drop (ext4 frees its files one by one).
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if err := db.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db.Database()); err != nil {
				b.log("drop %s: %v", db.Database(), err)
			}
			_ = db.Close()
		})
	}
	return db, release, nil
}

// stopMerges stops the merges of every MergeTree table of db.
func stopMerges(ctx context.Context, db *clickhouse.DB) {
	rows, err := db.Conn().Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND engine LIKE '%MergeTree'", db.Database())
	if err != nil {
		return
	}
	var tables []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil && clickhouse.ValidateIdentifier(name) == nil {
			tables = append(tables, name)
		}
	}
	_ = rows.Close()
	for _, t := range tables {
		_ = db.Conn().Exec(ctx, "SYSTEM STOP MERGES "+db.Database()+"."+t)
	}
}

// sweepDatabases drops bench databases older than six hours: what a killed
// run left behind.
func (b *bench) sweepDatabases(ctx context.Context, db *clickhouse.DB) {
	rows, err := db.Conn().Query(ctx, "SELECT name FROM system.databases WHERE startsWith(name, ?)", dbPrefix)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(name, dbPrefix), "_")
		if sec, err := strconv.ParseInt(ts, 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > 6*time.Hour {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		if clickhouse.ValidateIdentifier(name) == nil {
			_ = db.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+name)
		}
	}
}

// interactionColumns are the columns of analytics' interactions table, named
// as every insert must on ClickHouse 18.16.
const interactionColumns = "id, brand, network, account, kind, platform_id, thread_id, parent_id, " +
	"author_id, author_handle, author_name, author_followers, author_verified, text, lang, url, " +
	"created_at, received_at, received_ms, source, source_id, inserted_at"

// rawClickHouse measures clickhouse-go/v2 batch inserts of interaction rows
// into analytics' own interactions table (a fresh database): batches of
// 50,000 rows (smoke: 2,000), appended row by row as the sink does.
func (b *bench) rawClickHouse(ctx context.Context) error {
	db, release, err := b.database(ctx, "insert")
	if err != nil {
		return err
	}
	defer release()
	size := 50_000
	if b.cfg.Smoke {
		size = 2_000
	}
	pay := newPayload("ch-")
	now := time.Now().UTC().Truncate(time.Second)
	rows := make([][]any, size)
	for i := range rows {
		n := int64(i)
		id := pay.id(n)
		author := "u" + strconv.FormatInt(n%50_000, 10)
		rows[i] = []any{"generic:" + id, "demo", "generic", "", "comment", id, "", "",
			author, "@fan" + author, "Fan " + author, n % 10_000, uint8(0), texts[n%int64(len(texts))], "fr",
			"https://social.example/p/" + id, now.Add(-time.Duration(n%3600) * time.Second), now, uint16(n % 1000),
			"webhook", "demo-webhook", now}
	}
	insert := func() error {
		batch, err := db.Conn().PrepareBatch(ctx, "INSERT INTO interactions ("+interactionColumns+")")
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := batch.Append(r...); err != nil {
				_ = batch.Abort()
				return err
			}
		}
		return batch.Send()
	}
	if err := insert(); err != nil { // warm-up: connection, first part
		return fmt.Errorf("clickhouse insert: %w", err)
	}
	d := b.cfg.share(0.06, 500*time.Millisecond)
	var n int64
	start := time.Now()
	for time.Since(start) < d || n < 2*int64(size) {
		if err := insert(); err != nil {
			return fmt.Errorf("clickhouse insert: %w", err)
		}
		n += int64(size)
	}
	took := time.Since(start)
	b.res.Add("ch_insert", rate(n, took), "rows/s", fmt.Sprintf("clickhouse-go batches of %d interaction rows, named columns, one at a time", size)).
		Reference("200-275k")
	return nil
}
