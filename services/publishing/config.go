package publishing

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config of the publishing service (section "publishing").
type Config struct {
	// Consumer is the durable JetStream consumer shared by every replica.
	Consumer string `koanf:"consumer"`
	// RequestTimeout bounds one call to a network.
	RequestTimeout time.Duration `koanf:"request_timeout"`
	// MaxAttempts of one target before it is dead-lettered.
	MaxAttempts int `koanf:"max_attempts"`
	// RetryInterval is how often the retry loop looks for due entries.
	RetryInterval time.Duration `koanf:"retry_interval"`
	// BackoffBase and BackoffMax bound the exponential backoff (with
	// jitter) between attempts after a server error or a timeout.
	BackoffBase time.Duration `koanf:"backoff_base"`
	BackoffMax  time.Duration `koanf:"backoff_max"`
	// MetricsEvery is how often an account's metrics job runs, and how
	// soon a fresh post is read again (older posts less often, ReadEvery).
	MetricsEvery time.Duration `koanf:"metrics_every"`
	// MetricsHorizon is how long after publication a post's counts are read.
	MetricsHorizon time.Duration `koanf:"metrics_horizon"`
	// FollowersEvery is how often an account's follower count is read.
	FollowersEvery time.Duration `koanf:"followers_every"`
	// LinksBaseURL is the public prefix of short links, the gateway's /l/
	// ("https://ruche.example/l/"); empty: links are never shortened.
	LinksBaseURL string `koanf:"links_base_url"`
	// MediaOrigins are the only origins ("https://media.example") a post's
	// media are fetched from (media.go); empty: posts with media fail.
	MediaOrigins []string `koanf:"media_origins"`
	// MediaMaxBytes bounds one fetched media.
	MediaMaxBytes int64 `koanf:"media_max_bytes"`
	// MediaAllowLocal lets media be fetched from loopback and private
	// addresses (a local stack); off, only public addresses are dialled.
	MediaAllowLocal bool `koanf:"media_allow_local"`
	// NetworksAllowLocal lets an account's API URL be a loopback or
	// private address (a local stack, the sandbox under `ruche up`). An
	// account's URL is a manager's text dialled from inside the cluster
	// with the account's token: off, internal addresses are refused
	// (SSRF).
	NetworksAllowLocal bool `koanf:"networks_allow_local"`
}

// RegisterFlags registers the publishing flags under prefix.
func (c *Config) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Consumer, prefix+"consumer", "publishing", "durable consumer name (shared by replicas)")
	fs.DurationVar(&c.RequestTimeout, prefix+"request_timeout", 15*time.Second, "timeout of one call to a network")
	fs.IntVar(&c.MaxAttempts, prefix+"max_attempts", 8, "attempts of one network action before it is dead-lettered")
	fs.DurationVar(&c.RetryInterval, prefix+"retry_interval", time.Second, "how often due retries and interrupted calls are looked for")
	fs.DurationVar(&c.BackoffBase, prefix+"backoff_base", 2*time.Second, "first delay after a server error or timeout (doubled per attempt, with jitter)")
	fs.DurationVar(&c.BackoffMax, prefix+"backoff_max", 10*time.Minute, "longest delay between two attempts")
	fs.DurationVar(&c.MetricsEvery, prefix+"metrics_every", 5*time.Minute, "how often an account's post counts are read (older posts less often)")
	fs.DurationVar(&c.MetricsHorizon, prefix+"metrics_horizon", 30*24*time.Hour, "how long after publication a post's counts are read")
	fs.DurationVar(&c.FollowersEvery, prefix+"followers_every", 24*time.Hour, "how often an account's follower count is read")
	fs.StringSliceVar(&c.MediaOrigins, prefix+"media_origins", nil, "origins (scheme://host[:port]) post media are fetched from; empty: posts with media fail")
	fs.Int64Var(&c.MediaMaxBytes, prefix+"media_max_bytes", 40<<20, "largest media fetched for a post, in bytes")
	fs.BoolVar(&c.MediaAllowLocal, prefix+"media_allow_local", false, "fetch media from loopback and private addresses too (local stacks only)")
	fs.BoolVar(&c.NetworksAllowLocal, prefix+"networks_allow_local", false, "call networks at loopback and private addresses too (local stacks only; `ruche up` turns it on)")
	fs.StringVar(&c.LinksBaseURL, prefix+"links_base_url", "", "public prefix of short links, the gateway's /l/ (https://ruche.example/l/); empty: links are not shortened")
}

// Validate checks the settings.
func (c *Config) Validate() error {
	switch {
	case c.Consumer == "":
		return fmt.Errorf("publishing.consumer is required")
	case c.RequestTimeout < 100*time.Millisecond || c.RequestTimeout > 5*time.Minute:
		return fmt.Errorf("publishing.request_timeout must be 100ms to 5m, got %s", c.RequestTimeout)
	case c.MaxAttempts < 1 || c.MaxAttempts > 100:
		return fmt.Errorf("publishing.max_attempts must be 1 to 100, got %d", c.MaxAttempts)
	case c.RetryInterval < 10*time.Millisecond:
		return fmt.Errorf("publishing.retry_interval must be at least 10ms")
	case c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase:
		return fmt.Errorf("publishing.backoff_base must be positive and at most publishing.backoff_max")
	case c.MetricsEvery < 10*time.Millisecond || c.MetricsEvery > 24*time.Hour:
		return fmt.Errorf("publishing.metrics_every must be 10ms to 24h, got %s", c.MetricsEvery)
	case c.MetricsHorizon < c.MetricsEvery:
		return fmt.Errorf("publishing.metrics_horizon must be at least publishing.metrics_every")
	case c.FollowersEvery < c.MetricsEvery:
		return fmt.Errorf("publishing.followers_every must be at least publishing.metrics_every")
	case c.MediaMaxBytes < 0:
		return fmt.Errorf("publishing.media_max_bytes must not be negative, got %d", c.MediaMaxBytes)
	case c.LinksBaseURL != "" && !validLinksBase(c.LinksBaseURL):
		return fmt.Errorf("publishing.links_base_url must be an absolute http(s) URL ending in /l/, got %q", c.LinksBaseURL)
	}
	for i, o := range c.MediaOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
			return fmt.Errorf("publishing.media_origins[%d] must be scheme://host[:port], got %q", i, o)
		}
		c.MediaOrigins[i] = origin(u)
	}
	if c.MediaMaxBytes == 0 {
		c.MediaMaxBytes = 40 << 20
	}
	return nil
}

// staleAfter is when a call in flight is taken for lost: its timeout has
// passed, so its answer can no longer arrive.
func (c *Config) staleAfter() time.Duration { return c.RequestTimeout + 2*time.Second }

func validLinksBase(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.HasSuffix(u.Path, "/l/") && u.RawQuery == ""
}
