package moderation

import (
	"context"
	"errors"
	"fmt"
	"github.com/ruche-project/ruche/pkg/secret"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/kvread"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// TestDecidedAll reads the guard of many keys in batched requests and says
// what kv.Get (decided) says of each key.
func TestDecidedAll(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T) (*decisionLog, *bus.Conn) {
		conn := testkit.NATS(t)
		log, err := openDecisionLog(ctx, conn.JS, 1)
		if err != nil {
			t.Fatal(err)
		}
		return log, conn
	}
	record := func(t *testing.T, log *decisionLog, ids map[string]string) {
		t.Helper()
		var keys []string
		var futures []jetstream.PubAckFuture
		for key, id := range ids {
			f, err := log.recordAsync(key, id)
			if err != nil {
				t.Fatal(err)
			}
			keys, futures = append(keys, key), append(futures, f)
		}
		for i, err := range log.waitRecords(ctx, futures) {
			if err != nil {
				t.Fatalf("record %s: %v", keys[i], err)
			}
		}
	}
	// check compares decidedAll with the expected ids and with kv.Get;
	// a key in bad fails alone.
	check := func(t *testing.T, log *decisionLog, keys []string, want map[string]string, bad map[string]bool) {
		t.Helper()
		ids, errs := log.decidedAll(ctx, keys)
		if len(ids) != len(keys) || len(errs) != len(keys) {
			t.Fatalf("%d ids and %d errors for %d keys", len(ids), len(errs), len(keys))
		}
		for i, key := range keys {
			if bad[key] {
				if errs[i] == nil {
					t.Errorf("%s: no error, want one", key)
				}
				continue
			}
			if errs[i] != nil || ids[i] != want[key] {
				t.Errorf("%s: %q, %v; want %q", key, ids[i], errs[i], want[key])
			}
			if id, err := log.decided(ctx, key); err != nil || id != ids[i] {
				t.Errorf("%s: kv.Get says %q, %v; the batched read %q", key, id, err, ids[i])
			}
		}
		// decidedMany, batched or not, gives the same answers.
		mids, merrs := log.decidedMany(ctx, keys)
		for i, key := range keys {
			if mids[i] != ids[i] || (merrs[i] == nil) != (errs[i] == nil) {
				t.Errorf("%s: decidedMany says %q, %v; decidedAll %q, %v", key, mids[i], merrs[i], ids[i], errs[i])
			}
		}
	}

	t.Run("mixes_decided_undecided_deleted_and_purged_keys", func(t *testing.T) {
		log, conn := open(t)
		key := func(n int) string { return decisionKey("demo", fmt.Sprintf("sandbox:%d", n), 3) }
		want := map[string]string{key(1): "moderated:sandbox:1:v3", key(3): "moderated:sandbox:3:v3", key(6): "moderated:sandbox:6:v3"}
		record(t, log, want)
		record(t, log, map[string]string{key(4): "moderated:sandbox:4:v3", key(5): "moderated:sandbox:5:v3"})
		if err := log.kv.Delete(ctx, key(4)); err != nil {
			t.Fatal(err)
		}
		if err := log.kv.Purge(ctx, key(5)); err != nil {
			t.Fatal(err)
		}
		// Markers that carry a payload are still markers, for kv.Get: a
		// delete or purge, and a subject delete marker (per-message TTLs).
		for n, h := range map[int][2]string{7: {"KV-Operation", "DEL"}, 8: {"KV-Operation", "PURGE"}, 9: {jetstream.MarkerReasonHeader, "Remove"}, 10: {jetstream.MarkerReasonHeader, "MaxAge"}} {
			m := nats.NewMsg(decisionsPrefix + key(n))
			m.Header.Set(h[0], h[1])
			m.Data = []byte("moderated:marker")
			if _, err := conn.JS.PublishMsg(ctx, m); err != nil {
				t.Fatalf("marker %v: %v", h, err)
			}
		}
		// The same interaction under another policy version is another key.
		keys := []string{key(1), key(2), key(3), key(4), key(5), decisionKey("demo", "sandbox:1", 4), key(6), key(7), key(8), key(9), key(10), key(1)}
		check(t, log, keys, want, nil)
		// Chunked: the answers map back to their keys across requests.
		log.readMax = 3
		check(t, log, keys, want, nil)
	})

	t.Run("no_key_decided", func(t *testing.T) {
		log, _ := open(t)
		check(t, log, []string{decisionKey("demo", "x:1", 0), decisionKey("demo", "x:2", 0)}, nil, nil)
		record(t, log, map[string]string{decisionKey("demo", "x:9", 0): "moderated:x:9:v0"})
		check(t, log, []string{decisionKey("demo", "x:1", 0)}, nil, nil)
	})

	t.Run("an_invalid_key_fails_alone", func(t *testing.T) {
		log, _ := open(t)
		good := decisionKey("demo", "x:1", 0)
		record(t, log, map[string]string{good: "moderated:x:1:v0", "demo.other.v0": "moderated:other"})
		// A wildcard would match the other key if it were sent.
		check(t, log, []string{"demo.*.v0", good, "demo..v0", ""}, map[string]string{good: "moderated:x:1:v0"},
			map[string]bool{"demo.*.v0": true, "demo..v0": true, "": true})
	})

	t.Run("more_keys_than_one_request_allows", func(t *testing.T) {
		log, _ := open(t)
		want := map[string]string{}
		var keys []string
		for n := range guardReadMax + 150 {
			key := decisionKey("demo", fmt.Sprintf("x:%d", n), 0)
			keys = append(keys, key)
			if n%20 != 7 {
				want[key] = fmt.Sprintf("moderated:x:%d:v0", n)
			}
		}
		if len(want) <= guardReadMax {
			t.Fatalf("%d keys decided, want more than %d", len(want), guardReadMax)
		}
		record(t, log, want)
		// The limit is on the messages found: more than guardReadMax of
		// the keys are decided, and the server refuses them in one request...
		subjects := make([]string, len(keys))
		for i, key := range keys {
			subjects[i] = decisionsPrefix + key
		}
		if _, err := log.readLast(ctx, subjects); err == nil {
			t.Fatalf("one request for %d keys (%d decided) succeeded; the server's limit is gone, guardReadMax may change", len(keys), len(want))
		}
		// ...and answers them in chunks.
		check(t, log, keys, want, nil)
	})

	t.Run("a_read_cut_short_is_an_error_not_an_undecided_key", func(t *testing.T) {
		// jetstreamext ends the answer silently at the context's deadline.
		log, _ := open(t)
		key := decisionKey("demo", "x:1", 0)
		record(t, log, map[string]string{key: "moderated:x:1:v0"})
		late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
		ids, errs := log.decidedAll(late, []string{key})
		if !errors.Is(errs[0], kvread.ErrIncomplete) || ids[0] != "" {
			t.Fatalf("%q, %v; want an incomplete read", ids[0], errs[0])
		}
	})

	t.Run("every_key_fails_when_the_bucket_is_missing", func(t *testing.T) {
		log, conn := open(t)
		keys := []string{decisionKey("demo", "x:1", 0), decisionKey("demo", "x:2", 0)}
		record(t, log, map[string]string{keys[0]: "moderated:x:1:v0"})
		if err := conn.JS.DeleteKeyValue(ctx, DecisionsBucket); err != nil {
			t.Fatal(err)
		}
		ids, errs := log.decidedAll(ctx, keys)
		for i := range keys {
			if !errors.Is(errs[i], nats.ErrNoResponders) || ids[i] != "" {
				t.Errorf("%s: %q, %v; want no id and no responders", keys[i], ids[i], errs[i])
			}
		}
	})
}

// TestBatchGuards moderates batches straight through handleBatch: an
// interaction already decided is acknowledged without a second decision,
// and when the guard cannot be read, no interaction of the batch is decided
// and each is failed (to be redelivered).
func TestBatchGuards(t *testing.T) {
	ctx := context.Background()
	conn := testkit.NATS(t)
	router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.NewBox(make([]byte, secret.KeySize))
	s, err := New(Config{Consumer: "moderation"}, Deps{Router: router, Logger: testkit.Logger(t), NATS: conn.NC, JS: conn.JS, Replicas: 1, Secrets: box})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.policies.Policy("demo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	batch := func(ids ...string) []bus.Delivery[v1.Received] {
		var b []bus.Delivery[v1.Received]
		for _, id := range ids {
			r := v1.Received{ID: id, Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: id,
				Author: v1.Author{ID: "a"}, Text: "Super service !", CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
			env, err := events.NewEnvelope(r, id, r.Brand, at)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, bus.Delivery[v1.Received]{Ctx: ctx, Event: r, Env: env, Delivered: 1})
		}
		return b
	}
	decisions := func() map[string]uint64 {
		st, err := conn.JS.Stream(ctx, events.StreamName(events.DomainInteraction))
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(events.AllBrands(v1.Moderated{})))
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Subjects
	}
	total := func() (n uint64) {
		for _, c := range decisions() {
			n += c
		}
		return n
	}

	t.Run("decides_only_the_interactions_not_decided_before", func(t *testing.T) {
		f, err := s.decisions.recordAsync(decisionKey("demo", "sandbox:2", p.Version()), "moderated:sandbox:2:earlier")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.decisions.waitRecords(ctx, []jetstream.PubAckFuture{f})[0]; err != nil {
			t.Fatal(err)
		}
		if errs := s.handleBatch(ctx, batch("sandbox:1", "sandbox:2", "sandbox:3")); errs[0] != nil || errs[1] != nil || errs[2] != nil {
			t.Fatalf("errors %v", errs)
		}
		if n := total(); n != 2 {
			t.Fatalf("%d decisions published, want 2 (sandbox:2 was decided before): %v", n, decisions())
		}
		// Now all three are decided: a redelivered batch decides nothing.
		if errs := s.handleBatch(ctx, batch("sandbox:3", "sandbox:1", "sandbox:2", "sandbox:1")); errs[0] != nil || errs[1] != nil || errs[2] != nil || errs[3] != nil {
			t.Fatalf("errors %v", errs)
		}
		if n := total(); n != 2 {
			t.Fatalf("%d decisions published after the redelivery, want still 2", n)
		}
	})

	t.Run("fails_every_interaction_when_the_guard_cannot_be_read", func(t *testing.T) {
		before := total()
		if err := conn.JS.DeleteKeyValue(ctx, DecisionsBucket); err != nil {
			t.Fatal(err)
		}
		errs := s.handleBatch(ctx, batch("sandbox:4", "sandbox:1", "sandbox:5", "sandbox:4"))
		for i, err := range errs {
			if !errors.Is(err, nats.ErrNoResponders) {
				t.Errorf("event %d: %v, want the guard's read error", i, err)
			}
		}
		if n := total(); n != before {
			t.Fatalf("%d decisions published without a guard", n-before)
		}
	})
}

// A batched read's answer must fit the connection's synchronous queue, or
// nats.go drops its tail as a slow consumer and the read fails.
func TestGuardReadFitsTheSyncQueue(t *testing.T) {
	if guardReadMax+1 > bus.SyncQueueLen {
		t.Fatalf("guardReadMax %d + the end marker exceed bus.SyncQueueLen %d", guardReadMax, bus.SyncQueueLen)
	}
}
