// Package moderation decides, for each interaction, what it is and what
// happens to it, and emits interaction.moderated.v1: the labels of the
// classifiers (package classify), and the verdict, actions, priority and SLA
// of the brand's policy (package policy). Every brand gets the built-in
// policy (version 0) until policies are versioned data; cases and crisis
// detection come next (see the project's issues).
package moderation

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Config of the moderation service (section "moderation").
type Config struct {
	// Consumer is the durable JetStream consumer shared by every replica.
	Consumer string `koanf:"consumer"`
}

// RegisterFlags registers the moderation flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "moderation", "durable consumer name (shared by replicas)")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Consumer == "" {
		return fmt.Errorf("moderation.consumer is required")
	}
	return nil
}
