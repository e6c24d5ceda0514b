package app

import (
	"strings"
	"testing"
)

func TestFlatConfigMasksSecrets(t *testing.T) {
	var cfg Config
	cfg.Secret.Key = "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy4uLi4uLi4uLi4="
	cfg.Gateway.APIKeys = "k-0123456789abcdefghijklmnop:demo"
	cfg.ClickHouse.Password = "hunter2"
	cfg.NATS.DataDir = "var/nats"
	got := flatConfig(cfg)
	for _, k := range []string{"secret.key", "gateway.api_keys", "clickhouse.password"} {
		if got[k] != Masked {
			t.Errorf("%s = %q, want masked", k, got[k])
		}
	}
	if got["nats.data_dir"] != "var/nats" || got["demo.api_key"] != "(empty)" {
		t.Fatalf("config %v", got)
	}
	for k, v := range got {
		for _, secret := range []string{cfg.Secret.Key, "0123456789abcdef", "hunter2"} {
			if strings.Contains(v, secret) {
				t.Errorf("%s shows a secret: %q", k, v)
			}
		}
	}
}
