package clickhouse

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config says how to reach ClickHouse. It is the "clickhouse" section of
// Ruche's configuration: --clickhouse.addr, RUCHE_CLICKHOUSE_ADDR or
// clickhouse: {addr: ...} in YAML, and so on for every field.
type Config struct {
	// Addr is host:port of the native protocol; several comma-separated
	// addresses are tried in order.
	Addr string `koanf:"addr"`
	// Database holds Ruche's tables; Open creates it when it is missing.
	Database string `koanf:"database"`
	// User and Password authenticate the connection.
	User     string `koanf:"user"`
	Password string `koanf:"password"`
	// TLS switches the native protocol to TLS (verified with the system's roots).
	TLS bool `koanf:"tls"`
	// DialTimeout bounds connecting, and the ping that Open runs.
	DialTimeout time.Duration `koanf:"dial_timeout"`
	// ReadTimeout bounds waiting for the server's answer to one query.
	ReadTimeout time.Duration `koanf:"read_timeout"`
	// MaxOpenConns and MaxIdleConns size the connection pool.
	MaxOpenConns int `koanf:"max_open_conns"`
	MaxIdleConns int `koanf:"max_idle_conns"`
	// ConnMaxLifetime recycles connections, so that a pool follows a
	// load balancer's changes.
	ConnMaxLifetime time.Duration `koanf:"conn_max_lifetime"`
}

// Defaults of Config, as registered by RegisterFlags.
const (
	DefaultAddr     = "127.0.0.1:9000"
	DefaultDatabase = "ruche"
	DefaultUser     = "default"
)

// RegisterFlags registers one flag per field, named prefix+field (e.g.
// "clickhouse.addr" for the prefix "clickhouse."), with its default.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", DefaultAddr, "ClickHouse native protocol address host:port (comma-separated for several)")
	fs.StringVar(&c.Database, prefix+"database", DefaultDatabase, "ClickHouse database holding Ruche's tables (created when missing)")
	fs.StringVar(&c.User, prefix+"user", DefaultUser, "ClickHouse user")
	fs.StringVar(&c.Password, prefix+"password", "", "ClickHouse password")
	fs.BoolVar(&c.TLS, prefix+"tls", false, "connect to ClickHouse over TLS")
	fs.DurationVar(&c.DialTimeout, prefix+"dial_timeout", 5*time.Second, "timeout to connect to ClickHouse")
	fs.DurationVar(&c.ReadTimeout, prefix+"read_timeout", 30*time.Second, "timeout to wait for one ClickHouse answer")
	fs.IntVar(&c.MaxOpenConns, prefix+"max_open_conns", 32, "maximum open ClickHouse connections")
	fs.IntVar(&c.MaxIdleConns, prefix+"max_idle_conns", 8, "maximum idle ClickHouse connections")
	fs.DurationVar(&c.ConnMaxLifetime, prefix+"conn_max_lifetime", time.Hour, "maximum lifetime of a ClickHouse connection")
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	if _, err := c.addrs(); err != nil {
		return err
	}
	if err := ValidateIdentifier(c.Database); err != nil {
		return fmt.Errorf("clickhouse.database: %w", err)
	}
	switch strings.ToLower(c.Database) {
	case "system", "information_schema":
		return fmt.Errorf("clickhouse.database: %q is reserved by ClickHouse", c.Database)
	}
	switch {
	case c.User == "":
		return errors.New("clickhouse.user is required")
	case c.DialTimeout <= 0:
		return errors.New("clickhouse.dial_timeout must be positive")
	case c.ReadTimeout <= 0:
		return errors.New("clickhouse.read_timeout must be positive")
	case c.MaxOpenConns < 1:
		return errors.New("clickhouse.max_open_conns must be at least 1")
	case c.MaxIdleConns < 0 || c.MaxIdleConns > c.MaxOpenConns:
		return fmt.Errorf("clickhouse.max_idle_conns must be between 0 and max_open_conns (%d)", c.MaxOpenConns)
	case c.ConnMaxLifetime <= 0:
		return errors.New("clickhouse.conn_max_lifetime must be positive")
	}
	return nil
}

// addrs splits and checks Addr.
func (c *Config) addrs() ([]string, error) {
	var out []string
	for _, a := range strings.Split(c.Addr, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("clickhouse.addr: %q is not host:port", a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("clickhouse.addr is required")
	}
	return out, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ValidateIdentifier checks that name can be used unquoted as a ClickHouse
// database or table name: a letter or '_', then letters, digits or '_', at
// most 64 characters. Names that pass never need escaping in DDL.
func ValidateIdentifier(name string) error {
	if !identifier.MatchString(name) {
		return fmt.Errorf("%q is not a safe identifier (want [A-Za-z_][A-Za-z0-9_]*, at most 64 characters)", name)
	}
	return nil
}
