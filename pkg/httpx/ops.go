package httpx

import (
	"fmt"

	"github.com/spf13/pflag"
)

// OpsConfig configures the ops listener every process serves (section "ops"):
// /healthz, /readyz and /metrics, for probes and Prometheus.
type OpsConfig struct {
	Addr string `koanf:"addr"`
}

// RegisterFlags registers the ops flags under prefix (e.g. "ops.").
func (c *OpsConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Addr, prefix+"addr", "127.0.0.1:9464", "listen address of /healthz, /readyz and /metrics")
}

// Validate checks the address.
func (c *OpsConfig) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("ops.addr is required")
	}
	return nil
}
