// Package app composes Ruche's services into one binary: the configuration
// of every component, the graph of targets (Tempo style), and the CLI.
package app

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics"
	"github.com/ruche-project/ruche/services/drafting"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/moderation"
	"github.com/ruche-project/ruche/services/publishing"
	"github.com/ruche-project/ruche/services/scheduling"
)

// Config is the whole configuration; each section belongs to one component.
type Config struct {
	Log        obs.LogConfig      `koanf:"log"`
	NATS       bus.Config         `koanf:"nats"`
	ClickHouse clickhouse.Config  `koanf:"clickhouse"`
	Ops        httpx.OpsConfig    `koanf:"ops"`
	Secret     SecretConfig       `koanf:"secret"`
	Gateway    gateway.Config     `koanf:"gateway"`
	Ingest     ingest.Config      `koanf:"ingest"`
	Moderation moderation.Config  `koanf:"moderation"`
	Analytics  analytics.Config   `koanf:"analytics"`
	Publishing publishing.Config  `koanf:"publishing"`
	Drafting   drafting.Config    `koanf:"drafting"`
	LLM        drafting.LLMConfig `koanf:"llm"`
	Scheduling scheduling.Config  `koanf:"scheduling"`
	Demo       DemoConfig         `koanf:"demo"`
	Sandbox    SandboxConfig      `koanf:"sandbox"`
	Client     ClientConfig       `koanf:"client"`
}

// RegisterFlags registers every component's flags under its section.
func (c *Config) RegisterFlags(fs *pflag.FlagSet) {
	c.Log.RegisterFlags(fs, "log.")
	c.NATS.RegisterFlags(fs, "nats.")
	c.ClickHouse.RegisterFlags(fs, "clickhouse.")
	c.Ops.RegisterFlags(fs, "ops.")
	c.Secret.RegisterFlags(fs, "secret.")
	c.Gateway.RegisterFlags(fs, "gateway.")
	c.Ingest.RegisterFlags(fs, "ingest.")
	c.Moderation.RegisterFlags(fs, "moderation.")
	c.Analytics.RegisterFlags(fs, "analytics.")
	c.Publishing.RegisterFlags(fs, "publishing.")
	c.Drafting.RegisterFlags(fs, "drafting.")
	c.LLM.RegisterFlags(fs, "llm.")
	c.Scheduling.RegisterFlags(fs, "scheduling.")
	c.Demo.RegisterFlags(fs, "demo.")
	c.Sandbox.RegisterFlags(fs, "sandbox.")
	c.Client.RegisterFlags(fs, "client.")
}

// Validate validates every section. Sections of services that do not run
// are validated too: a typo is reported whatever the target.
func (c *Config) Validate() error {
	for _, v := range []interface{ Validate() error }{
		&c.Log, &c.NATS, &c.ClickHouse, &c.Ops, &c.Secret, &c.Gateway, &c.Ingest, &c.Moderation, &c.Analytics, &c.Publishing, &c.Drafting, &c.LLM, &c.Scheduling, &c.Demo, &c.Sandbox, &c.Client,
	} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// SecretConfig holds the key that seals credentials at rest (section "secret").
type SecretConfig struct {
	// Key is a base64 32-byte AES key. `ruche up` generates one under
	// demo.dir when it is empty; `ruche run` requires it.
	Key string `koanf:"key"`
}

// RegisterFlags registers the secret flags under prefix.
func (c *SecretConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Key, prefix+"key", "", "base64 32-byte key sealing tokens and secrets at rest (RUCHE_SECRET_KEY)")
}

// Validate is done when the key is used: its absence is fine for `ruche up`.
func (c *SecretConfig) Validate() error { return nil }

// DemoConfig configures what `ruche up` seeds for a newcomer (section "demo").
type DemoConfig struct {
	Enabled bool   `koanf:"enabled"`
	Brand   string `koanf:"brand"`
	// Dir keeps generated development secrets (API key, webhook secret,
	// secret key), each in a file readable only by its owner.
	Dir string `koanf:"dir"`
	// APIKey and WebhookSecret are generated into Dir when empty.
	APIKey        string `koanf:"api_key"`
	WebhookSecret string `koanf:"webhook_secret"`
}

// RegisterFlags registers the demo flags under prefix.
func (c *DemoConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.BoolVar(&c.Enabled, prefix+"enabled", true, "ruche up: seed the demo brand, its API key and its webhook source")
	fs.StringVar(&c.Brand, prefix+"brand", "demo", "ruche up: id of the demo brand")
	fs.StringVar(&c.Dir, prefix+"dir", "var/demo", "ruche up: where generated development secrets are kept")
	fs.StringVar(&c.APIKey, prefix+"api_key", "", "ruche up: API key of the demo brand (generated when empty)")
	fs.StringVar(&c.WebhookSecret, prefix+"webhook_secret", "", "ruche up: signing secret of the demo webhook source (generated when empty)")
}

// Validate checks the demo settings.
func (c *DemoConfig) Validate() error {
	if c.Enabled && c.Dir == "" {
		return fmt.Errorf("demo.dir is required when the demo is enabled")
	}
	if c.APIKey != "" && len(c.APIKey) < gateway.MinKeyLength {
		return fmt.Errorf("demo.api_key must be at least %d characters", gateway.MinKeyLength)
	}
	return nil
}
