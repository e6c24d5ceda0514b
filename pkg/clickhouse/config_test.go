package clickhouse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/config"
)

type root struct {
	ClickHouse clickhouse.Config `koanf:"clickhouse"`
}

func (r *root) Validate() error { return r.ClickHouse.Validate() }

func load(t *testing.T, args, env []string) (clickhouse.Config, error) {
	t.Helper()
	var r root
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	r.ClickHouse.RegisterFlags(fs, "clickhouse.")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	err := config.Load(fs, "", env, &r)
	return r.ClickHouse, err
}

func TestConfigLoad(t *testing.T) {
	defaults := clickhouse.Config{
		Addr: "127.0.0.1:9000", Database: "ruche", User: "default",
		DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		MaxOpenConns: 32, MaxIdleConns: 8, ConnMaxLifetime: time.Hour,
	}
	cases := []struct {
		name    string
		args    []string
		env     []string
		want    func(*clickhouse.Config)
		wantErr string
	}{
		{name: "defaults"},
		{name: "env_sets_addr_and_database",
			env:  []string{"RUCHE_CLICKHOUSE_ADDR=ch:9440", "RUCHE_CLICKHOUSE_DATABASE=ruche_prod", "RUCHE_CLICKHOUSE_TLS=true"},
			want: func(c *clickhouse.Config) { c.Addr, c.Database, c.TLS = "ch:9440", "ruche_prod", true }},
		{name: "env_with_underscored_field",
			env:  []string{"RUCHE_CLICKHOUSE_MAX_OPEN_CONNS=20", "RUCHE_CLICKHOUSE_DIAL_TIMEOUT=2s"},
			want: func(c *clickhouse.Config) { c.MaxOpenConns, c.DialTimeout = 20, 2*time.Second }},
		{name: "flag_over_env", args: []string{"--clickhouse.user=ruche"}, env: []string{"RUCHE_CLICKHOUSE_USER=other"},
			want: func(c *clickhouse.Config) { c.User = "ruche" }},
		{name: "unsafe_database_is_refused", env: []string{"RUCHE_CLICKHOUSE_DATABASE=ruche; DROP TABLE x"}, wantErr: "clickhouse.database"},
		{name: "missing_port_is_refused", env: []string{"RUCHE_CLICKHOUSE_ADDR=localhost"}, wantErr: "clickhouse.addr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.args, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			if tc.want != nil {
				tc.want(&want)
			}
			if got != want {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() clickhouse.Config {
		return clickhouse.Config{Addr: "127.0.0.1:9000", Database: "ruche", User: "default",
			DialTimeout: time.Second, ReadTimeout: time.Second, MaxOpenConns: 2, MaxIdleConns: 1, ConnMaxLifetime: time.Minute}
	}
	cases := []struct {
		name    string
		mutate  func(*clickhouse.Config)
		wantErr string
	}{
		{"valid", func(*clickhouse.Config) {}, ""},
		{"several_addresses", func(c *clickhouse.Config) { c.Addr = "a:9000, b:9000" }, ""},
		{"ipv6_address", func(c *clickhouse.Config) { c.Addr = "[::1]:9000" }, ""},
		{"empty_addr", func(c *clickhouse.Config) { c.Addr = " , " }, "clickhouse.addr is required"},
		{"addr_without_port", func(c *clickhouse.Config) { c.Addr = "a:9000,b" }, `"b" is not host:port`},
		{"database_with_dash", func(c *clickhouse.Config) { c.Database = "ruche-prod" }, "not a safe identifier"},
		{"database_with_backquote", func(c *clickhouse.Config) { c.Database = "a`b" }, "not a safe identifier"},
		{"database_starting_with_digit", func(c *clickhouse.Config) { c.Database = "1ruche" }, "not a safe identifier"},
		{"database_too_long", func(c *clickhouse.Config) { c.Database = strings.Repeat("a", 65) }, "not a safe identifier"},
		{"database_system", func(c *clickhouse.Config) { c.Database = "system" }, "reserved"},
		{"empty_user", func(c *clickhouse.Config) { c.User = "" }, "clickhouse.user"},
		{"zero_dial_timeout", func(c *clickhouse.Config) { c.DialTimeout = 0 }, "dial_timeout"},
		{"zero_read_timeout", func(c *clickhouse.Config) { c.ReadTimeout = 0 }, "read_timeout"},
		{"no_connections", func(c *clickhouse.Config) { c.MaxOpenConns = 0 }, "max_open_conns"},
		{"more_idle_than_open", func(c *clickhouse.Config) { c.MaxIdleConns = 3 }, "max_idle_conns"},
		{"zero_lifetime", func(c *clickhouse.Config) { c.ConnMaxLifetime = 0 }, "conn_max_lifetime"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}
