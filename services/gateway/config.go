// Package gateway is the thin HTTP API in front of Ruche: it authenticates,
// authorises (every route scoped to the caller's brands), validates, and
// forwards queries to the services that own the data over NATS
// request/reply. It holds no domain logic.
package gateway

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Config of the gateway (section "gateway").
type Config struct {
	Addr string `koanf:"addr"`
	// APIKeys are space-separated "<key>:<brand>[,<brand>...]" entries; the
	// brand "*" grants every brand. Keys must be at least 24 characters.
	APIKeys   string `koanf:"api_keys"`
	BodyLimit string `koanf:"body_limit"`
}

// RegisterFlags registers the gateway flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:8080", "listen address of the API and UI")
	fs.StringVar(&c.APIKeys, prefix+"api_keys", "", `API keys: space-separated "<key>:<brand>[,<brand>...]" ("*" = every brand)`)
	fs.StringVar(&c.BodyLimit, prefix+"body_limit", "1M", "largest accepted request body")
}

// Validate checks the settings, including the API key entries.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("gateway.addr is required")
	}
	if _, err := ParseAPIKeys(c.APIKeys); err != nil {
		return fmt.Errorf("gateway.api_keys: %w", err)
	}
	return nil
}
