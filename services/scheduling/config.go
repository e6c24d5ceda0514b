package scheduling

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// Config of the scheduling service (section "scheduling").
type Config struct {
	// Consumer prefixes the durable consumers shared by every replica.
	Consumer string `koanf:"consumer"`
	// LateAfter is how long after its time a released post counts as late
	// (flagged with how late on the post, its event and its request).
	LateAfter time.Duration `koanf:"late_after"`
	// Horizon is how far ahead a post may be scheduled.
	Horizon time.Duration `koanf:"horizon"`
	// DefaultZone is the zone of a calendar asked without one.
	DefaultZone string `koanf:"default_zone"`
	// RecycleEvery is how often the recycler fills the queues that
	// recycle evergreen posts on their own.
	RecycleEvery time.Duration `koanf:"recycle_every"`
}

// RegisterFlags registers the scheduling flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "scheduling", "durable consumer name prefix (shared by replicas)")
	fs.DurationVar(&c.LateAfter, prefix+"late_after", 30*time.Second, "a post released this long after its time is flagged late")
	fs.DurationVar(&c.Horizon, prefix+"horizon", 2*366*24*time.Hour, "how far ahead a post may be scheduled")
	fs.StringVar(&c.DefaultZone, prefix+"default_zone", "Europe/Paris", "IANA zone of a calendar asked without one")
	fs.DurationVar(&c.RecycleEvery, prefix+"recycle_every", time.Hour, "how often queues that recycle evergreen posts on their own are filled")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.Consumer == "":
		return errors.New("scheduling.consumer is required")
	case c.LateAfter < time.Second:
		return fmt.Errorf("scheduling.late_after must be at least 1s, got %s", c.LateAfter)
	case c.Horizon < 24*time.Hour:
		return fmt.Errorf("scheduling.horizon must be at least 24h, got %s", c.Horizon)
	case c.DefaultZone == "":
		return errors.New("scheduling.default_zone is required")
	case c.RecycleEvery < time.Second:
		return fmt.Errorf("scheduling.recycle_every must be at least 1s, got %s", c.RecycleEvery)
	}
	return nil
}
