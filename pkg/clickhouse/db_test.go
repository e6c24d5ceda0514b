package clickhouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/testkit"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	db := testkit.ClickHouse(t)

	t.Run("creates_its_database", func(t *testing.T) {
		var current string
		if err := db.Conn().QueryRow(ctx, "SELECT currentDatabase()").Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current != db.Database() {
			t.Fatalf("currentDatabase() = %q, want %q", current, db.Database())
		}
	})

	t.Run("reports_a_parsed_version_and_its_features", func(t *testing.T) {
		v, err := db.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v.Major < 18 || v != db.ServerVersion() {
			t.Fatalf("Version() = %s, ServerVersion() = %s", v, db.ServerVersion())
		}
		if db.Features() != clickhouse.FeaturesOf(v) {
			t.Fatalf("Features() = %+v, want FeaturesOf(%s)", db.Features(), v)
		}
		t.Logf("ClickHouse %s: %+v", v, db.Features())
	})

	t.Run("pings", func(t *testing.T) {
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reopens_an_existing_database", func(t *testing.T) {
		cfg := testkit.ClickHouseConfig(t)
		cfg.Database = db.Database()
		again, err := clickhouse.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		if err := again.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("named_column_batch_round_trips", func(t *testing.T) {
		c := db.Conn()
		if err := c.Exec(ctx, `CREATE TABLE roundtrip (id String, labels Array(String), due Nullable(DateTime), at DateTime) ENGINE = MergeTree ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		b, err := c.PrepareBatch(ctx, "INSERT INTO roundtrip (id, labels, due, at)")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append("it's", []string{"lang:fr"}, &at, at); err != nil {
			t.Fatal(err)
		}
		if err := b.Append("b", []string{}, nil, at); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
		var (
			labels []string
			due    *time.Time
		)
		if err := c.QueryRow(ctx, "SELECT labels, due FROM roundtrip WHERE id = ?", "it's").Scan(&labels, &due); err != nil {
			t.Fatal(err)
		}
		if len(labels) != 1 || labels[0] != "lang:fr" || due == nil || !due.Equal(at) {
			t.Fatalf("got labels %q due %v", labels, due)
		}
	})
}

func TestOpenFails(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		mutate  func(*clickhouse.Config)
		wantErr string
	}{
		{"invalid_config", func(c *clickhouse.Config) { c.Database = "a-b" }, "not a safe identifier"},
		{"nothing_listening", func(c *clickhouse.Config) { c.Addr = "127.0.0.1:1"; c.DialTimeout = 500 * time.Millisecond }, "127.0.0.1:1"},
		{"unknown_user", func(c *clickhouse.Config) { c.User = "nobody_here" }, "nobody_here"},
	}
	base := testkit.ClickHouseConfig(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.mutate(&cfg)
			db, err := clickhouse.Open(ctx, cfg)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}
