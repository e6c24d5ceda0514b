// Package bench is `ruche bench`: it drives the real pipeline (signed
// webhooks → ingest → JetStream → moderation → analytics sink → ClickHouse)
// in a `ruche up` child process and, in the same run, measures the raw
// limits of the same machine (JetStream publish and consume, ClickHouse
// batch insert, a bare Echo handler), then prints every figure beside its
// limit and the ratio between them. Absolute numbers drift from machine to
// machine; the ratios are what count (ARCHITECTURE.md §10).
package bench

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// Environment variables of the bench. They are not RUCHE_* variables: the
// child `ruche up` refuses RUCHE_* names it does not know.
const (
	EnvSeconds = "BENCH_SECONDS"
	EnvOut     = "BENCH_OUT"
	EnvRows    = "BENCH_ROWS"
	EnvClients = "BENCH_CLIENTS"
	// EnvUIRounds is how many rounds the ui phase drives the inbox
	// through (DefaultUIRounds).
	EnvUIRounds = "BENCH_UI_ROUNDS"
	EnvPprof    = "BENCH_PPROF"
	EnvKeep     = "BENCH_KEEP"
	// EnvPhases names the phases to run, comma-separated (see PhaseNames);
	// empty runs them all.
	EnvPhases = "BENCH_PHASES"
	// PprofAddrEnv is read by `ruche bench up` (the pipeline child when
	// profiling): the address of its pprof listener.
	PprofAddrEnv = "BENCH_PPROF_ADDR"
)

// Config of one bench run.
type Config struct {
	// Seconds is the measuring time of the whole run, shared among the
	// phases; start-up, draining and the dataset generation come on top.
	Seconds float64
	// Out is where the JSON results are written ("" writes none).
	Out string
	// Rows is the size of the generated dataset the queries run on.
	Rows int
	// Clients is the number of concurrent HTTP clients of the closed loop.
	Clients int
	// UIRounds is how many rounds of search, filter, j/k, open and decide
	// the ui phase measures.
	UIRounds int
	// Binary is the ruche binary started as `ruche up` and for the HTTP
	// limit servers (`ruche bench serve-http`).
	Binary string
	// ClickHouse is the server; every phase creates its own database
	// (ruche_bench_<unix>_<n>) and drops it afterwards unless Keep.
	ClickHouse clickhouse.Config
	// Pprof, when set, is a directory where CPU profiles of the pipeline
	// child (closed loop) and of the bench process are written.
	Pprof string
	// Keep leaves the bench databases in ClickHouse, for inspection.
	Keep bool
	// Phases are the phases to run (PhaseNames); none runs them all.
	Phases []string
	// Smoke shrinks every size (batches, messages, query repetitions) for
	// the test that keeps the bench from rotting.
	Smoke bool
	// Quiet silences progress lines.
	Quiet bool
	// Version of the binary measured, printed with the results.
	Version string
}

// Defaults.
const (
	DefaultSeconds  = 120.0 // plus start-ups and the closed loop's drain: about 3 minutes, and the dataset's generation
	DefaultOut      = "var/bench.json"
	DefaultRows     = 10_000_000
	DefaultClients  = 64
	DefaultUIRounds = 25
)

// FromEnv reads the configuration from the BENCH_* and RUCHE_CLICKHOUSE_*
// variables of env (os.Environ format).
func FromEnv(env []string, binary string) (Config, error) {
	get := func(k string) string { v, _ := lookup(env, k); return v }
	cfg := Config{Seconds: DefaultSeconds, Out: DefaultOut, Rows: DefaultRows, Clients: DefaultClients, UIRounds: DefaultUIRounds, Binary: binary}
	if v := get(EnvSeconds); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return cfg, fmt.Errorf("%s=%q: want seconds", EnvSeconds, v)
		}
		cfg.Seconds = f
	}
	if v, ok := lookup(env, EnvOut); ok {
		cfg.Out = v
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{EnvRows, &cfg.Rows}, {EnvClients, &cfg.Clients}, {EnvUIRounds, &cfg.UIRounds}} {
		if v := get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: want a whole number", p.name, v)
			}
			*p.dst = n
		}
	}
	cfg.Pprof = get(EnvPprof)
	cfg.Keep = get(EnvKeep) == "1" || get(EnvKeep) == "true"
	for _, f := range strings.Split(get(EnvPhases), ",") {
		if f = strings.TrimSpace(f); f != "" {
			cfg.Phases = append(cfg.Phases, f)
		}
	}
	cfg.ClickHouse = ClickHouseConfig(get)
	return cfg, cfg.Validate()
}

func lookup(env []string, k string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if len(env[i]) > len(k) && env[i][:len(k)] == k && env[i][len(k)] == '=' {
			return env[i][len(k)+1:], true
		}
	}
	return "", false
}

// ClickHouseConfig is the server the bench uses: RUCHE_CLICKHOUSE_ADDR,
// _USER and _PASSWORD as `ruche up` reads them, else the local default.
func ClickHouseConfig(get func(string) string) clickhouse.Config {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	return clickhouse.Config{
		Addr:            or(get("RUCHE_CLICKHOUSE_ADDR"), clickhouse.DefaultAddr),
		Database:        "ruche_bench",
		User:            or(get("RUCHE_CLICKHOUSE_USER"), clickhouse.DefaultUser),
		Password:        get("RUCHE_CLICKHOUSE_PASSWORD"),
		DialTimeout:     5 * time.Second,
		ReadTimeout:     5 * time.Minute,
		MaxOpenConns:    8,
		MaxIdleConns:    8,
		ConnMaxLifetime: time.Hour,
	}
}

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.Seconds <= 0:
		return fmt.Errorf("%s must be positive", EnvSeconds)
	case c.Rows < 1000:
		return fmt.Errorf("%s must be at least 1000", EnvRows)
	case c.Clients < 1 || c.Clients > 4096:
		return fmt.Errorf("%s must be 1 to 4096", EnvClients)
	case c.UIRounds < 1 || c.UIRounds > 1000:
		return fmt.Errorf("%s must be 1 to 1000", EnvUIRounds)
	case c.Binary == "":
		return errors.New("bench: the ruche binary is required")
	}
	for _, p := range c.Phases {
		if !slices.Contains(PhaseNames, p) {
			return fmt.Errorf("%s: unknown phase %q (phases: %s)", EnvPhases, p, strings.Join(PhaseNames, ", "))
		}
	}
	if _, err := os.Stat(c.Binary); err != nil {
		return fmt.Errorf("bench: ruche binary: %w", err)
	}
	return c.ClickHouse.Validate()
}

// PhaseNames are the phases of a run, in the order they run.
var PhaseNames = []string{"jetstream", "clickhouse", "http_bare", "http_publish", "http_ingest", "pipeline", "queries", "ui", "publishing", "scheduling", "drafting"}

// runs reports whether the phase named name is to run.
func (c *Config) runs(name string) bool {
	return len(c.Phases) == 0 || slices.Contains(c.Phases, name)
}

// share is the measuring time of a phase that gets fraction f of Seconds,
// at least min.
func (c *Config) share(f float64, min time.Duration) time.Duration {
	return max(time.Duration(c.Seconds*f*float64(time.Second)), min)
}
