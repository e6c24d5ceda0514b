// Package analytics owns Ruche's ClickHouse schema and rows. Its sink reads
// interaction events from JetStream in batches and writes them to ClickHouse,
// acknowledging each message only once its batch is stored; its query
// endpoints (a nats.go micro service) answer the gateway's listings.
package analytics

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config of the analytics service (section "analytics").
type Config struct {
	// Consumer is the durable JetStream consumer shared by every replica.
	Consumer string `koanf:"consumer"`
	// BatchSize is the most events written to ClickHouse in one insert.
	BatchSize int `koanf:"batch_size"`
	// FlushInterval is the longest an event waits in a partial batch.
	FlushInterval time.Duration `koanf:"flush_interval"`
	// FetchWait is unused: the sink no longer pulls with Fetch but runs on
	// the bus's batch loop, whose pulls do not delay a flush or a shutdown.
	// It is still accepted (and checked) so that existing settings load.
	FetchWait time.Duration `koanf:"fetch_wait"`
	// InsertTimeout bounds one batch insert into ClickHouse.
	InsertTimeout time.Duration `koanf:"insert_timeout"`
	// AckWait is how long JetStream waits for an ack before redelivering; it
	// must outlast a batch: FlushInterval + FetchWait + InsertTimeout.
	AckWait time.Duration `koanf:"ack_wait"`
	// MaxDeliver is how many times an event is tried; after the last failed
	// attempt it is parked on the DLQ stream.
	MaxDeliver int `koanf:"max_deliver"`
	// RetryDelay is the first delay before a failed batch is redelivered; it
	// doubles with each delivery, up to a minute.
	RetryDelay time.Duration `koanf:"retry_delay"`
	// QueryTimeout bounds one query endpoint's ClickHouse work.
	QueryTimeout time.Duration `koanf:"query_timeout"`
	// RollupInterval is how often the dashboard's rollup computes the days
	// written since their last computation (rollup.go).
	RollupInterval time.Duration `koanf:"rollup_interval"`
	// RollupSettle is how long a day must go unwritten before it is
	// computed again; until then dashboards read it from the base tables.
	RollupSettle time.Duration `koanf:"rollup_settle"`
	// RollupDiscover is how often the rollup looks for days holding
	// interactions that were never computed (rows written before the
	// rollup existed, or not by the sink).
	RollupDiscover time.Duration `koanf:"rollup_discover"`
}

// RegisterFlags registers the analytics flags under prefix (e.g. "analytics.").
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "analytics", "durable JetStream consumer of the ClickHouse sink (shared by replicas)")
	fs.IntVar(&c.BatchSize, prefix+"batch_size", 5000, "most events written to ClickHouse in one insert")
	fs.DurationVar(&c.FlushInterval, prefix+"flush_interval", 500*time.Millisecond, "longest an event waits in a partial batch")
	fs.DurationVar(&c.FetchWait, prefix+"fetch_wait", time.Second, "unused (the sink runs on the bus's batch loop); accepted so that existing settings still load")
	fs.DurationVar(&c.InsertTimeout, prefix+"insert_timeout", 30*time.Second, "timeout of one ClickHouse batch insert")
	fs.DurationVar(&c.AckWait, prefix+"ack_wait", time.Minute, "how long JetStream waits for the sink's ack before redelivering")
	fs.IntVar(&c.MaxDeliver, prefix+"max_deliver", 10, "deliveries of one event before it is parked on the DLQ")
	fs.DurationVar(&c.RetryDelay, prefix+"retry_delay", time.Second, "first redelivery delay after a failed insert (doubles, up to 1m)")
	fs.DurationVar(&c.QueryTimeout, prefix+"query_timeout", 10*time.Second, "timeout of one query's ClickHouse work")
	fs.DurationVar(&c.RollupInterval, prefix+"rollup_interval", 15*time.Second, "how often the dashboard rollup computes the days written since")
	fs.DurationVar(&c.RollupSettle, prefix+"rollup_settle", time.Minute, "how long a day goes unwritten before the rollup computes it again")
	fs.DurationVar(&c.RollupDiscover, prefix+"rollup_discover", time.Hour, "how often the rollup looks for days never computed")
}

// MaxBatchSize bounds BatchSize: one batch is held in memory.
const MaxBatchSize = 100_000

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.Consumer == "" || strings.ContainsAny(c.Consumer, ".*> \t"):
		return fmt.Errorf("analytics.consumer %q must be a non-empty name without '.', '*', '>' or spaces", c.Consumer)
	case c.BatchSize < 1 || c.BatchSize > MaxBatchSize:
		return fmt.Errorf("analytics.batch_size must be 1 to %d, got %d", MaxBatchSize, c.BatchSize)
	case c.FlushInterval <= 0:
		return fmt.Errorf("analytics.flush_interval must be positive")
	case c.FetchWait < 10*time.Millisecond:
		return fmt.Errorf("analytics.fetch_wait must be at least 10ms")
	case c.InsertTimeout <= 0:
		return fmt.Errorf("analytics.insert_timeout must be positive")
	case c.AckWait <= c.FlushInterval+c.FetchWait+c.InsertTimeout:
		return fmt.Errorf("analytics.ack_wait (%s) must be longer than flush_interval + fetch_wait + insert_timeout (%s), or batches are redelivered while being written",
			c.AckWait, c.FlushInterval+c.FetchWait+c.InsertTimeout)
	case c.MaxDeliver < 2:
		return fmt.Errorf("analytics.max_deliver must be at least 2")
	case c.RetryDelay <= 0:
		return fmt.Errorf("analytics.retry_delay must be positive")
	case c.QueryTimeout <= 0:
		return fmt.Errorf("analytics.query_timeout must be positive")
	case c.RollupInterval < time.Second:
		return fmt.Errorf("analytics.rollup_interval must be at least 1s")
	case c.RollupSettle < 0:
		return fmt.Errorf("analytics.rollup_settle must not be negative")
	case c.RollupDiscover < c.RollupInterval:
		return fmt.Errorf("analytics.rollup_discover (%s) must be at least rollup_interval (%s)", c.RollupDiscover, c.RollupInterval)
	}
	return nil
}
