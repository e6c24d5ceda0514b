// Package ingest is how everything said to and about a brand enters Ruche:
// the service that runs the networks' connectors (package connector and one
// package per network) and publishes what they read as
// interaction.received.v1 events. It keeps the sources (sources.go), serves
// webhooks (webhooks.go), runs the poll and stream loops of polled networks
// (poll_loop.go, stream_loop.go), tracks each source's health (health.go)
// and answers the sources API (sources_api.go).
package ingest

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
)

// Config of the ingest service (section "ingest").
type Config struct {
	// Addr is where webhooks from networks are received (public).
	Addr string `koanf:"addr"`
	// BodyLimit of one webhook request, e.g. "1M".
	BodyLimit string `koanf:"body_limit"`
	// PollInterval is the pause between two polls of a polled source when
	// it has nothing more to give.
	PollInterval time.Duration `koanf:"poll_interval"`
	// AllowInternalFetches lets pollers reach loopback and private
	// addresses: local development only (SSRF guard otherwise).
	AllowInternalFetches bool `koanf:"allow_internal_fetches"`
	// RequestTimeout bounds one source-management request.
	RequestTimeout time.Duration `koanf:"request_timeout"`
	// Replica names this process in per-replica state (source health);
	// empty means the host name (the pod name in Kubernetes).
	Replica string `koanf:"replica"`
}

// ReplicaName is Replica, or the host name when it is empty.
func (c *Config) ReplicaName() string {
	if c.Replica != "" {
		return c.Replica
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "ingest"
}

// RegisterFlags registers the ingest flags under prefix (e.g. "ingest.").
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:8081", "listen address of the webhook endpoints")
	fs.StringVar(&c.BodyLimit, prefix+"body_limit", "1M", "largest accepted webhook body")
	fs.DurationVar(&c.PollInterval, prefix+"poll_interval", 30*time.Second, "pause between two polls of a polled source (Mastodon, Bluesky, YouTube, RSS)")
	fs.BoolVar(&c.AllowInternalFetches, prefix+"allow_internal_fetches", false, "let pollers fetch loopback and private addresses (development only; `ruche up` turns it on)")
	fs.DurationVar(&c.RequestTimeout, prefix+"request_timeout", 5*time.Second, "timeout of one source-management request")
	fs.StringVar(&c.Replica, prefix+"replica", "", "name of this replica in per-replica state (empty: the host name, i.e. the pod name in Kubernetes)")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("ingest.addr is required")
	}
	if c.BodyLimit == "" {
		return fmt.Errorf("ingest.body_limit is required")
	}
	if c.PollInterval < time.Second {
		return fmt.Errorf("ingest.poll_interval must be at least 1s")
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("ingest.request_timeout must be positive")
	}
	return nil
}
