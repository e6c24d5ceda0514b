package main_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
)

// TestCrashLosesAndDoublesNothing kills `ruche up` (SIGKILL) in the middle
// of a stream of webhooks, twice, restarts it on the same JetStream data and
// ClickHouse database, and lets the network retry what was not accepted
// (and, as networks do when an answer is lost, some of what was). Every
// interaction must then be in ClickHouse once, with one moderation decision,
// and JetStream must hold one received and one moderated event for each.
func TestCrashLosesAndDoublesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the platform")
	}
	const total = 2000
	db := testkit.ClickHouse(t)
	dir := t.TempDir()
	env := []string{"RUCHE_NATS_DATA_DIR=" + filepath.Join(dir, "nats"), "RUCHE_DEMO_DIR=" + filepath.Join(dir, "demo"),
		// What the killed process held unacked comes back after ack_wait:
		// short waits keep the test short.
		"RUCHE_NATS_ACK_WAIT=2s", "RUCHE_ANALYTICS_ACK_WAIT=6s", "RUCHE_ANALYTICS_INSERT_TIMEOUT=3s"}
	body := func(n int) string {
		return fmt.Sprintf(`{"id":"crash-%d","author":{"id":"u%d","handle":"@fan%d"},"text":"Commande %d toujours pas arrivée, vous pouvez vérifier ?","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`, n, n%97, n%97, n)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(p *platform, n int) bool {
		b := body(n)
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.ingest+"/v1/webhooks/generic/demo-webhook", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(generic.SignatureHeader, connector.Sign([]byte(webhookSecret), []byte(b)))
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}

	var (
		accepted [total]atomic.Bool
		next     atomic.Int64
	)
	// crash sends webhooks from 32 clients, going on from where the last
	// run stopped, and SIGKILLs p once this run has had killAt accepted.
	crash := func(p *platform, killAt int64) {
		var (
			count    atomic.Int64
			wg       sync.WaitGroup
			killOnce sync.Once
		)
		killed := make(chan struct{})
		for range 32 {
			wg.Go(func() {
				for {
					select {
					case <-killed:
						return
					default:
					}
					n := int(next.Add(1)) - 1
					if n >= total {
						return
					}
					if !post(p, n) {
						continue
					}
					accepted[n].Store(true)
					if count.Add(1) == killAt {
						killOnce.Do(func() {
							_ = p.cmd.Process.Kill()
							<-p.exited
							p.stopped = true
							close(killed)
						})
					}
				}
			})
		}
		wg.Wait()
		if !p.stopped {
			t.Fatalf("the platform was not killed: %d accepted in this run", count.Load())
		}
		t.Logf("killed after %d accepted webhooks", count.Load())
	}
	// Two crashes, each in the middle of the stream.
	crash(startPlatformOn(t, db, env...), total/2)
	crash(startPlatformOn(t, db, env...), total/4)

	p := startPlatformOn(t, db, env...)
	retried := 0
	for n := range total {
		// Everything not accepted, and every tenth accepted one (its answer lost).
		if accepted[n].Load() && n%10 != 0 {
			continue
		}
		retried++
		if !post(p, n) {
			t.Fatalf("webhook %d refused after the restart", n)
		}
	}
	t.Logf("retried %d webhooks after the restart", retried)
	start := time.Now()

	ctx := context.Background()
	var interactions, states uint64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if err := db.Conn().QueryRow(ctx, "SELECT count() FROM interactions FINAL WHERE brand = 'demo'").Scan(&interactions); err != nil {
			t.Fatal(err)
		}
		if err := db.Conn().QueryRow(ctx, "SELECT count() FROM interaction_state FINAL WHERE brand = 'demo'").Scan(&states); err != nil {
			t.Fatal(err)
		}
		if interactions >= total && states >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("every interaction and decision in ClickHouse %s after the retries", time.Since(start).Round(time.Millisecond))
	if interactions != total || states != total {
		t.Fatalf("ClickHouse holds %d interactions and %d moderation states, want %d of each", interactions, states, total)
	}
	// FINAL collapses rows of the same key, so it cannot see an interaction
	// published twice (a second received_at) or decided twice (a second
	// decision event): count the raw rows per id too. A raw row repeated
	// whole is the sink's redelivery after a crash, which is allowed.
	var rawInteractions, rawStates, republished, redecided uint64
	for _, q := range []struct {
		sql  string
		into *uint64
	}{
		{"SELECT count() FROM interactions WHERE brand = 'demo'", &rawInteractions},
		{"SELECT count() FROM interaction_state WHERE brand = 'demo'", &rawStates},
		{"SELECT count() FROM (SELECT id FROM interactions WHERE brand = 'demo' GROUP BY id HAVING uniqExact(received_at, received_ms, source) > 1)", &republished},
		{"SELECT count() FROM (SELECT interaction_id FROM interaction_state WHERE brand = 'demo' GROUP BY interaction_id HAVING uniqExact(event_id) > 1)", &redecided},
	} {
		if err := db.Conn().QueryRow(ctx, q.sql).Scan(q.into); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("raw rows: %d interactions, %d moderation states (collapsed: %d and %d)", rawInteractions, rawStates, interactions, states)
	if republished != 0 || redecided != 0 {
		t.Fatalf("%d interactions were received twice (two received_at or sources) and %d were decided twice (two decision events)", republished, redecided)
	}
	received, moderated := streamCounts(t, p.natsURL)
	if received != total || moderated != total {
		t.Fatalf("JetStream holds %d received and %d moderated events, want %d of each", received, moderated, total)
	}
}

// streamCounts counts the received and the moderated events in JetStream.
func streamCounts(t *testing.T, url string) (received, moderated uint64) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "RUCHE_INTERACTION")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("ruche.interaction.>"))
	if err != nil {
		t.Fatal(err)
	}
	for subject, n := range info.State.Subjects {
		switch {
		case strings.HasPrefix(subject, "ruche.interaction.received.v1."):
			received += n
		case strings.HasPrefix(subject, "ruche.interaction.moderated.v1."):
			moderated += n
		}
	}
	return received, moderated
}
