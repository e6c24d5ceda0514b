package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
	"github.com/ruche-project/ruche/services/ingest/x"
)

// binary is the ruche binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) { os.Exit(testkit.RunWithBinary(m, ".", &binary)) }

const (
	apiKey        = "e2e-api-key-0123456789abcdef"
	webhookSecret = "e2e-webhook-secret"
)

// platform is a running `ruche up` process and the addresses it serves.
type platform struct {
	cmd                  *exec.Cmd
	gateway, ingest, ops string
	natsURL              string
	// demoDir holds the generated development secrets (RUCHE_DEMO_DIR).
	demoDir string
	ch      *clickhouse.DB
	out     *syncBuffer
	exited  chan error
	stopped bool
}

// syncBuffer collects the process output; the exec goroutines write while
// the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	return startPlatformOn(t, testkit.ClickHouse(t)) // a fresh database, dropped at cleanup
}

// startPlatformOn starts `ruche up` with a fresh NATS data dir on db. The
// sandbox network is off unless env (extra RUCHE_* settings, which win)
// turns it on: its traffic would otherwise move the event counts.
func startPlatformOn(t *testing.T, db *clickhouse.DB, env ...string) *platform {
	t.Helper()
	p := &platform{gateway: freeAddr(t), ingest: freeAddr(t), ops: freeAddr(t), out: &syncBuffer{}, exited: make(chan error, 1)}
	natsAddr := freeAddr(t)
	p.natsURL = "nats://" + natsAddr
	p.ch = db
	chCfg := testkit.ClickHouseConfig(t)
	dir := t.TempDir()
	p.demoDir = filepath.Join(dir, "demo")
	p.cmd = exec.Command(binary, "up")
	p.cmd.Env = append(os.Environ(),
		"RUCHE_NATS_DATA_DIR="+filepath.Join(dir, "nats"),
		"RUCHE_NATS_LISTEN="+natsAddr,
		"RUCHE_CLICKHOUSE_ADDR="+chCfg.Addr,
		"RUCHE_CLICKHOUSE_DATABASE="+p.ch.Database(),
		"RUCHE_GATEWAY_ADDR="+p.gateway,
		"RUCHE_INGEST_ADDR="+p.ingest,
		"RUCHE_OPS_ADDR="+p.ops,
		"RUCHE_DEMO_DIR="+filepath.Join(dir, "demo"),
		"RUCHE_DEMO_API_KEY="+apiKey,
		"RUCHE_DEMO_WEBHOOK_SECRET="+webhookSecret,
		"RUCHE_LOG_FORMAT=text",
		"RUCHE_SANDBOX_ENABLED=false",
	)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if !p.stopped {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("ruche output:\n%s", p.out)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + p.ops + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.exited:
			p.stopped = true
			t.Fatalf("ruche up exited early: %v\n%s", err, p.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ruche up not ready after 60s\n%s", p.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *platform) webhook(t *testing.T, body, signature string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.ingest+"/v1/webhooks/generic/demo-webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(generic.SignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *platform) list(t *testing.T) query.ListInteractionsResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.gateway+"/api/v1/interactions?brand=demo&limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("list interactions: %d %s", resp.StatusCode, b)
	}
	var out query.ListInteractionsResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// received counts interaction.received events stored in JetStream.
func (p *platform) received(t *testing.T) uint64 {
	t.Helper()
	n, _ := streamCounts(t, p.natsURL)
	return n
}

// rows counts the rows stored for one interaction id, without collapsing
// duplicates: one delivery must be one row.
func (p *platform) rows(t *testing.T, id string) uint64 {
	t.Helper()
	var n uint64
	if err := p.ch.Conn().QueryRow(context.Background(), "SELECT count() FROM interactions WHERE id = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestEndToEnd(t *testing.T) {
	p := startPlatform(t)
	sign := func(body string) string { return connector.Sign([]byte(webhookSecret), []byte(body)) }

	t.Run("signed_webhook_reaches_clickhouse_and_the_api", func(t *testing.T) {
		body := `{"id":"e2e-1","author":{"id":"u1","handle":"@camille"},"text":"Bonjour ! Ma commande est arrivée cassée.","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
		if code, resp := p.webhook(t, body, sign(body)); code != 200 {
			t.Fatalf("webhook = %d %s", code, resp)
		}
		var got query.Interaction
		eventually(t, "the interaction in the API", func() bool {
			for _, it := range p.list(t).Items {
				if it.ID == "generic:e2e-1" {
					got = it
					return true
				}
			}
			return false
		})
		if got.Text != "Bonjour ! Ma commande est arrivée cassée." || got.AuthorHandle != "@camille" || got.Brand != "demo" {
			t.Fatalf("interaction = %+v", got)
		}
		if n := p.rows(t, "generic:e2e-1"); n != 1 {
			t.Fatalf("%d rows in ClickHouse, want 1", n)
		}
		eventually(t, "the moderation decision", func() bool {
			for _, it := range p.list(t).Items {
				if it.ID == "generic:e2e-1" && it.Verdict != "" {
					return true
				}
			}
			return false
		})
	})

	t.Run("an_edit_shows_its_new_text_and_a_deletion_leaves_the_queue", func(t *testing.T) {
		find := func(id string) (query.Interaction, bool) {
			for _, it := range p.list(t).Items {
				if it.ID == id {
					return it, true
				}
			}
			return query.Interaction{}, false
		}
		body := `{"id":"e2e-edit","author":{"id":"u1"},"text":"Ma commande est en retard","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
		if code, resp := p.webhook(t, body, sign(body)); code != 200 {
			t.Fatalf("webhook = %d %s", code, resp)
		}
		eventually(t, "the interaction in the API", func() bool { _, ok := find("generic:e2e-edit"); return ok })
		edit := `{"id":"e2e-edit","action":"edited","text":"Ma commande est arrivée, merci","edited_at":"2026-11-23T08:10:00Z"}`
		for range 2 { // the second delivery collapses
			if code, resp := p.webhook(t, edit, sign(edit)); code != 200 {
				t.Fatalf("edit = %d %s", code, resp)
			}
		}
		var got query.Interaction
		eventually(t, "the edited text in the API", func() bool {
			it, _ := find("generic:e2e-edit")
			got = it
			return it.EditedAt != nil
		})
		if got.Text != "Ma commande est arrivée, merci" || !got.EditedAt.Equal(time.Date(2026, 11, 23, 8, 10, 0, 0, time.UTC)) {
			t.Fatalf("edited interaction = %+v", got)
		}
		var edits uint64
		if err := p.ch.Conn().QueryRow(context.Background(), "SELECT count() FROM interaction_edits WHERE interaction_id = 'generic:e2e-edit'").Scan(&edits); err != nil || edits != 1 {
			t.Fatalf("%d edit rows (%v), want 1", edits, err)
		}
		del := `{"id":"e2e-edit","action":"deleted"}`
		if code, resp := p.webhook(t, del, sign(del)); code != 200 || !strings.Contains(resp, `"accepted":["deleted:generic:e2e-edit"]`) {
			t.Fatalf("deletion = %d %s", code, resp)
		}
		eventually(t, "the deletion in the API", func() bool { it, _ := find("generic:e2e-edit"); return it.DeletedAt != nil })
	})

	t.Run("bad_signature_is_401_and_publishes_nothing", func(t *testing.T) {
		before := p.received(t)
		body := `{"id":"e2e-forged","author":{"id":"u2"},"text":"forged"}`
		code, resp := p.webhook(t, body, connector.Sign([]byte("not-the-secret"), []byte(body)))
		if code != 401 || !strings.Contains(resp, `"code":"unauthorized"`) {
			t.Fatalf("webhook = %d %s", code, resp)
		}
		if code, _ := p.webhook(t, body, ""); code != 401 {
			t.Fatalf("unsigned webhook = %d", code)
		}
		if after := p.received(t); after != before {
			t.Fatalf("stream went from %d to %d events", before, after)
		}
	})

	t.Run("same_webhook_five_times_is_one_row", func(t *testing.T) {
		before := p.received(t)
		body := `{"id":"e2e-dup","author":{"id":"u3"},"text":"Livraison rapide, merci !","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
		for i := 0; i < 5; i++ {
			if code, resp := p.webhook(t, body, sign(body)); code != 200 {
				t.Fatalf("delivery %d = %d %s", i+1, code, resp)
			}
		}
		if after := p.received(t); after != before+1 {
			t.Fatalf("stream went from %d to %d events, want +1", before, after)
		}
		eventually(t, "the row", func() bool { return p.rows(t, "generic:e2e-dup") >= 1 })
		time.Sleep(time.Second) // a second row, if any, would have landed by now
		if n := p.rows(t, "generic:e2e-dup"); n != 1 {
			t.Fatalf("%d rows, want 1", n)
		}
		n := 0
		for _, it := range p.list(t).Items {
			if it.ID == "generic:e2e-dup" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("API lists the interaction %d times", n)
		}
	})

	t.Run("redelivery_past_the_dedup_window_is_one_interaction", func(t *testing.T) {
		// A second platform on the same ClickHouse database but a fresh
		// JetStream: nothing remembers the event id, as after the stream's
		// duplicate window. The store must still show one interaction.
		q := startPlatformOn(t, p.ch)
		body := `{"id":"e2e-dup","author":{"id":"u3"},"text":"Livraison rapide, merci !","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
		if code, resp := q.webhook(t, body, sign(body)); code != 200 || !strings.Contains(resp, `"accepted":["generic:e2e-dup"]`) {
			t.Fatalf("webhook = %d %s", code, resp)
		}
		eventually(t, "the second copy stored", func() bool { return q.rows(t, "generic:e2e-dup") == 2 })
		n := 0
		for _, it := range q.list(t).Items {
			if it.ID == "generic:e2e-dup" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("API lists the interaction %d times", n)
		}
		_ = q.cmd.Process.Signal(syscall.SIGTERM)
		<-q.exited
		q.stopped = true
	})

	t.Run("malformed_body_is_400_and_publishes_nothing", func(t *testing.T) {
		before := p.received(t)
		for _, body := range []string{`{"id":"e2e-bad",`, `{"id":"e2e-bad","text":"no author","created_at":"2026-11-23T08:00:00Z"}`} {
			code, resp := p.webhook(t, body, sign(body))
			if code != 400 || !strings.Contains(resp, `"field"`) {
				t.Fatalf("webhook %s = %d %s", body, code, resp)
			}
		}
		if after := p.received(t); after != before {
			t.Fatalf("stream went from %d to %d events", before, after)
		}
	})

	t.Run("api_refuses_other_brands_and_missing_keys", func(t *testing.T) {
		for _, tc := range []struct {
			auth   string
			brand  string
			status int
		}{{"", "demo", 401}, {"Bearer " + apiKey, "someone-else", 403}} {
			req, _ := http.NewRequest(http.MethodGet, "http://"+p.gateway+"/api/v1/interactions?brand="+tc.brand, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("brand %s auth %q = %d, want %d", tc.brand, tc.auth, resp.StatusCode, tc.status)
			}
		}
	})

	t.Run("cli_manages_sources_and_an_x_webhook_flows", func(t *testing.T) {
		dir := t.TempDir()
		secretFile := filepath.Join(dir, "x-secret")
		if err := os.WriteFile(secretFile, []byte("x-consumer-secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cli := func(args ...string) (string, error) {
			cmd := exec.Command(binary, args...)
			cmd.Env = append(os.Environ(), "RUCHE_CLIENT_URL=http://"+p.gateway, "RUCHE_CLIENT_API_KEY="+apiKey)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		if out, err := cli("sources", "add", "--brand", "demo", "--id", "x-main", "--network", "x",
			"--account", "2244994945", "--secret", "consumer_secret=@"+secretFile); err != nil {
			t.Fatalf("sources add: %v\n%s", err, out)
		}
		if out, err := cli("sources", "add", "--brand", "demo", "--id", "x-bad", "--network", "x"); err == nil || !strings.Contains(out, "secrets.consumer_secret") {
			t.Fatalf("a source without its secret was accepted: %v\n%s", err, out)
		}
		// X's CRC check, then a signed delivery.
		resp, err := http.Get("http://" + p.ingest + "/v1/webhooks/x/x-main?crc_token=crc-token-123")
		if err != nil {
			t.Fatal(err)
		}
		crc, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(crc), "sha256=YUsT0aLbF0VtFGcLCND1EU/aQP0sjPL19cPulVY7Wes=") {
			t.Fatalf("crc = %d %s", resp.StatusCode, crc)
		}
		body, err := os.ReadFile("../ingest/x/testdata/x_activity.json")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.ingest+"/v1/webhooks/x/x-main", bytes.NewReader(body))
		req.Header.Set(x.SignatureHeader, "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(res), "x:dm-1591") {
			t.Fatalf("x delivery = %d %s", resp.StatusCode, res)
		}
		eventually(t, "the X items in the inbox", func() bool { return p.rows(t, "x:1590000000000000002") == 1 })
		eventually(t, "the source reported healthy", func() bool {
			out, err := cli("sources", "health", "--brand", "demo")
			return err == nil && strings.Contains(out, "x-main") && regexp.MustCompile(`x-main\s+ok\s+-\s+0\.6`).MatchString(out)
		})
		if out, err := cli("sources", "list", "--brand", "demo"); err != nil || !strings.Contains(out, "consumer_secret") || strings.Contains(out, "x-consumer-secret") {
			t.Fatalf("sources list: %v\n%s", err, out)
		}
		if out, err := cli("sources", "rm", "--brand", "demo", "x-main"); err != nil {
			t.Fatalf("sources rm: %v\n%s", err, out)
		}
		eventually(t, "deliveries to the deleted source refused", func() bool {
			req, _ := http.NewRequest(http.MethodPost, "http://"+p.ingest+"/v1/webhooks/x/x-main", bytes.NewReader(body))
			req.Header.Set(x.SignatureHeader, "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode == 401
		})
	})

	checkDrafting(t, p, sign)
	checkOps(t, p)

	t.Run("sigterm_stops_cleanly", func(t *testing.T) {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-p.exited:
			p.stopped = true
			if err != nil {
				t.Fatalf("exit: %v\n%s", err, p.out)
			}
		case <-time.After(40 * time.Second):
			t.Fatal("ruche up did not stop within 40s of SIGTERM")
		}
		if !strings.Contains(p.out.String(), "readiness off") {
			t.Fatalf("no orderly shutdown in the log:\n%s", p.out)
		}
	})
}
