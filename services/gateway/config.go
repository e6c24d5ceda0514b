// Package gateway is the thin HTTP API in front of Ruche: it authenticates
// (configured keys, people's sessions and personal keys, OIDC), authorises
// every route through one permission table, records every change in the
// audit log, validates, and forwards queries to the services that own the
// data over NATS request/reply. It holds no domain logic.
package gateway

import (
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"
)

// Config of the gateway (section "gateway").
type Config struct {
	Addr string `koanf:"addr"`
	// APIKeys are space-separated "<key>:<brand>[,<brand>...]" entries; the
	// brand "*" grants every brand. Keys must be at least 24 characters.
	APIKeys   string `koanf:"api_keys"`
	BodyLimit string `koanf:"body_limit"`
	// PublicURL is the address people reach the gateway at, for links
	// (invitations, resets, OIDC) and the Origin check; empty: the Host of
	// each request.
	PublicURL string `koanf:"public_url"`
	// SessionIdle ends a session unused that long; SessionAbsolute ends
	// any session that old.
	SessionIdle     time.Duration `koanf:"session_idle"`
	SessionAbsolute time.Duration `koanf:"session_absolute"`
	OIDC            OIDCConfig    `koanf:",squash"`
}

// RegisterFlags registers the gateway flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:8080", "listen address of the API and UI")
	fs.StringVar(&c.APIKeys, prefix+"api_keys", "", `API keys: space-separated "<key>:<brand>[,<brand>...]" ("*" = every brand)`)
	fs.StringVar(&c.BodyLimit, prefix+"body_limit", "1M", "largest accepted request body")
	fs.StringVar(&c.PublicURL, prefix+"public_url", "", "URL people reach the gateway at, for links and the Origin check (empty: each request's Host)")
	fs.DurationVar(&c.SessionIdle, prefix+"session_idle", 30*time.Minute, "a session unused this long ends")
	fs.DurationVar(&c.SessionAbsolute, prefix+"session_absolute", 12*time.Hour, "a session this old ends")
	c.OIDC.RegisterFlags(fs, prefix)
}

func (c *Config) setDefaults() {
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionAbsolute == 0 {
		c.SessionAbsolute = 12 * time.Hour
	}
}

// Validate checks the settings, including the API key entries.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("gateway.addr is required")
	}
	if _, err := ParseAPIKeys(c.APIKeys); err != nil {
		return fmt.Errorf("gateway.api_keys: %w", err)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("gateway.public_url must be an http(s) URL, got %q", c.PublicURL)
		}
	}
	if c.SessionIdle < 0 || c.SessionAbsolute < 0 || (c.SessionAbsolute > 0 && c.SessionIdle > c.SessionAbsolute) {
		return fmt.Errorf("gateway.session_idle (%s) must be positive and at most gateway.session_absolute (%s)", c.SessionIdle, c.SessionAbsolute)
	}
	return c.OIDC.Validate()
}
