// Package bus is Ruche's one event-bus wiring: a NATS connection (to a
// cluster, or to a nats-server embedded in the process when no URL is set),
// the JetStream streams of events.Topology, a publisher that puts the event
// envelope in NATS headers, and a router for the consumers: per-event typed
// handlers on Watermill (Handle) and batch handlers (HandleBatch,
// HandleMessages), each on its own durable JetStream consumer, all under
// one retry and poison policy.
package bus

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// Config configures the connection and the consumers (section "nats").
type Config struct {
	// URL of the NATS cluster; empty starts an embedded server in-process.
	URL string `koanf:"url"`
	// DataDir is where the embedded server keeps JetStream files.
	DataDir string `koanf:"data_dir"`
	// Listen is an optional host:port on which the embedded server also
	// accepts TCP clients (the nats CLI, tests); empty means in-process only.
	Listen string `koanf:"listen"`
	// Replicas of every stream (1 for a single server, 3 in production).
	Replicas int `koanf:"replicas"`
	// ConnectTimeout bounds the first connection and stream provisioning.
	ConnectTimeout time.Duration `koanf:"connect_timeout"`
	// AckWait is how long a consumer waits for a handler before redelivery.
	AckWait time.Duration `koanf:"ack_wait"`
	// MaxDeliver is how many times a message is tried before the poison queue.
	MaxDeliver int `koanf:"max_deliver"`
	// Subscriptions per handler: how many messages one process handles in
	// parallel for one durable consumer.
	Subscriptions int `koanf:"subscriptions"`
}

// RegisterFlags registers the bus flags under prefix (e.g. "nats.").
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.URL, prefix+"url", "", "NATS URL (nats://host:4222); empty runs an embedded JetStream server")
	fs.StringVar(&c.DataDir, prefix+"data_dir", "var/nats", "JetStream storage of the embedded server")
	fs.StringVar(&c.Listen, prefix+"listen", "", "host:port where the embedded server also listens for TCP clients (empty: in-process only)")
	fs.IntVar(&c.Replicas, prefix+"replicas", 1, "replicas of every JetStream stream")
	fs.DurationVar(&c.ConnectTimeout, prefix+"connect_timeout", 10*time.Second, "timeout of the first connection and stream provisioning")
	fs.DurationVar(&c.AckWait, prefix+"ack_wait", 30*time.Second, "how long a consumer waits for an ack before redelivering")
	fs.IntVar(&c.MaxDeliver, prefix+"max_deliver", 8, "deliveries of one message before it goes to the DLQ")
	fs.IntVar(&c.Subscriptions, prefix+"subscriptions", 4, "subscriptions per event handler: messages one process handles in parallel per consumer (workers, each with a batch, for batch handlers)")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.URL == "" && c.DataDir == "":
		return fmt.Errorf("nats.data_dir is required when nats.url is empty (embedded server)")
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("nats.replicas must be 1 to 5, got %d", c.Replicas)
	case c.ConnectTimeout <= 0:
		return fmt.Errorf("nats.connect_timeout must be positive")
	case c.AckWait < time.Second:
		return fmt.Errorf("nats.ack_wait must be at least 1s")
	case c.MaxDeliver < 1:
		return fmt.Errorf("nats.max_deliver must be at least 1")
	case c.Subscriptions < 1 || c.Subscriptions > 64:
		return fmt.Errorf("nats.subscriptions must be 1 to 64, got %d", c.Subscriptions)
	}
	return nil
}
