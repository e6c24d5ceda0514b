package main_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// TestPublishingCrashPostsExactlyOnce kills a separate `ruche run
// publishing` process with SIGKILL, round after round: in half the rounds
// right after the sandbox created a post and before its answer left (so
// between the network call and the ledger write), in the others at a random
// time. Each restart reconciles with the network before any retry. At the
// end every request is published and the sandbox holds each post exactly
// once. PUBLISH_CRASH_ROUNDS sets the rounds (5 by default, 100 for the full
// version).
func TestPublishingCrashPostsExactlyOnce(t *testing.T) {
	rounds := 5
	if v := os.Getenv("PUBLISH_CRASH_ROUNDS"); v != "" {
		var err error
		if rounds, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	requests := 3*rounds + 10
	conn := testkit.NATS(t)

	var (
		mu      sync.Mutex
		current *exec.Cmd
		armed   bool
		inWin   int
	)
	kill := func(c *exec.Cmd) {
		if c != nil && c.Process != nil {
			_ = c.Process.Kill()
		}
	}
	// The sandbox kills the publisher when an armed round's post is
	// created, before the answer is written.
	sb := startSandbox(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			mu.Lock()
			if armed && r.URL.Path == "/api/v1/posts" && rec.Code == http.StatusCreated {
				armed = false
				inWin++
				kill(current)
			}
			mu.Unlock()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	})

	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	start := func() (*exec.Cmd, chan error) {
		cmd := exec.Command(binary, "run", "publishing")
		cmd.Env = append(os.Environ(), "RUCHE_NATS_URL="+conn.ClientURL(), "RUCHE_SECRET_KEY="+key, "RUCHE_OPS_ADDR="+freeAddr(t),
			"RUCHE_NATS_ACK_WAIT=1s",
			// A killed process's prefetched messages (up to 128 per pull)
			// each count a delivery: a backlog that lives through more kills
			// than nats.max_deliver would stop being delivered. Production
			// crashes are rarer than one per second.
			"RUCHE_NATS_MAX_DELIVER=1000", "RUCHE_PUBLISHING_REQUEST_TIMEOUT=500ms", "RUCHE_PUBLISHING_RETRY_INTERVAL=100ms",
			"RUCHE_PUBLISHING_BACKOFF_BASE=100ms", "RUCHE_PUBLISHING_BACKOFF_MAX=1s", "RUCHE_LOG_LEVEL=warn", "RUCHE_LOG_FORMAT=text",
			"RUCHE_PUBLISHING_NETWORKS_ALLOW_LOCAL=true") // the sandbox is on loopback
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			kill(cmd)
			if t.Failed() {
				t.Logf("publishing output:\n%s", out)
			}
		})
		return cmd, exited
	}
	client, err := rpc.NewClient(conn.NC)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(id string) (query.Publication, error) {
		return rpc.Ask(context.Background(), client, query.GetPublication, query.PublicationRef{Brand: pubBrand, RequestID: id})
	}

	// First run: the account, the approvals and every request.
	cmd, exited := start()
	waitFor(t, "publishing endpoints", func() bool {
		_, err := rpc.Ask(context.Background(), client, query.ListAccounts, query.ListAccountsRequest{Brand: pubBrand})
		return err == nil
	})
	p := &publisher{conn: conn, client: client}
	p.pub, err = bus.NewPublisher(conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	p.account(t, "sandbox", "sandbox", sb.url)
	texts := make([]string, requests)
	for i := range texts {
		texts[i] = fmt.Sprintf("Post %d : la nouvelle carte arrive bientôt ☕", i)
		p.approve(t, "ap-crash-"+strconv.Itoa(i), publishv1.KindPost, texts[i])
	}
	mu.Lock()
	current, armed = cmd, true
	mu.Unlock()
	sent := 0
	send := func(n int) {
		for ; n > 0 && sent < len(texts); n-- {
			p.request(t, publishv1.Requested{ID: "crash-" + strconv.Itoa(sent), Kind: publishv1.KindPost, ApprovalID: "ap-crash-" + strconv.Itoa(sent),
				Variants: []publishv1.Variant{{Network: "sandbox", Text: texts[sent]}}})
			sent++
		}
	}
	send(10)
	for round := range rounds {
		if round > 0 {
			cmd, exited = start()
			mu.Lock()
			current, armed = cmd, round%2 == 0
			mu.Unlock()
		}
		// New work every round, so that an armed round has a post to cut.
		send(3)
		if round%2 == 1 {
			time.AfterFunc(time.Duration(100+rand.IntN(900))*time.Millisecond, func() { kill(cmd) })
		}
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: the publisher was not killed within 30s", round)
		}
		mu.Lock()
		armed = false
		mu.Unlock()
	}
	// The last run finishes the work.
	cmd, exited = start()
	mu.Lock()
	current = cmd
	mu.Unlock()
	for i := range texts {
		id := "crash-" + strconv.Itoa(i)
		var (
			pub query.Publication
			err error
		)
		waitFor(t, id+" published", func() bool {
			pub, err = ask(id)
			return err == nil && pub.State == query.PublicationPublished
		}, func() string { return fmt.Sprintf("%+v (%v)", pub, err) })
	}
	got := sb.Received().PostsByText
	for i, text := range texts {
		if got[text] != 1 {
			t.Errorf("request %d is on the network %d times, want exactly 1", i, got[text])
		}
	}
	// The killed calls were reconciled (found on the network), not re-sent
	// blind: the audit says so (its last 500 entries cover a short run).
	if reconciled := countAudit(p.audit(t), "reconciled"); inWin > 0 && requests*4 < 500 && reconciled == 0 {
		t.Errorf("%d calls were cut off after the network call, and none was reconciled", inWin)
	}
	mu.Lock()
	t.Logf("%d rounds (%d killed between the network call and the ledger write), %d requests: each posted once", rounds, inWin, requests)
	mu.Unlock()
	kill(cmd)
	<-exited
}

func waitFor(t *testing.T, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for _, s := range state {
				t.Logf("%s: %s", what, s())
			}
			t.Fatalf("%s: not after 60s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countAudit(entries []query.AuditEntry, action string) (n int) {
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}
