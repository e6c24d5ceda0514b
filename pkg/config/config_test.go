package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/pkg/config"
)

type natsConfig struct {
	URL     string        `koanf:"url"`
	DataDir string        `koanf:"data_dir"`
	Timeout time.Duration `koanf:"timeout"`
}

func (c *natsConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.URL, prefix+"url", "", "NATS URL")
	fs.StringVar(&c.DataDir, prefix+"data_dir", "var/nats", "data dir")
	fs.DurationVar(&c.Timeout, prefix+"timeout", 5*time.Second, "timeout")
}

type root struct {
	NATS natsConfig `koanf:"nats"`
}

func (r *root) Validate() error {
	if r.NATS.Timeout <= 0 {
		return errors.New("nats.timeout must be positive")
	}
	return nil
}

func newFlags(r *root) *pflag.FlagSet {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	r.NATS.RegisterFlags(fs, "nats.")
	// A command flag, not a setting: it must not reach the config, even
	// when its name is also a section's.
	fs.StringArray("nats", nil, "a command flag named like a section")
	return fs
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "ruche.yaml")
	if err := os.WriteFile(yml, []byte("nats:\n  data_dir: /from/file\n  url: nats://file:4222\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		file    string
		env     []string
		want    natsConfig
		wantErr string
	}{
		{"defaults", nil, "", nil, natsConfig{DataDir: "var/nats", Timeout: 5 * time.Second}, ""},
		{"file_over_defaults", nil, yml, nil, natsConfig{URL: "nats://file:4222", DataDir: "/from/file", Timeout: 5 * time.Second}, ""},
		{"env_over_file", nil, yml, []string{"RUCHE_NATS_DATA_DIR=/from/env", "RUCHE_NATS_TIMEOUT=2s"}, natsConfig{URL: "nats://file:4222", DataDir: "/from/env", Timeout: 2 * time.Second}, ""},
		{"command_flags_are_not_settings", []string{"--nats=x"}, "", nil, natsConfig{DataDir: "var/nats", Timeout: 5 * time.Second}, ""},
		{"flag_over_env", []string{"--nats.data_dir=/from/flag"}, yml, []string{"RUCHE_NATS_DATA_DIR=/from/env"}, natsConfig{URL: "nats://file:4222", DataDir: "/from/flag", Timeout: 5 * time.Second}, ""},
		{"file_from_env", nil, "", []string{"RUCHE_CONFIG=" + yml}, natsConfig{URL: "nats://file:4222", DataDir: "/from/file", Timeout: 5 * time.Second}, ""},
		{"test_kit_env_is_ignored", nil, "", []string{"RUCHE_TEST_CLICKHOUSE_ADDR=127.0.0.1:9001"}, natsConfig{DataDir: "var/nats", Timeout: 5 * time.Second}, ""},
		{"unknown_env_is_an_error", nil, "", []string{"RUCHE_NATS_DATADIR=x"}, natsConfig{}, "RUCHE_NATS_DATADIR"},
		{"missing_file_is_an_error", nil, filepath.Join(dir, "nope.yaml"), nil, natsConfig{}, "nope.yaml"},
		{"validate_runs", []string{"--nats.timeout=0s"}, "", nil, natsConfig{}, "nats.timeout must be positive"},
		{"bad_duration_names_the_key", nil, "", []string{"RUCHE_NATS_TIMEOUT=soon"}, natsConfig{}, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r root
			fs := newFlags(&r)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := config.Load(fs, tc.file, tc.env, &r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.NATS != tc.want {
				t.Fatalf("got %+v, want %+v", r.NATS, tc.want)
			}
		})
	}
}
