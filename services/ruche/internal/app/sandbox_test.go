package app

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSandboxConfig(t *testing.T) {
	valid := func() SandboxConfig {
		return SandboxConfig{Enabled: true, Addr: "127.0.0.1:8082", Brand: "demo", RatePerMinute: 30, PollInterval: time.Second, MaxItems: 10000}
	}
	cases := []struct {
		name    string
		mutate  func(*SandboxConfig)
		wantErr string
	}{
		{"defaults_are_valid", func(*SandboxConfig) {}, ""},
		{"disabled_is_not_checked", func(c *SandboxConfig) { *c = SandboxConfig{} }, ""},
		{"scenario_at_start", func(c *SandboxConfig) { c.Scenario = "crisis_burst" }, ""},
		{"unknown_scenario", func(c *SandboxConfig) { c.Scenario = "meteor" }, "sandbox.scenario"},
		{"bad_addr", func(c *SandboxConfig) { c.Addr = "8082" }, "sandbox.addr"},
		{"bad_brand", func(c *SandboxConfig) { c.Brand = "Demo Brand" }, "sandbox.brand"},
		{"empty_brand_follows_the_demo", func(c *SandboxConfig) { c.Brand = "" }, ""},
		{"negative_rate", func(c *SandboxConfig) { c.RatePerMinute = -1 }, "sandbox.rate_per_minute"},
		{"too_fast_polling", func(c *SandboxConfig) { c.PollInterval = time.Millisecond }, "sandbox.poll_interval"},
		{"unbounded_memory", func(c *SandboxConfig) { c.MaxItems = 0 }, "sandbox.max_items"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestSandboxTarget(t *testing.T) {
	t.Run("part_of_ruche_up", func(t *testing.T) {
		got, err := order([]string{TargetAll})
		if err != nil || !slices.Contains(got, TargetSandbox) {
			t.Fatalf("all = %v, %v", got, err)
		}
	})
	t.Run("not_a_service_of_ruche_run", func(t *testing.T) {
		if slices.Contains(Services(), TargetSandbox) || checkServices([]string{TargetSandbox}) == nil {
			t.Fatal("ruche run accepts the sandbox")
		}
	})
}
