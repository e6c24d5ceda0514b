package clickhouse

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DB is a pool of native-protocol connections to one ClickHouse database,
// with the server's version and features as seen when it was opened.
type DB struct {
	conn        driver.Conn
	database    string
	dialTimeout time.Duration
	version     Version
	features    Features
}

// Open validates cfg, connects, pings within cfg.DialTimeout, creates
// cfg.Database when it is missing, and returns a DB whose connections use it
// as their default database. The server's version is read once here; its
// Features hold until the DB is reopened.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	addrs, _ := cfg.addrs()
	if err := ensureDatabase(ctx, cfg, addrs); err != nil {
		return nil, err
	}
	conn, err := connect(ctx, cfg, addrs, cfg.Database)
	if err != nil {
		return nil, err
	}
	db := &DB{conn: conn, database: cfg.Database, dialTimeout: cfg.DialTimeout}
	if db.version, err = db.Version(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	db.features = FeaturesOf(db.version)
	return db, nil
}

// ensureDatabase creates the database from a connection to the server's
// default database (a connection naming a missing database is refused). It
// only issues CREATE DATABASE when the database is missing, so that a user
// without that right can still open an existing one.
func ensureDatabase(ctx context.Context, cfg Config, addrs []string) error {
	conn, err := connect(ctx, cfg, addrs, "")
	if err != nil {
		return err
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", cfg.Database).Scan(&n); err != nil {
		return fmt.Errorf("clickhouse: look up database %s: %w", cfg.Database, err)
	}
	if n > 0 {
		return nil
	}
	// The name is a validated identifier (Config.Validate), safe in DDL.
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+cfg.Database); err != nil {
		return fmt.Errorf("clickhouse: create database %s: %w", cfg.Database, err)
	}
	return nil
}

// connect opens a pool on database ("" = the server's default) and pings it.
func connect(ctx context.Context, cfg Config, addrs []string, database string) (driver.Conn, error) {
	opts := &ch.Options{
		Protocol: ch.Native,
		Addr:     addrs,
		Auth:     ch.Auth{Database: database, Username: cfg.User, Password: cfg.Password},
		ClientInfo: ch.ClientInfo{Products: []struct{ Name, Version string }{
			{Name: "ruche", Version: "1"},
		}},
		DialTimeout:     cfg.DialTimeout,
		ReadTimeout:     cfg.ReadTimeout,
		MaxOpenConns:    cfg.MaxOpenConns,
		MaxIdleConns:    cfg.MaxIdleConns,
		ConnMaxLifetime: cfg.ConnMaxLifetime,
	}
	if cfg.TLS {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: open %s: %w", cfg.Addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("clickhouse: ping %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

// Conn is the underlying clickhouse-go connection pool. Write rows with
// PrepareBatch naming the columns; see the package documentation.
func (db *DB) Conn() driver.Conn { return db.conn }

// Database is the name of the database the connections use.
func (db *DB) Database() string { return db.database }

// Features are what the server could do when the DB was opened.
func (db *DB) Features() Features { return db.features }

// ServerVersion is the server's version as read when the DB was opened.
func (db *DB) ServerVersion() Version { return db.version }

// Ping checks that the server answers, within the dial timeout when ctx has
// no earlier deadline. Readiness probes call it.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.dialTimeout)
	defer cancel()
	if err := db.conn.Ping(ctx); err != nil {
		return fmt.Errorf("clickhouse: ping: %w", err)
	}
	return nil
}

// Version asks the server for version() and parses it.
func (db *DB) Version(ctx context.Context) (Version, error) {
	var s string
	if err := db.conn.QueryRow(ctx, "SELECT version()").Scan(&s); err != nil {
		return Version{}, fmt.Errorf("clickhouse: select version(): %w", err)
	}
	return ParseVersion(s)
}

// Close closes every connection of the pool. Closing a nil DB does nothing.
func (db *DB) Close() error {
	if db == nil || db.conn == nil {
		return nil
	}
	return db.conn.Close()
}

// WithFeatures returns a DB that shares db's connections but reports f as its
// features: to switch a feature off on a server that has it, or to exercise a
// gated code path in a test.
func (db *DB) WithFeatures(f Features) *DB {
	c := *db
	c.features = f
	return &c
}
