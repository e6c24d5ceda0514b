package main_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/testkit"
)

// skipMarker before a ```sh block of the README keeps it out of this test
// (the two make commands, which run the test itself).
const skipMarker = "<!-- readme-test: skip -->"

// readmeBlocks returns the README's ```sh blocks with the line they start on.
func readmeBlocks(t *testing.T, path string) (blocks []string, lines []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cur *strings.Builder
	prev, n, start := "", 0, 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh" && strings.TrimSpace(prev) != skipMarker:
			cur, start = &strings.Builder{}, n
		case cur != nil && line == "```":
			blocks, lines = append(blocks, cur.String()), append(lines, start)
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks, lines
}

// TestReadmeExamples runs every ```sh block of the README, in order, each in
// its own shell (a block is pasted whole), against a fresh `ruche up`, as a
// newcomer pastes them after `make run`: the default addresses, var/demo and bin/ruche are replaced by
// this platform's, and curl fails on an HTTP error (--fail-with-body), so an
// example that answers 4xx or 5xx fails the test.
func TestReadmeExamples(t *testing.T) {
	blocks, lines := readmeBlocks(t, filepath.Join("..", "..", "README.md"))
	if len(blocks) < 3 {
		t.Fatalf("found %d runnable blocks in the README", len(blocks))
	}
	sandbox := freeAddr(t)
	// The secrets are generated into var/demo, as on a first `make run`.
	p := startPlatformOn(t, testkit.ClickHouse(t), "RUCHE_DEMO_API_KEY=", "RUCHE_DEMO_WEBHOOK_SECRET=",
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+sandbox, "RUCHE_SANDBOX_RATE_PER_MINUTE=0")
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binary, filepath.Join(work, "bin", "ruche")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(work, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p.demoDir, filepath.Join(work, "var", "demo")); err != nil {
		t.Fatal(err)
	}
	// The repository's files (the example policy...), read-only in spirit:
	// what the examples write (exports, PDFs) lands in the work directory.
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != "bin" && name != "var" && !strings.HasPrefix(name, ".") {
			if err := os.Symlink(filepath.Join(repo, name), filepath.Join(work, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	replacer := strings.NewReplacer(
		"http://127.0.0.1:8080", "http://"+p.gateway,
		"http://127.0.0.1:8081", "http://"+p.ingest,
		"http://127.0.0.1:8082", "http://"+sandbox,
		"http://127.0.0.1:9464", "http://"+p.ops,
	)
	for i, block := range blocks {
		t.Run(fmt.Sprintf("README_line_%d", lines[i]), func(t *testing.T) {
			script := "set -euo pipefail\ncurl() { command curl --fail-with-body -sS \"$@\"; }\n" + replacer.Replace(block)
			cmd := exec.Command("bash", "-c", script)
			cmd.Dir = work
			cmd.Env = append(os.Environ(),
				"PATH="+filepath.Join(work, "bin")+":"+os.Getenv("PATH"),
				"RUCHE_CLIENT_URL=http://"+p.gateway,
			)
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("the example at README line %d did not finish in 2 minutes:\n%s", lines[i], out)
			}
			if err != nil {
				t.Fatalf("the example at README line %d failed: %v\n%s\n--- script ---\n%s", lines[i], err, out, block)
			}
		})
	}
}
