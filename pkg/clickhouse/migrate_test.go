package clickhouse_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func sqlFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func names(applied []clickhouse.Applied) []string {
	var out []string
	for _, a := range applied {
		s := a.Name
		if a.Skipped {
			s += "(skipped)"
		}
		out = append(out, s)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func tableExists(t *testing.T, db *clickhouse.DB, name string) bool {
	t.Helper()
	var n uint64
	err := db.Conn().QueryRow(context.Background(),
		"SELECT count() FROM system.tables WHERE database = ? AND name = ?", db.Database(), name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()

	t.Run("applies_in_order_records_and_skips_gated", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		fsys := fstest.MapFS{
			"0001_create_a.sql": sqlFile("CREATE TABLE IF NOT EXISTS a (id String, at DateTime) ENGINE = MergeTree ORDER BY id;\n"),
			"0002_b_and_column.sql": sqlFile("CREATE TABLE IF NOT EXISTS b (id String) ENGINE = MergeTree ORDER BY id;\n" +
				"ALTER TABLE a ADD COLUMN note String;\n"),
			"0003_expire_a.sql": sqlFile("-- requires: ttl\nALTER TABLE a MODIFY TTL at + INTERVAL 30 DAY;\n"),
			"0004_seed_b.sql":   sqlFile("INSERT INTO b (id) SELECT toString(number) FROM system.numbers LIMIT 3;\n"),
		}
		got, err := clickhouse.Migrate(ctx, db.WithFeatures(clickhouse.Features{}), "demo", fsys)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"create_a", "b_and_column", "expire_a(skipped)", "seed_b"}; !equal(names(got), want) {
			t.Fatalf("applied %q, want %q", names(got), want)
		}
		if got[2].Missing[0] != clickhouse.FeatureTTL {
			t.Fatalf("Missing = %q, want ttl", got[2].Missing)
		}
		if !tableExists(t, db, "a") || !tableExists(t, db, "b") {
			t.Fatal("tables a and b should exist")
		}
		var rows, skipped uint64
		err = db.Conn().QueryRow(ctx, "SELECT count(), sum(skipped) FROM schema_migrations WHERE module = ?", "demo").Scan(&rows, &skipped)
		if err != nil {
			t.Fatal(err)
		}
		if rows != 4 || skipped != 1 {
			t.Fatalf("schema_migrations holds %d rows, %d skipped; want 4 and 1", rows, skipped)
		}
		var seeded uint64
		if err := db.Conn().QueryRow(ctx, "SELECT count() FROM b").Scan(&seeded); err != nil || seeded != 3 {
			t.Fatalf("b holds %d rows (err %v), want 3 from INSERT ... SELECT", seeded, err)
		}

		again, err := clickhouse.Migrate(ctx, db.WithFeatures(clickhouse.Features{}), "demo", fsys)
		if err != nil || len(again) != 0 {
			t.Fatalf("re-run applied %q, err %v; want a no-op", names(again), err)
		}
	})

	t.Run("refuses_an_edited_applied_migration_before_applying_anything", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		fsys := fstest.MapFS{"0001_create_a.sql": sqlFile("CREATE TABLE IF NOT EXISTS a (id String) ENGINE = MergeTree ORDER BY id;\n")}
		if _, err := clickhouse.Migrate(ctx, db, "demo", fsys); err != nil {
			t.Fatal(err)
		}
		fsys["0001_create_a.sql"] = sqlFile("CREATE TABLE IF NOT EXISTS a (id String, x UInt8) ENGINE = MergeTree ORDER BY id;\n")
		fsys["0002_create_b.sql"] = sqlFile("CREATE TABLE IF NOT EXISTS b (id String) ENGINE = MergeTree ORDER BY id;\n")
		got, err := clickhouse.Migrate(ctx, db, "demo", fsys)
		if !errors.Is(err, clickhouse.ErrChecksumMismatch) {
			t.Fatalf("err = %v, want ErrChecksumMismatch", err)
		}
		if len(got) != 0 || tableExists(t, db, "b") {
			t.Fatalf("applied %q despite the refusal", names(got))
		}
	})

	t.Run("applies_a_skipped_migration_once_the_server_has_the_feature", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		old, upgraded := db.WithFeatures(clickhouse.Features{}), db.WithFeatures(clickhouse.Features{TTL: true})
		// The statement itself runs on any version: the gate is what is tested.
		fsys := fstest.MapFS{"0001_gated.sql": sqlFile("-- requires: ttl\nCREATE TABLE IF NOT EXISTS gated (id String) ENGINE = MergeTree ORDER BY id;\n")}
		steps := []struct {
			db   *clickhouse.DB
			want []string
		}{
			{old, []string{"gated(skipped)"}},
			{old, nil},
			{upgraded, []string{"gated"}},
			{upgraded, nil},
			{old, nil}, // applied wins over the earlier skipped record
		}
		for i, s := range steps {
			got, err := clickhouse.Migrate(ctx, s.db, "demo", fsys)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if !equal(names(got), s.want) {
				t.Fatalf("step %d applied %q, want %q", i, names(got), s.want)
			}
		}
		if !tableExists(t, db, "gated") {
			t.Fatal("table gated should exist")
		}
	})

	t.Run("modules_are_recorded_apart", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		for _, module := range []string{"analytics", "moderation"} {
			fsys := fstest.MapFS{"0001_init.sql": sqlFile("CREATE TABLE IF NOT EXISTS " + module + "_t (id String) ENGINE = MergeTree ORDER BY id\n")}
			got, err := clickhouse.Migrate(ctx, db, module, fsys)
			if err != nil || len(got) != 1 || got[0].Module != module {
				t.Fatalf("module %s: applied %+v, err %v", module, got, err)
			}
		}
	})

	t.Run("a_failed_migration_is_not_recorded_and_is_retried", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		fsys := fstest.MapFS{
			"0001_ok.sql":     sqlFile("CREATE TABLE IF NOT EXISTS ok (id String) ENGINE = MergeTree ORDER BY id;\n"),
			"0002_broken.sql": sqlFile("CREATE TABLE IF NOT EXISTS broken (id String) ENGINE = NoSuchEngine;\n"),
		}
		got, err := clickhouse.Migrate(ctx, db, "demo", fsys)
		if err == nil {
			t.Fatal("Migrate succeeded with a broken statement")
		}
		if !equal(names(got), []string{"ok"}) {
			t.Fatalf("applied %q before the failure, want [ok]", names(got))
		}
		fsys["0002_broken.sql"] = sqlFile("CREATE TABLE IF NOT EXISTS broken (id String) ENGINE = MergeTree ORDER BY id;\n")
		got, err = clickhouse.Migrate(ctx, db, "demo", fsys)
		if err != nil || !equal(names(got), []string{"broken"}) {
			t.Fatalf("retry applied %q, err %v; want [broken]", names(got), err)
		}
	})

	t.Run("rejects_bad_input_before_touching_the_server", func(t *testing.T) {
		db := testkit.ClickHouse(t)
		if _, err := clickhouse.Migrate(ctx, db, "Bad Module", fstest.MapFS{}); err == nil {
			t.Fatal("accepted module name with a space")
		}
		_, err := clickhouse.Migrate(ctx, db, "demo", fstest.MapFS{"init.sql": sqlFile("SELECT 1")})
		if !errors.Is(err, clickhouse.ErrBadMigration) {
			t.Fatalf("err = %v, want ErrBadMigration", err)
		}
		if tableExists(t, db, clickhouse.MigrationsTable) {
			t.Fatal("schema_migrations created for a rejected run")
		}
	})
}
