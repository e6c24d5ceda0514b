package httpx

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// OpsConfig configures the ops listener every process serves (section "ops"):
// /healthz, /readyz and /metrics, for probes and Prometheus.
type OpsConfig struct {
	Addr string `koanf:"addr"`
	// ShutdownDelay is how long a stopping process stays up, not ready,
	// before it stops serving: time for endpoints to drop it (Kubernetes).
	ShutdownDelay time.Duration `koanf:"shutdown_delay"`
}

// RegisterFlags registers the ops flags under prefix (e.g. "ops.").
func (c *OpsConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:9464", "listen address of /healthz, /readyz and /metrics")
	fs.DurationVar(&c.ShutdownDelay, prefix+"shutdown_delay", 0, "time between readiness off and the stop of serving, on SIGTERM (5s in Kubernetes)")
}

// Validate checks the address.
func (c *OpsConfig) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("ops.addr is required")
	}
	if c.ShutdownDelay < 0 || c.ShutdownDelay > time.Minute {
		return fmt.Errorf("ops.shutdown_delay must be between 0 and 1m")
	}
	return nil
}
