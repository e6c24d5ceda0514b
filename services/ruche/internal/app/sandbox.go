package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// SandboxConfig configures the sandbox network (section "sandbox"): a
// simulated social network that `ruche up` serves and ingests, so that the
// demo works offline. It is part of `all`, never a service of `ruche run`.
type SandboxConfig struct {
	Enabled bool   `koanf:"enabled"`
	Addr    string `koanf:"addr"`
	// Brand whose account the network simulates; its traffic is ingested
	// for that brand. Empty means demo.brand.
	Brand         string `koanf:"brand"`
	RatePerMinute int    `koanf:"rate_per_minute"`
	// Seed of the traffic; 0 draws one at start (and logs it).
	Seed uint64 `koanf:"seed"`
	// Scenario started with the network (crisis_burst, viral_post).
	Scenario     string        `koanf:"scenario"`
	PollInterval time.Duration `koanf:"poll_interval"`
	MaxItems     int           `koanf:"max_items"`
}

// RegisterFlags registers the sandbox flags under prefix.
func (c *SandboxConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.BoolVar(&c.Enabled, prefix+"enabled", true, "ruche up: serve the sandbox network (a simulated social network) and ingest its traffic")
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:8082", "listen address of the sandbox network's API")
	fs.StringVar(&c.Brand, prefix+"brand", "", "brand whose account the sandbox network simulates (empty: demo.brand)")
	fs.IntVar(&c.RatePerMinute, prefix+"rate_per_minute", 30, "sandbox traffic in items per minute (0: scenarios and explicit generation only)")
	fs.Uint64Var(&c.Seed, prefix+"seed", 0, "seed of the sandbox traffic, for reproducible runs (0: a new one at each start, logged)")
	fs.StringVar(&c.Scenario, prefix+"scenario", "", "scenario started with the sandbox: crisis_burst or viral_post (empty: none)")
	fs.DurationVar(&c.PollInterval, prefix+"poll_interval", time.Second, "how often ingest polls the sandbox network once caught up")
	fs.IntVar(&c.MaxItems, prefix+"max_items", 10000, "most sandbox items kept in memory (oldest dropped first)")
}

// Validate checks the sandbox settings when it is enabled.
func (c *SandboxConfig) Validate() error {
	if !c.Enabled {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("sandbox.addr %q: %w", c.Addr, err)
	}
	if c.Brand != "" {
		if err := events.ValidateBrand(c.Brand); err != nil {
			return fmt.Errorf("sandbox.brand: %w", err)
		}
	}
	switch {
	case c.RatePerMinute < 0 || c.RatePerMinute > 6000:
		return fmt.Errorf("sandbox.rate_per_minute must be 0 to 6000, got %d", c.RatePerMinute)
	case c.Scenario != "" && !slices.Contains(sandbox.Scenarios, c.Scenario):
		return fmt.Errorf("sandbox.scenario %q is not one of %v", c.Scenario, sandbox.Scenarios)
	case c.PollInterval < time.Second:
		return fmt.Errorf("sandbox.poll_interval must be at least 1s")
	case c.MaxItems < 100 || c.MaxItems > 1_000_000:
		return fmt.Errorf("sandbox.max_items must be 100 to 1000000, got %d", c.MaxItems)
	}
	return nil
}

// initSandbox starts the simulated network and registers its source and
// connector with ingest, which polls it as it would a real platform. It
// must run before the ingest target (see `all` in modules.go).
func (a *App) initSandbox() (runner, error) {
	c := a.cfg.Sandbox
	if !c.Enabled {
		return nil, nil
	}
	c.Brand = c.brand(a.cfg.Demo)
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", c.Addr, err)
	}
	a.onClose(func() { _ = l.Close() })
	base := "http://" + l.Addr().String()
	a.sandboxURL = base
	seed := c.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	network, err := sandbox.New(sandbox.Config{
		Account: c.Brand, BaseURL: base, RatePerMinute: float64(c.RatePerMinute), Seed: seed, MaxItems: c.MaxItems, Registerer: a.registry,
	}, a.log)
	if err != nil {
		return nil, err
	}
	if c.Scenario != "" {
		if _, err := network.StartScenario(c.Scenario, sandbox.ScenarioOptions{}); err != nil {
			return nil, err
		}
	}
	// Ingest reads the sandbox through its poll loops, like any polled
	// network: a source for the brand's sandbox account, and the connector.
	a.pollers = append(a.pollers, sandbox.NewConnector(&http.Client{Timeout: 30 * time.Second}))
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.NATS.ConnectTimeout)
	defer cancel()
	err = a.sources.Put(ctx, connector.Source{
		ID: "sandbox-" + c.Brand, Brand: c.Brand, Network: sandbox.NetworkName, Account: c.Brand,
		Settings: map[string]string{sandbox.SettingURL: base, connector.SettingPollInterval: c.PollInterval.String()},
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox source: %w", err)
	}
	a.log.Info("sandbox network", "url", base, "brand", c.Brand, "rate_per_minute", c.RatePerMinute, "seed", seed, "scenario", c.Scenario)
	return runFunc(func(ctx context.Context) error {
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return sandbox.Serve(gctx, l, network.Handler()) })
		g.Go(func() error { return network.Run(gctx) })
		return g.Wait()
	}), nil
}

// brand is the brand the sandbox feeds: its own setting, else the demo's.
func (c SandboxConfig) brand(demo DemoConfig) string {
	if c.Brand != "" {
		return c.Brand
	}
	return demo.Brand
}

// announceSandbox is the line `ruche up` prints about the sandbox.
func announceSandbox(w io.Writer, cfg Config) {
	if c := cfg.Sandbox; c.Enabled {
		fmt.Fprintf(w, "  sandbox network (%d items/min): http://%s/api/v1/accounts/%s/activity  scenarios: POST /api/v1/scenarios/{crisis_burst,viral_post}\n",
			c.RatePerMinute, hostPort(c.Addr), c.brand(cfg.Demo))
	}
}
