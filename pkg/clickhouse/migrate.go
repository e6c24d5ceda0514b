package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"time"
)

// MigrationsTable is the bookkeeping table Migrate keeps in the DB's database.
const MigrationsTable = "schema_migrations"

// ErrChecksumMismatch is returned when a migration that was applied has been
// edited since: applied migrations are never changed, a new one is added.
var ErrChecksumMismatch = errors.New("applied migration changed")

// Applied is one migration that Migrate applied or skipped.
type Applied struct {
	// Module owns the migration, e.g. "analytics".
	Module string
	// Version is the NNNN of NNNN_name.sql, and Name the rest.
	Version uint32
	Name    string
	// Checksum is the hex SHA-256 of the file.
	Checksum string
	// Skipped is true when the server lacks a feature the migration requires;
	// Missing names those features.
	Skipped bool
	Missing []string
	// AppliedAt is when it was recorded.
	AppliedAt time.Time
}

// Migrate applies module's migrations from the root of fsys (usually an
// embed.FS passed through fs.Sub) to db's database, in version order, and
// returns those it applied or skipped in this call: none when the schema is
// already up to date, so re-running is a no-op.
//
// Files are named NNNN_name.sql. A file may hold several statements: each
// ends with a line whose last character is ';'. Comment lines ("-- ...") are
// ignored, except a header line before the first statement such as
//
//	-- requires: ttl
//
// (feature names of FeatureNames, comma-separated): on a server without one
// of them the migration is not run but recorded as skipped, and it is applied
// by a later Migrate once the server has been upgraded. A gated migration must
// therefore only switch on an optional feature, never be a prerequisite of a
// later migration.
//
// Each migration is recorded in the schema_migrations table (module, version,
// name, checksum, skipped, applied_at), written with a named-column batch
// once all its statements succeeded. Migrate refuses to run, before applying
// anything, when the checksum of an applied migration no longer matches its
// file. There is no lock: concurrent runners may both run a migration, so
// statements are written to be repeatable (CREATE TABLE IF NOT EXISTS ...); a
// migration that fails half-way is retried from its first statement, for the
// same reason. Recorded versions that have no file (a newer binary ran
// first) are left alone.
func Migrate(ctx context.Context, db *DB, module string, fsys fs.FS) ([]Applied, error) {
	if !moduleName.MatchString(module) {
		return nil, fmt.Errorf("migrate: module name %q: want lowercase letters, digits, '-' or '_'", module)
	}
	migs, err := readMigrations(fsys)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", module, err)
	}
	if err := ensureMigrationsTable(ctx, db); err != nil {
		return nil, err
	}
	records, err := loadRecords(ctx, db, module)
	if err != nil {
		return nil, err
	}
	for _, m := range migs {
		if r, ok := records[m.version]; ok && !r.Skipped && r.Checksum != m.checksum {
			return nil, fmt.Errorf("migrate %s: %w: %s was applied with checksum %s, the file now has %s; add a new migration instead of editing it",
				module, ErrChecksumMismatch, m.file, r.Checksum, m.checksum)
		}
	}
	var done []Applied
	for _, m := range migs {
		r, recorded := records[m.version]
		if recorded && !r.Skipped {
			continue
		}
		missing, err := missingFeatures(db.Features(), m.requires)
		if err != nil {
			return done, err
		}
		if len(missing) > 0 && recorded && r.Checksum == m.checksum {
			continue // still skipped, already recorded
		}
		a := Applied{Module: module, Version: m.version, Name: m.name, Checksum: m.checksum, Skipped: len(missing) > 0, Missing: missing}
		if !a.Skipped {
			for i, stmt := range m.statements {
				if err := db.conn.Exec(ctx, stmt); err != nil {
					return done, fmt.Errorf("migrate %s: %s statement %d: %w", module, m.file, i+1, err)
				}
			}
		}
		a.AppliedAt = time.Now().UTC().Truncate(time.Second)
		if err := record(ctx, db, a); err != nil {
			return done, err
		}
		done = append(done, a)
	}
	return done, nil
}

var moduleName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

func missingFeatures(f Features, requires []string) ([]string, error) {
	var missing []string
	for _, name := range requires {
		ok, err := f.Has(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// ensureMigrationsTable creates the bookkeeping table. ReplacingMergeTree on
// applied_at collapses the rows of a migration recorded twice (concurrent
// runners, or skipped then applied) to the latest; loadRecords does not rely
// on merges having happened.
func ensureMigrationsTable(ctx context.Context, db *DB) error {
	err := db.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+MigrationsTable+` (
	module String,
	version UInt32,
	name String,
	checksum String,
	skipped UInt8,
	applied_at DateTime
) ENGINE = ReplacingMergeTree(applied_at)
ORDER BY (module, version)`)
	if err != nil {
		return fmt.Errorf("migrate: create %s: %w", MigrationsTable, err)
	}
	return nil
}

// loadRecords returns the state of each recorded version of module: applied
// when any row says so, else skipped.
func loadRecords(ctx context.Context, db *DB, module string) (map[uint32]Applied, error) {
	rows, err := db.conn.Query(ctx, `SELECT version, name, checksum, skipped, applied_at
FROM `+MigrationsTable+` WHERE module = ? ORDER BY version, applied_at`, module)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: read %s: %w", module, MigrationsTable, err)
	}
	defer rows.Close()
	out := map[uint32]Applied{}
	for rows.Next() {
		a := Applied{Module: module}
		var skipped uint8
		if err := rows.Scan(&a.Version, &a.Name, &a.Checksum, &skipped, &a.AppliedAt); err != nil {
			return nil, fmt.Errorf("migrate %s: scan %s: %w", module, MigrationsTable, err)
		}
		a.Skipped = skipped != 0
		if prev, ok := out[a.Version]; ok && !prev.Skipped && a.Skipped {
			continue // an applied record wins over a skipped one
		}
		out[a.Version] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate %s: read %s: %w", module, MigrationsTable, err)
	}
	return out, nil
}

// record writes one row with a named-column batch: INSERT ... VALUES through
// Exec hangs on 18.16, and a batch without a column list has no columns there.
func record(ctx context.Context, db *DB, a Applied) error {
	batch, err := db.conn.PrepareBatch(ctx, "INSERT INTO "+MigrationsTable+" (module, version, name, checksum, skipped, applied_at)")
	if err != nil {
		return fmt.Errorf("migrate %s: record %04d_%s: %w", a.Module, a.Version, a.Name, err)
	}
	var skipped uint8
	if a.Skipped {
		skipped = 1
	}
	if err := batch.Append(a.Module, a.Version, a.Name, a.Checksum, skipped, a.AppliedAt); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("migrate %s: record %04d_%s: %w", a.Module, a.Version, a.Name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("migrate %s: record %04d_%s: %w", a.Module, a.Version, a.Name, err)
	}
	return nil
}
