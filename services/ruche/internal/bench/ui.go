package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// uiTarget is issue 19's limit: an inbox interaction, from the key press
// to the updated page, at most 100 ms (p95).
const uiTarget = 100

// uiKinds are the interactions the browser measures, in the order the
// script reports them, with what each one is.
var uiKinds = []struct{ name, note string }{
	{"search", "typing a word in the search box (one key every 120 ms, as a quick typist): the last key press → the stream swapped with that word's results (htmx:afterSettle), the 150 ms debounce included"},
	{"filter", "changing a filter (network, kind, sentiment… select): the change → the stream swapped (htmx:afterSettle)"},
	{"move", "j/k: the key press → the next row selected and its item shown in the detail panel (moves less than 60 ms apart wait 60 ms; the bench moves at a person's pace)"},
	{"open", "opening an item with a click on a row further down: the click → its item shown in the detail panel"},
	{"decide", "a decision with the keyboard (e: done): the key press → the decision shown in the row (POST, NATS, moderation's event)"},
}

// uiPhase drives Debian's chromium through the inbox of `ruche up` on the
// shared dataset (services/gateway/ui/web/bench/inbox.mjs, playwright-core)
// and reports, per kind of interaction, p50 and p95 from the key press to
// the updated DOM, measured in the page (performance.now()).
func (b *bench) uiPhase(ctx context.Context) error {
	web, chromium, why := browserTools()
	if why != "" {
		b.log("ui: skipped: %s", why)
		b.res.Add("ui_skipped", 1, "", "the ui phase did not run: "+why)
		return nil
	}
	db, _, err := b.sharedDataset(ctx)
	if err != nil {
		return err
	}
	p, err := b.startPlatform(ctx, db, false)
	if err != nil {
		return err
	}
	defer p.close()
	const email, password = "bench@demo.example", "correct horse battery staple"
	if err := p.invite(ctx, email, password); err != nil {
		return err
	}

	rounds := b.cfg.UIRounds
	if b.cfg.Smoke {
		rounds = 3
	}
	ctx, cancel := context.WithTimeout(ctx, time.Hour) // 10 million rows on a loaded machine: slow
	defer cancel()
	node := exec.CommandContext(ctx, "node", filepath.Join("bench", "inbox.mjs"))
	node.Dir = web
	_, port, _ := strings.Cut(p.gateway, ":")
	node.Env = append(os.Environ(), "RUCHE_URL=http://localhost:"+port, "CHROMIUM="+chromium,
		"BENCH_EMAIL="+email, "BENCH_PASSWORD="+password, "BENCH_ROUNDS="+strconv.Itoa(rounds))
	var stdout, stderr bytes.Buffer
	node.Stdout, node.Stderr = &stdout, &stderr
	start := time.Now()
	if err := node.Run(); err != nil {
		return fmt.Errorf("node bench/inbox.mjs: %w\n%s", err, tail(stderr.String(), 4000))
	}
	var got map[string][]float64 // kind → milliseconds
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		return fmt.Errorf("node bench/inbox.mjs printed %q: %w", tail(stdout.String(), 2000), err)
	}
	b.log("ui: %d rounds in the browser in %s", rounds, time.Since(start).Round(time.Second))
	for _, k := range uiKinds {
		ms := got[k.name]
		if len(ms) == 0 {
			return fmt.Errorf("the browser measured no %s interaction", k.name)
		}
		b.addLatency("ui_"+k.name, millis(ms), uiTarget, "chromium, inbox of the demo brand, "+k.note)
	}
	// The server's share of them, by route: a reference without a target.
	for _, route := range []string{"list", "item", "decide"} {
		if ms := got["server_"+route]; len(ms) > 0 {
			b.addLatency("ui_server_"+route, millis(ms), 0, "the same run, GET or POST /inbox/"+route+": request sent → first byte of the answer (Resource Timing), the gateway, NATS, analytics and ClickHouse")
		}
	}
	return nil
}

// browserTools finds the node project of the workspace (with
// playwright-core installed), chromium and node, or says what is missing.
func browserTools() (web, chromium, why string) {
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return "", "", "no chromium at " + chromium + " (apt-get install chromium, or set CHROMIUM)"
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", "", "no node on PATH (apt-get install nodejs npm)"
	}
	// The bench runs from the repository's root (make bench) or from its
	// package folder (go test): the node project is found upwards.
	dir, _ := os.Getwd()
	for {
		web = filepath.Join(dir, "services", "gateway", "ui", "web")
		if _, err := os.Stat(filepath.Join(web, "bench", "inbox.mjs")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", "services/gateway/ui/web not found above the working directory"
		}
		dir = parent
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = web
		if out, err := npm.CombinedOutput(); err != nil {
			return "", "", fmt.Sprintf("npm ci in %s: %v: %s", web, err, tail(string(out), 500))
		}
	}
	return web, chromium, ""
}

// invite makes a moderator of the demo brand through the API: an
// invitation, accepted with a name and a password.
func (p *platform) invite(ctx context.Context, email, password string) error {
	var link struct {
		Token string `json:"token"`
	}
	if err := p.call(ctx, http.MethodPost, "/api/v1/invitations?brand=demo", `{"role":"moderator","email":"`+email+`"}`, &link); err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"name": "Bench Moderator", "password": password})
	return p.call(ctx, http.MethodPost, "/api/v1/auth/invitations/"+link.Token+"/accept", string(body), nil)
}

// call sends body to the gateway with the bench's API key and decodes a
// 2xx answer into out (nil: ignored).
func (p *platform) call(ctx context.Context, method, path, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+p.gateway+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// millis turns milliseconds into durations.
func millis(ms []float64) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, v := range ms {
		out[i] = time.Duration(v * float64(time.Millisecond))
	}
	return out
}
