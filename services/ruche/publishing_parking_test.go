package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/publishing"
)

// panickingX is an X connector with a bug: every call panics.
type panickingX struct{ calls atomic.Int64 }

func (*panickingX) Name() string { return "x" }

func (p *panickingX) Do(context.Context, publishing.Account, publishing.Action) (publishing.Result, error) {
	p.calls.Add(1)
	var m map[string]int
	m["hidden"]++ // assignment to entry in nil map
	return publishing.Result{}, nil
}

func (*panickingX) Find(context.Context, publishing.Account, publishing.Action) (publishing.Result, bool, error) {
	return publishing.Result{}, false, publishing.ErrCannotFind
}

// TestFailingRequestsAreParkedNotLost sends requests that publish, requests
// whose handler fails on every delivery (an account token that no longer
// opens: a master key rotated without the tokens), requests whose
// connector panics and one whose account breaks while it waits for a
// retry: every request ends with exactly one outcome (count in
// == count out), the failing ones parked on the DLQ with the reason and
// failed in the ledger with it, none retried past its limit; a parked
// request sent again through the API once the account is fixed publishes.
func TestFailingRequestsAreParkedNotLost(t *testing.T) {
	conn := testkit.NATS(t) // nats.max_deliver 4
	sb := startSandbox(t, nil)
	x := &panickingX{}
	cfg := testPublishingConfig()
	cfg.RequestTimeout = 500 * time.Millisecond
	// The retry loop abandons an entry it cannot advance after
	// max_attempts failures over backoff_max: longer than the handler's
	// four deliveries (about 2s), so the broken requests are parked first.
	cfg.BackoffMax = 8 * time.Second
	p, _ := startPublishingWith(t, conn, cfg, func(d *publishing.Deps) {
		d.Networks = []publishing.Network{publishing.NewSandbox(&http.Client{}), x}
	})
	p.account(t, "sandbox", "sandbox", sb.url)
	p.account(t, "broken", "sandbox", sb.url)
	p.account(t, "x", "x", "http://127.0.0.1:1")
	breakToken(t, conn, pubBrand+".broken")

	var ids []string
	for i := range 4 {
		text := fmt.Sprintf("Le menu du jour n°%d", i)
		p.approve(t, fmt.Sprintf("ap-ok-%d", i), publishv1.KindPost, text)
		p.request(t, publishv1.Requested{ID: fmt.Sprintf("ok-%d", i), Kind: publishv1.KindPost, ApprovalID: fmt.Sprintf("ap-ok-%d", i),
			Variants: []publishv1.Variant{{Network: "sandbox", Account: "sandbox", Text: text}}})
		text = fmt.Sprintf("La carte des vins n°%d", i)
		p.approve(t, fmt.Sprintf("ap-broken-%d", i), publishv1.KindPost, text)
		p.request(t, publishv1.Requested{ID: fmt.Sprintf("broken-%d", i), Kind: publishv1.KindPost, ApprovalID: fmt.Sprintf("ap-broken-%d", i),
			Variants: []publishv1.Variant{{Network: "sandbox", Account: "broken", Text: text}}})
		ids = append(ids, fmt.Sprintf("ok-%d", i), fmt.Sprintf("broken-%d", i))
	}
	for i := range 2 {
		p.request(t, publishv1.Requested{ID: fmt.Sprintf("crash-%d", i), Kind: publishv1.KindHide, InteractionID: fmt.Sprintf("x:17%d", i)})
		ids = append(ids, fmt.Sprintf("crash-%d", i))
	}
	// A request handled (waiting for a rate limit's reset) whose account
	// breaks before its retry: the retry loop's failures are bounded too.
	p.account(t, "later", "sandbox", sb.url)
	health, err := conn.JS.KeyValue(context.Background(), publishing.HealthBucket)
	if err != nil {
		t.Fatal(err)
	}
	until, _ := json.Marshal(map[string]time.Time{"rate_limited_until": time.Now().Add(2 * time.Second)})
	if _, err := health.Put(context.Background(), pubBrand+".later", until); err != nil {
		t.Fatal(err)
	}
	p.approve(t, "ap-later-0", publishv1.KindPost, "Le brunch du dimanche")
	p.request(t, publishv1.Requested{ID: "later-0", Kind: publishv1.KindPost, ApprovalID: "ap-later-0",
		Variants: []publishv1.Variant{{Network: "sandbox", Account: "later", Text: "Le brunch du dimanche"}}})
	ids = append(ids, "later-0")
	waitFor(t, "later-0 waiting for the reset", func() bool {
		pub, err := rpc.Ask(context.Background(), p.client, query.GetPublication, query.PublicationRef{Brand: pubBrand, RequestID: "later-0"})
		return err == nil && len(pub.Targets) == 1 && pub.Targets[0].Code == publishing.CodeRateLimited
	})
	breakToken(t, conn, pubBrand+".later")

	for _, id := range ids {
		pub := p.settled(t, id)
		tg := pub.Targets[0]
		switch {
		case strings.HasPrefix(id, "ok-"):
			if pub.State != query.PublicationPublished {
				t.Fatalf("%s: %+v", id, pub)
			}
		case strings.HasPrefix(id, "broken-"):
			if pub.State != query.PublicationFailed || tg.Code != publishing.CodeParked || !tg.DeadLetter || tg.Attempts != 0 ||
				!strings.Contains(tg.Reason, "after 4 deliveries") || !strings.Contains(tg.Reason, "open token") {
				t.Fatalf("%s: %+v", id, tg)
			}
		case strings.HasPrefix(id, "later-"):
			if pub.State != query.PublicationFailed || tg.Code != publishing.CodeInternal || !tg.DeadLetter || tg.Attempts != 0 ||
				!strings.Contains(tg.Reason, "open token") || !strings.Contains(tg.Reason, "nothing was sent") {
				t.Fatalf("%s: %+v", id, tg)
			}
		default:
			if pub.State != query.PublicationFailed || tg.Code != publishing.CodeInternal || !tg.DeadLetter || tg.Attempts != cfg.MaxAttempts ||
				!strings.Contains(tg.Reason, "nil map") || !strings.Contains(tg.Reason, "check the account") {
				t.Fatalf("%s: %+v", id, tg)
			}
		}
	}

	// Count in == count out: one outcome per request, the right one.
	outcomes := map[string]string{}
	for _, s := range storedIn[publishv1.Succeeded](t, conn.JS, events.StreamName(events.DomainPublish), "ruche.publish.succeeded.v1."+pubBrand) {
		if _, dup := outcomes[s.RequestID]; dup {
			t.Fatalf("%s has two outcomes", s.RequestID)
		}
		outcomes[s.RequestID] = "succeeded"
	}
	for _, f := range storedIn[publishv1.Failed](t, conn.JS, events.StreamName(events.DomainPublish), "ruche.publish.failed.v1."+pubBrand) {
		if _, dup := outcomes[f.RequestID]; dup {
			t.Fatalf("%s has two outcomes", f.RequestID)
		}
		outcomes[f.RequestID] = "failed:" + f.Code
	}
	if len(outcomes) != len(ids) {
		t.Fatalf("%d requests in, %d outcomes out: %v", len(ids), len(outcomes), outcomes)
	}
	for _, id := range ids {
		want := map[string]string{"ok": "succeeded", "broken": "failed:" + publishing.CodeParked, "crash": "failed:" + publishing.CodeInternal,
			"later": "failed:" + publishing.CodeInternal}[strings.Split(id, "-")[0]]
		if outcomes[id] != want {
			t.Fatalf("%s: outcome %q, want %q", id, outcomes[id], want)
		}
	}
	// The handler's failures are on the DLQ with the reason, one each.
	parked := map[string]string{}
	dlq := storedMsgs(t, conn.JS, events.StreamName(events.DomainDLQ), events.DLQSubject(cfg.Consumer))
	for _, m := range dlq {
		var r publishv1.Requested
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			t.Fatal(err)
		}
		parked[r.ID] = m.Headers().Get(bus.MetaDLQError)
	}
	if len(parked) != 4 || len(dlq) != 4 {
		t.Fatalf("parked %d messages: %v", len(dlq), parked)
	}
	for id, why := range parked {
		if !strings.HasPrefix(id, "broken-") || !strings.Contains(why, "open token") {
			t.Fatalf("parked %s: %s", id, why)
		}
	}
	// Nothing is tried again: the panicking connector was called
	// max_attempts times per request, the sandbox got each post once.
	calls := x.calls.Load()
	time.Sleep(cfg.RequestTimeout + 3*time.Second) // past a call's staleness, many retry-loop rounds
	if x.calls.Load() != calls || calls != int64(2*cfg.MaxAttempts) {
		t.Fatalf("the panicking connector was called %d then %d times, want %d", calls, x.calls.Load(), 2*cfg.MaxAttempts)
	}
	rec := sb.Received()
	for i := range 4 {
		if n := rec.PostsByText[fmt.Sprintf("Le menu du jour n°%d", i)]; n != 1 {
			t.Fatalf("post %d on the sandbox %d times", i, n)
		}
		if n := rec.PostsByText[fmt.Sprintf("La carte des vins n°%d", i)]; n != 0 {
			t.Fatalf("a parked post on the sandbox %d times", n)
		}
	}
	if n := rec.PostsByText["Le brunch du dimanche"]; n != 0 {
		t.Fatalf("an abandoned post on the sandbox %d times", n)
	}

	// The account fixed (its token sealed again), a parked request sent
	// again through the API publishes, once.
	p.account(t, "broken", "sandbox", sb.url)
	if _, err := rpc.Ask(context.Background(), p.client, query.RetryPublication, query.PublicationRef{Brand: pubBrand, RequestID: "broken-0"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for sb.Received().PostsByText["La carte des vins n°0"] != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the retried request did not publish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pub := p.settled(t, "broken-0"); pub.State != query.PublicationPublished {
		t.Fatalf("after the retry: %+v", pub)
	}
}

// breakToken makes an account's sealed token unopenable, as a master key
// rotated without sealing the tokens again would.
func breakToken(t *testing.T, conn *bus.Conn, key string) {
	t.Helper()
	ctx := context.Background()
	kv, err := conn.JS.KeyValue(ctx, publishing.AccountsBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		t.Fatal(err)
	}
	rec["token"] = []byte("sealed under another key, 32 bytes at least")
	b, _ := json.Marshal(rec)
	if _, err := kv.Put(ctx, key, b); err != nil {
		t.Fatal(err)
	}
}

// storedIn reads the events stored in stream on subject (100 at most).
func storedIn[E any](t *testing.T, js jetstream.JetStream, stream, subject string) []E {
	t.Helper()
	var out []E
	for _, m := range storedMsgs(t, js, stream, subject) {
		var e E
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// storedMsgs reads the messages stored in stream on subject (100 at most).
func storedMsgs(t *testing.T, js jetstream.JetStream, stream, subject string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(100, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for m := range batch.Messages() {
		out = append(out, m)
	}
	return out
}
