package main_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserHarness is what the browser tests need: Debian's chromium and the
// workspace's node project (services/gateway/ui/web) with playwright-core.
type browserHarness struct{ chromium, web string }

// newBrowserHarness finds chromium and node, and installs the node project
// when it is not.
func newBrowserHarness(t *testing.T) browserHarness {
	t.Helper()
	b := browserHarness{chromium: os.Getenv("CHROMIUM")}
	if b.chromium == "" {
		b.chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(b.chromium); err != nil {
		t.Fatalf("chromium not found at %s (apt-get install chromium; .ci/run does): %v", b.chromium, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found (apt-get install nodejs npm; .ci/run does): %v", err)
	}
	b.web, _ = filepath.Abs(filepath.Join("..", "gateway", "ui", "web"))
	if _, err := os.Stat(filepath.Join(b.web, "node_modules", "playwright-core")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = b.web
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", b.web, err, out)
		}
	}
	return b
}

// run runs node's test runner on target (a file or a folder of the node
// project) against the gateway at addr, with env added; screenshots land
// in var/ui-artifacts.
func (b browserHarness) run(t *testing.T, addr, target string, env ...string) {
	t.Helper()
	artifacts, _ := filepath.Abs(filepath.Join("..", "..", "var", "ui-artifacts"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	node := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "--test-concurrency=1", target)
	node.Dir = b.web
	_, port, _ := strings.Cut(addr, ":")
	node.Env = append(append(os.Environ(), "RUCHE_URL=http://localhost:"+port, "RUCHE_ARTIFACTS="+artifacts, "CHROMIUM="+b.chromium), env...)
	out, err := node.CombinedOutput()
	t.Logf("browser tests %s (screenshots in %s):\n%s", target, artifacts, out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}
