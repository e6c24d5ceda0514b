package analytics

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Module is the name analytics' migrations are recorded under.
const Module = "analytics"

// Migrate applies the analytics schema to db's database; it is a no-op when
// the schema is up to date. `ruche migrate` and `ruche up` call it.
func Migrate(ctx context.Context, db *clickhouse.DB) error {
	_, err := MigrateApplied(ctx, db)
	return err
}

// MigrateApplied is Migrate, returning what it applied or skipped.
func MigrateApplied(ctx context.Context, db *clickhouse.DB) ([]clickhouse.Applied, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	applied, err := clickhouse.Migrate(ctx, db, Module, sub)
	if err != nil {
		return applied, fmt.Errorf("analytics schema: %w", err)
	}
	return applied, nil
}
