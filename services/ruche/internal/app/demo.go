package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
)

// DemoSourceID is the webhook source `ruche up` seeds for the demo brand.
const DemoSourceID = "demo-webhook"

// prepareDemo runs before the targets are built, in `ruche up` only: it
// gives the demo brand an API key (generated once into demo.dir) and adds
// it to the gateway's keys.
func prepareDemo(cfg *Config) error {
	if !cfg.Demo.Enabled {
		return nil
	}
	if cfg.Demo.APIKey == "" {
		k, err := devSecret(cfg.Demo.Dir, "api-key", 24)
		if err != nil {
			return err
		}
		cfg.Demo.APIKey = k
	}
	if cfg.Demo.WebhookSecret == "" {
		s, err := devSecret(cfg.Demo.Dir, "webhook-secret", 32)
		if err != nil {
			return err
		}
		cfg.Demo.WebhookSecret = s
	}
	cfg.Gateway.APIKeys = strings.TrimSpace(cfg.Gateway.APIKeys + " " + cfg.Demo.APIKey + ":" + cfg.Demo.Brand)
	return cfg.Gateway.Validate()
}

// initDemo seeds the demo brand's signed webhook source.
func (a *App) initDemo() (runner, error) {
	if !a.cfg.Demo.Enabled || a.mode != ModeUp {
		return nil, nil
	}
	err := a.sources.Put(context.Background(), connector.Source{
		ID: DemoSourceID, Brand: a.cfg.Demo.Brand, Network: generic.Network,
		Secrets: map[string]string{generic.Secret: a.cfg.Demo.WebhookSecret},
	})
	return nil, err
}

// devSecret returns the secret kept in dir/name, creating it (n random
// bytes, base64) with owner-only permissions the first time.
func devSecret(dir, name string, n int) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	raw := make([]byte, n)
	_, _ = rand.Read(raw)
	s := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}
