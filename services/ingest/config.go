// Package ingest is how everything said to and about a brand enters Ruche:
// webhooks (and, later, pollers and stream readers) normalised into
// interaction.received.v1 events.
package ingest

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Config of the ingest service (section "ingest").
type Config struct {
	// Addr is where webhooks from networks are received (public).
	Addr string `koanf:"addr"`
	// BodyLimit of one webhook request, e.g. "1M".
	BodyLimit string `koanf:"body_limit"`
}

// RegisterFlags registers the ingest flags under prefix (e.g. "ingest.").
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:8081", "listen address of the webhook endpoints")
	fs.StringVar(&c.BodyLimit, prefix+"body_limit", "1M", "largest accepted webhook body")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("ingest.addr is required")
	}
	if c.BodyLimit == "" {
		return fmt.Errorf("ingest.body_limit is required")
	}
	return nil
}
