// Package drafting drafts the brand's replies to the interactions that need
// one, in the brand's voice, citing its knowledge base, and keeps them until
// a moderator approves (the approval record, events/draft/v1.Approved, and a
// reply publish request follow), rejects or regenerates them.
//
// State, all in NATS KV buckets drafting owns:
//   - drafting_drafts: each interaction's draft ("<brand>.<interaction id,
//     base64url>") with the text it answers (interaction.moderated carries
//     it), updated with compare-and-set;
//   - drafting_brands: each brand's voice profile, knowledge base, saved
//     replies and model endpoint (key sealed with pkg/secret), with
//     immutable "<brand>.voice.v<N>" and "<brand>.kb.v<N>" versions;
//   - drafting_usage: tokens used per brand and month ("<brand>.<yyyy-mm>").
//
// Drafts come from a model (package model, any OpenAI-compatible endpoint)
// when the brand has one and budget left, else from the offline drafter
// (package offline); either way package safety checks them before anyone
// reads them.
package drafting

import (
	"errors"
	"time"

	"github.com/spf13/pflag"
)

// Config of the drafting service (section "drafting").
type Config struct {
	// Consumer prefixes the durable consumers shared by every replica.
	Consumer string `koanf:"consumer"`
	// ModelTimeout bounds one request to a model.
	ModelTimeout time.Duration `koanf:"model_timeout"`
	// ModelBudget bounds a draft's whole model work, retries included;
	// past it the offline drafter writes the draft. It stays below
	// nats.ack_wait (30 s), so JetStream never redelivers an interaction
	// whose draft is still being written.
	ModelBudget time.Duration `koanf:"model_budget"`
	// DefaultTokenBudget is the monthly budget of a brand whose model is the
	// built-in fake (no brand setting).
	DefaultTokenBudget int64 `koanf:"default_budget"`
	// AllowInternalModels lets a brand's model endpoint be a loopback or
	// private address. A brand's base_url is a manager's text dialled from
	// inside the cluster; without this, drafting refuses to connect to
	// internal addresses (SSRF), as ingest does for sources.
	AllowInternalModels bool `koanf:"allow_internal_models"`
}

// RegisterFlags registers the drafting flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "drafting", "durable consumer name prefix (shared by replicas)")
	fs.DurationVar(&c.ModelTimeout, prefix+"model_timeout", 15*time.Second, "timeout of one request to a model")
	fs.DurationVar(&c.ModelBudget, prefix+"model_budget", 25*time.Second, "longest a draft waits for its model, retries included, before the offline drafter writes it (below nats.ack_wait)")
	fs.Int64Var(&c.DefaultTokenBudget, prefix+"default_budget", 200000, "monthly token budget of brands using the built-in fake model")
	fs.BoolVar(&c.AllowInternalModels, prefix+"allow_internal_models", false, "let a brand's model endpoint be a loopback or private address (an in-cluster model; `ruche up` turns it on)")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.Consumer == "":
		return errors.New("drafting.consumer is required")
	case c.ModelTimeout <= 0:
		return errors.New("drafting.model_timeout must be positive")
	case c.ModelBudget < c.ModelTimeout:
		return errors.New("drafting.model_budget must be at least drafting.model_timeout")
	case c.DefaultTokenBudget < 0:
		return errors.New("drafting.default_budget must not be negative")
	}
	return nil
}

// LLMConfig is the model endpoint of the whole installation (section
// "llm"), used by brands without their own.
type LLMConfig struct {
	// Fake serves the built-in fake chat-completions endpoint (package
	// modelfake) on loopback and makes it the default model.
	Fake bool `koanf:"fake"`
}

// RegisterFlags registers the llm flags under prefix.
func (c *LLMConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.BoolVar(&c.Fake, prefix+"fake", false, "serve the built-in fake chat-completions endpoint and use it as the default model (RUCHE_LLM_FAKE=1)")
}

// Validate checks the settings.
func (c *LLMConfig) Validate() error { return nil }
