package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// Environment variables that point the tests at a ClickHouse server.
const (
	// ClickHouseAddrEnv is checked first, so that tests can use another
	// server than the one RUCHE_CLICKHOUSE_ADDR configures.
	ClickHouseAddrEnv = "RUCHE_TEST_CLICKHOUSE_ADDR"
	// ClickHouseTestDBPrefix starts the name of every test database.
	ClickHouseTestDBPrefix = "ruche_test_"
)

// staleTestDB is how old a leftover test database (from a run that was
// killed before its cleanup) must be before ClickHouse drops it.
const staleTestDB = 6 * time.Hour

// ClickHouseConfig is the configuration of a fresh test database on the test
// ClickHouse server: RUCHE_TEST_CLICKHOUSE_ADDR, else RUCHE_CLICKHOUSE_ADDR,
// else 127.0.0.1:9000 (user and password from RUCHE_CLICKHOUSE_USER and
// RUCHE_CLICKHOUSE_PASSWORD when set). The database, named
// ruche_test_<unix seconds>_<random>, does not exist yet: clickhouse.Open
// creates it.
func ClickHouseConfig(t testing.TB) clickhouse.Config {
	t.Helper()
	addr := os.Getenv(ClickHouseAddrEnv)
	if addr == "" {
		addr = os.Getenv("RUCHE_CLICKHOUSE_ADDR")
	}
	if addr == "" {
		addr = clickhouse.DefaultAddr
	}
	user := os.Getenv("RUCHE_CLICKHOUSE_USER")
	if user == "" {
		user = clickhouse.DefaultUser
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return clickhouse.Config{
		Addr:            addr,
		Database:        ClickHouseTestDBPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b),
		User:            user,
		Password:        os.Getenv("RUCHE_CLICKHOUSE_PASSWORD"),
		DialTimeout:     5 * time.Second,
		ReadTimeout:     60 * time.Second,
		MaxOpenConns:    8,
		MaxIdleConns:    4,
		ConnMaxLifetime: time.Hour,
	}
}

// ClickHouse connects to the test ClickHouse server (see ClickHouseConfig),
// creates a fresh database for the test and drops it at cleanup. When the
// server cannot be reached the test fails, saying how to start one:
// integration tests never skip silently.
func ClickHouse(t testing.TB) *clickhouse.DB {
	t.Helper()
	cfg := ClickHouseConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("testkit: ClickHouse at %s: %v\n"+
			"Start a local server with deploy/clickhouse/ensure-local.sh (or point %s at one).", cfg.Addr, err, ClickHouseAddrEnv)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The name comes from ClickHouseConfig: a safe identifier.
		if err := db.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db.Database()); err != nil {
			t.Errorf("testkit: drop test database %s: %v", db.Database(), err)
		}
		_ = db.Close()
	})
	sweepOnce.Do(func() { sweepStale(ctx, t, db) })
	return db
}

var sweepOnce sync.Once

// sweepStale drops test databases left behind by runs that were killed
// before their cleanup, once per test binary.
func sweepStale(ctx context.Context, t testing.TB, db *clickhouse.DB) {
	rows, err := db.Conn().Query(ctx, "SELECT name FROM system.databases WHERE startsWith(name, ?)", ClickHouseTestDBPrefix)
	if err != nil {
		t.Logf("testkit: list old test databases: %v", err)
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err == nil && testDBStale(name, time.Now()) {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		if err := clickhouse.ValidateIdentifier(name); err != nil {
			continue
		}
		if err := db.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("testkit: drop old test database %s: %v", name, err)
		}
	}
}

// testDBStale reports whether a ruche_test_<unix>_<rand> database was created
// more than staleTestDB before now. Names in another shape are left alone.
func testDBStale(name string, now time.Time) bool {
	ts, _, ok := strings.Cut(strings.TrimPrefix(name, ClickHouseTestDBPrefix), "_")
	if !ok || !strings.HasPrefix(name, ClickHouseTestDBPrefix) {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	return now.Sub(time.Unix(sec, 0)) > staleTestDB
}
