// Package moderation decides, for each interaction, what it is and what
// happens to it, and emits interaction.moderated.v1: the labels of the
// classifiers (package classify), and the verdict, actions, priority and SLA
// of the brand's policy (package policy).
//
// State, all in NATS KV buckets moderation owns:
//   - moderation_policies: brand policies as versioned data ("<brand>.v<N>",
//     never changed once saved; "<brand>.active"); saving creates the next
//     version's key (the compare-and-set), brands without one get the
//     built-in policy (version 0). Every replica follows activations through
//     a KV watch.
//   - moderation_decisions: the idempotency guard, one key per interaction
//     and policy version, 30 days.
//   - moderation_case_claims: who handles which case, five-minute TTL.
//   - moderation_crisis: each brand's crisis detector state (package crisis),
//     merged by replicas with compare-and-set.
//   - moderation_crises: every crisis, open and past, with its evidence.
//   - moderation_crisis_webhooks: each brand's crisis webhook and secret.
//   - moderation_corrections: moderators' corrections of the automatic
//     labels, the latest per interaction (package feedback).
//
// Policies, cases and crises are served as micro endpoints (events/query/v1); the
// dry run asks analytics, which owns ClickHouse, for the brand's history.
package moderation

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/services/moderation/secondopinion"
)

// Config of the moderation service (section "moderation").
type Config struct {
	// Consumer is the durable JetStream consumer shared by every replica.
	Consumer string `koanf:"consumer"`
	// SecondOpinion asks a model about uncertain items (off without a base
	// URL).
	SecondOpinion secondopinion.Config `koanf:",squash"`
}

// RegisterFlags registers the moderation flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "moderation", "durable consumer name (shared by replicas)")
	c.SecondOpinion.RegisterFlags(fs, prefix)
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Consumer == "" {
		return fmt.Errorf("moderation.consumer is required")
	}
	return c.SecondOpinion.Validate()
}
