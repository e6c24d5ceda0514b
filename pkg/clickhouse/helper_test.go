package clickhouse_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// openTestDB is replaced by testkit.ClickHouse once it exists.
func openTestDB(t testing.TB) *clickhouse.DB {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	cfg := clickhouse.Config{Addr: "127.0.0.1:9000", Database: "ruche_test_" + hex.EncodeToString(b), User: "default",
		DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, MaxOpenConns: 4, MaxIdleConns: 2, ConnMaxLifetime: time.Hour}
	if a := os.Getenv("RUCHE_CLICKHOUSE_ADDR"); a != "" {
		cfg.Addr = a
	}
	db, err := clickhouse.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v (run deploy/clickhouse/ensure-local.sh)", err)
	}
	t.Cleanup(func() {
		_ = db.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db.Database())
		_ = db.Close()
	})
	return db
}

// testConfig is a Config that reaches db's server and database.
func testConfig(db *clickhouse.DB) clickhouse.Config {
	cfg := clickhouse.Config{Addr: "127.0.0.1:9000", Database: db.Database(), User: "default",
		DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, MaxOpenConns: 2, MaxIdleConns: 1, ConnMaxLifetime: time.Hour}
	if a := os.Getenv("RUCHE_CLICKHOUSE_ADDR"); a != "" {
		cfg.Addr = a
	}
	return cfg
}
