package moderation

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/ruche-project/ruche/pkg/secret"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// verifySignature checks a Ruche-Signature header as a receiver would,
// written from the documented scheme (not with SignWebhook).
func verifySignature(key, header string, body []byte, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("bad or stale timestamp")
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + "." + string(body)))
	want, _ := hex.DecodeString(sig)
	if !hmac.Equal(mac.Sum(nil), want) {
		return errors.New("signature mismatch")
	}
	return nil
}

func TestCrisisWebhook(t *testing.T) {
	conn := testkit.NATS(t)
	ctx := context.Background()
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, client *http.Client) *webhooks {
		w, err := openWebhooks(ctx, conn.JS, 1, box, client, testkit.Logger(t), newCrisisMetrics(), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		w.backoff = 10 * time.Millisecond
		return w
	}
	crisisRec := query.Crisis{ID: "crisis:demo:1796634720", Brand: "demo", Status: query.CrisisOpen, Trigger: query.TriggerVolume, Volume: 132, TopTerms: []string{"abonnement"}}

	t.Run("secret_is_drawn_once_and_shown_only_then", func(t *testing.T) {
		w := open(t, netguard.Client(5*time.Second, true))
		first, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "secrets", URL: "https://hooks.example.com/a", UpdatedBy: "key1"})
		if err != nil || !strings.HasPrefix(first.Secret, "whsec_") || first.UpdatedBy != "key1" {
			t.Fatalf("first put %+v %v", first, err)
		}
		second, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "secrets", URL: "https://hooks.example.com/b"})
		if err != nil || second.Secret != "" || second.URL != "https://hooks.example.com/b" {
			t.Fatalf("second put %+v %v", second, err)
		}
		stored, _, _ := w.read(ctx, "secrets")
		if stored.Secret != first.Secret {
			t.Fatal("changing the URL changed the secret")
		}
		raw, err := w.kv.Get(ctx, "secrets")
		if err != nil || strings.Contains(string(raw.Value()), first.Secret) || strings.Contains(string(raw.Value()), `"secret"`) {
			t.Fatalf("the secret is stored in the clear: %s", raw.Value())
		}
		rotated, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "secrets", URL: "https://hooks.example.com/b", RotateSecret: true})
		if err != nil || rotated.Secret == "" || rotated.Secret == first.Secret {
			t.Fatalf("rotation %+v %v", rotated, err)
		}
		got, err := w.get(ctx, "secrets")
		if err != nil || got.Secret != "" || got.URL != "https://hooks.example.com/b" {
			t.Fatalf("get %+v %v", got, err)
		}
		if _, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "secrets"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.get(ctx, "secrets"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get after removal: %v", err)
		}
	})

	t.Run("legacy_plaintext_secrets_are_sealed_at_start", func(t *testing.T) {
		w := open(t, netguard.Client(5*time.Second, true))
		legacy := `{"url":"https://hooks.example.com/old","secret":"whsec_legacy","updated_at":"2026-11-01T00:00:00Z"}`
		if _, err := w.kv.Put(ctx, "legacy", []byte(legacy)); err != nil {
			t.Fatal(err)
		}
		w = open(t, netguard.Client(5*time.Second, true))
		raw, _ := w.kv.Get(ctx, "legacy")
		if strings.Contains(string(raw.Value()), "whsec_legacy") {
			t.Fatalf("still in the clear: %s", raw.Value())
		}
		got, _, err := w.read(ctx, "legacy")
		if err != nil || got.Secret != "whsec_legacy" || got.URL != "https://hooks.example.com/old" {
			t.Fatalf("after sealing: %+v %v", got, err)
		}
		other, _ := secret.NewBox(bytes.Repeat([]byte{8}, secret.KeySize))
		w.box = other
		if _, _, err := w.read(ctx, "legacy"); err == nil || !strings.Contains(err.Error(), "secret.key") {
			t.Fatalf("another key opened the secret: %v", err)
		}
	})

	t.Run("bad_urls_name_the_field", func(t *testing.T) {
		w := open(t, netguard.Client(5*time.Second, true))
		for _, u := range []string{"ftp://x.example.com", "https://", "https://user:pw@x.example.com/", "not a url at all", "/relative"} {
			_, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "demo", URL: u})
			var fe *policy.FieldError
			if !errors.As(err, &fe) || fe.Field != "url" {
				t.Errorf("url %q: %v", u, err)
			}
		}
	})

	t.Run("delivers_signed_and_retries_a_failing_receiver", func(t *testing.T) {
		var mu sync.Mutex
		var calls int
		var bodies [][]byte
		var headers []http.Header
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls <= 2 { // two failures, then success
				rw.WriteHeader(http.StatusBadGateway)
				return
			}
			bodies, headers = append(bodies, b), append(headers, r.Header.Clone())
		}))
		defer srv.Close()
		w := open(t, netguard.Client(5*time.Second, true))
		set, err := w.put(ctx, query.PutCrisisWebhookRequest{Brand: "demo", URL: srv.URL + "/hook"})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { w.run(runCtx); close(done) }()
		defer func() { cancel(); <-done }()
		w.enqueue("demo", "crisis.detected.v1", crisisRec)
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := len(bodies)
			mu.Unlock()
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no delivery after %d calls", calls)
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if calls != 3 {
			t.Errorf("%d calls, want 2 failures and 1 success", calls)
		}
		if err := verifySignature(set.Secret, headers[0].Get("Ruche-Signature"), bodies[0], time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := verifySignature("whsec_wrong", headers[0].Get("Ruche-Signature"), bodies[0], time.Now()); err == nil {
			t.Fatal("a wrong secret verifies")
		}
		var p WebhookPayload
		if err := json.Unmarshal(bodies[0], &p); err != nil || p.Event != "crisis.detected.v1" || p.Crisis.ID != crisisRec.ID || p.Crisis.Volume != 132 {
			t.Fatalf("payload %s: %v", bodies[0], err)
		}
		if headers[0].Get("Ruche-Event") != "crisis.detected.v1" || headers[0].Get("Ruche-Delivery") != "crisis.detected.v1:"+crisisRec.ID {
			t.Errorf("headers %v", headers[0])
		}
	})

	t.Run("refuses_internal_addresses_and_gives_up_on_a_4xx", func(t *testing.T) {
		var mu sync.Mutex
		calls := 0
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			mu.Unlock()
			rw.WriteHeader(http.StatusGone)
		}))
		defer srv.Close()
		guarded := open(t, netguard.Client(5*time.Second, false))
		if _, err := guarded.put(ctx, query.PutCrisisWebhookRequest{Brand: "guarded", URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
		hook, _, _ := guarded.read(ctx, "guarded")
		retry, err := guarded.send(ctx, hook, delivery{brand: "guarded", event: "crisis.detected.v1", crisis: crisisRec}, []byte(`{}`))
		if !errors.Is(err, netguard.ErrForbiddenAddress) || !retry {
			t.Fatalf("loopback webhook: retry %v err %v", retry, err)
		}
		if strings.Contains(err.Error(), srv.URL) {
			t.Errorf("the error %q quotes the URL", err)
		}
		open := open(t, netguard.Client(5*time.Second, true))
		retry, err = open.send(ctx, hook, delivery{brand: "guarded", event: "crisis.detected.v1", crisis: crisisRec}, []byte(`{}`))
		if err == nil || retry {
			t.Fatalf("410: retry %v err %v", retry, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if calls != 1 {
			t.Fatalf("%d calls reached the receiver, want 1 (the guarded client must not connect)", calls)
		}
	})

	t.Run("a_full_queue_drops_without_blocking", func(t *testing.T) {
		w := open(t, netguard.Client(5*time.Second, true)) // not running: nothing drains the queue
		for range webhookQueue + 5 {
			w.enqueue("demo", "crisis.detected.v1", crisisRec)
		}
		if len(w.queue) != webhookQueue {
			t.Fatalf("queue of %d", len(w.queue))
		}
	})
}
