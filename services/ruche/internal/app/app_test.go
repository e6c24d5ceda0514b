package app

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/services/gateway"
)

func TestOrder(t *testing.T) {
	cases := []struct {
		name    string
		targets []string
		want    []string
		wantErr string
	}{
		{"dependencies_first_once", []string{TargetIngest, TargetGateway}, []string{TargetBus, TargetRouter, TargetSecrets, TargetSources, TargetOps, TargetIngest, TargetGateway}, ""},
		{"migrate_alone", []string{TargetMigrate}, []string{TargetClickHouse, TargetMigrate}, ""},
		{"unknown_target", []string{"crm"}, nil, `unknown target "crm"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := order(tc.targets)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("order = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("sandbox_registers_its_connector_before_ingest_starts", func(t *testing.T) {
		got, _ := order([]string{TargetAll})
		if slices.Index(got, TargetSandbox) > slices.Index(got, TargetIngest) {
			t.Fatalf("order %v puts ingest before the sandbox", got)
		}
	})
	t.Run("all_runs_every_service", func(t *testing.T) {
		got, _ := order([]string{TargetAll})
		for _, s := range Services() {
			if !strings.Contains(","+strings.Join(got, ",")+",", ","+s+",") {
				t.Errorf("all does not include %s", s)
			}
		}
	})
}

func TestCheckServices(t *testing.T) {
	if err := checkServices([]string{"ingest", "moderation"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"bus", "all", "sandbox", "Ingest"} {
		if err := checkServices([]string{bad}); err == nil {
			t.Errorf("checkServices(%q) = nil", bad)
		}
	}
}

func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	configFlags().VisitAll(func(f *pflag.Flag) {
		if !bytes.Contains(readme, []byte("`"+EnvName(f.Name)+"`")) {
			t.Errorf("README.md does not document %s (run `ruche env`)", EnvName(f.Name))
		}
	})
}

func TestDevSecret(t *testing.T) {
	dir := t.TempDir()
	a, err := devSecret(dir, "k", 24)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := devSecret(dir, "k", 24)
	if a != b || len(a) < 24 {
		t.Fatalf("devSecret not stable: %q %q", a, b)
	}
	info, _ := os.Stat(filepath.Join(dir, "k"))
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", info.Mode().Perm())
	}
}

func TestPrepareDemo(t *testing.T) {
	t.Run("generated_api_key_is_the_one_in_the_file", func(t *testing.T) {
		var cfg Config
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		cfg.RegisterFlags(fs)
		cfg.Demo.Dir = t.TempDir()
		if err := prepareDemo(&cfg); err != nil {
			t.Fatal(err)
		}
		file, err := os.ReadFile(filepath.Join(cfg.Demo.Dir, "api-key"))
		if err != nil {
			t.Fatal(err)
		}
		keys, err := gateway.ParseAPIKeys(cfg.Gateway.APIKeys)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := keys.Authenticate(strings.TrimSpace(string(file)))
		if !ok || !p.CanSee("demo") || p.CanSee("other") {
			t.Fatalf("key from the file: ok=%v principal=%+v", ok, p)
		}
		if _, err := os.Stat(filepath.Join(cfg.Demo.Dir, "webhook-secret")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("disabled_demo_adds_no_key", func(t *testing.T) {
		cfg := Config{Demo: DemoConfig{Enabled: false, Dir: t.TempDir()}}
		if err := prepareDemo(&cfg); err != nil || cfg.Gateway.APIKeys != "" {
			t.Fatalf("keys %q, err %v", cfg.Gateway.APIKeys, err)
		}
	})
}

func TestParseSince(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"2026-11-01", true}, {"2026-11-01T08:00:00Z", true}, {"72h", true}, {"yesterday", false}, {"-5h", false}, {"", false}} {
		t.Run(tc.in, func(t *testing.T) {
			if _, err := parseSince(tc.in); (err == nil) != tc.ok {
				t.Fatalf("parseSince(%q) err = %v", tc.in, err)
			}
		})
	}
}
