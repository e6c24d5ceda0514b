package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	replyv1 "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/publishing"
)

const pubBrand = "cafe-lumiere"

// sandboxNet is a sandbox network served on a local port.
type sandboxNet struct {
	*sandbox.Network
	url string
}

func startSandbox(t testing.TB, wrap func(http.Handler) http.Handler) *sandboxNet {
	t.Helper()
	return startSandboxAt(t, wrap, nil)
}

// startSandboxAt is startSandbox on the clock now (nil: time.Now).
func startSandboxAt(t testing.TB, wrap func(http.Handler) http.Handler, now func() time.Time) *sandboxNet {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	n, err := sandbox.New(sandbox.Config{Account: pubBrand, BaseURL: base, Seed: 7, Now: now}, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	h := n.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sandbox.Serve(ctx, l, h) }()
	t.Cleanup(func() { cancel(); <-done })
	return &sandboxNet{Network: n, url: base}
}

// comment returns the id of a fresh inbound comment of the network.
func (s *sandboxNet) comment(t testing.TB) string {
	t.Helper()
	for range 50 {
		for _, it := range s.Generate(5) {
			if it.Type == sandbox.TypeComment {
				return it.ID
			}
		}
	}
	t.Fatal("the sandbox generated no comment")
	return ""
}

// publisher runs the publishing service in process on conn.
type publisher struct {
	conn   *bus.Conn
	client *rpc.Client
	pub    *bus.Publisher
}

func startPublishing(t testing.TB, conn *bus.Conn, cfg publishing.Config) *publisher {
	t.Helper()
	p, _ := startPublishingAt(t, conn, cfg, nil)
	return p
}

// startPublishingAt is startPublishing on the clock now (nil: time.Now).
func startPublishingAt(t testing.TB, conn *bus.Conn, cfg publishing.Config, now func() time.Time) (*publisher, *publishing.Service) {
	t.Helper()
	return startPublishingWith(t, conn, cfg, func(d *publishing.Deps) { d.Now = now })
}

// startPublishingWith is startPublishing with the dependencies as deps
// changes them.
func startPublishingWith(t testing.TB, conn *bus.Conn, cfg publishing.Config, deps func(*publishing.Deps)) (*publisher, *publishing.Service) {
	t.Helper()
	log := testkit.Logger(t)
	router, err := bus.NewRouter(conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	d := publishing.Deps{Router: router, Logger: log, NATS: conn.NC, JS: conn.JS, Replicas: 1, Box: box}
	deps(&d)
	svc, err := publishing.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	runRouted(t, router, svc.Run)
	client, err := rpc.NewClient(conn.NC)
	if err != nil {
		t.Fatal(err)
	}
	p := &publisher{conn: conn, client: client, pub: router.Publisher()}
	// The endpoints start with Run: wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := rpc.Ask(context.Background(), client, query.ListAccounts, query.ListAccountsRequest{Brand: pubBrand})
		if err == nil {
			return p, svc
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishing endpoints: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runRouted runs router and a service's run loop until the test ends.
func runRouted(t testing.TB, router *bus.Router, run func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = router.Run(ctx) })
	wg.Go(func() { _ = run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	<-router.Running()
}

func testPublishingConfig() publishing.Config {
	return publishing.Config{Consumer: "publishing", RequestTimeout: 2 * time.Second, MaxAttempts: 3,
		RetryInterval: 100 * time.Millisecond, BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second,
		MetricsEvery: time.Hour, MetricsHorizon: 30 * 24 * time.Hour, FollowersEvery: 24 * time.Hour,
		NetworksAllowLocal: true} // the networks' fakes are on loopback
}

func (p *publisher) account(t testing.TB, id, network, url string) {
	t.Helper()
	_, err := rpc.Ask(context.Background(), p.client, query.PutAccount, query.PutAccountRequest{Account: query.AccountSpec{
		ID: id, Brand: pubBrand, Network: network, Settings: map[string]string{publishing.SettingURL: url}, Token: "tok-" + id}})
	if err != nil {
		t.Fatalf("put account %s: %v", id, err)
	}
}

func (p *publisher) approve(t testing.TB, id string, kind publishv1.Kind, texts ...string) {
	t.Helper()
	ap := publishv1.Approval{ID: id, Brand: pubBrand, Kind: kind, ApprovedBy: "user:lea", ApprovedAt: time.Now().UTC()}
	for _, tx := range texts {
		ap.ContentHashes = append(ap.ContentHashes, publishv1.ContentHash(tx))
	}
	if _, err := rpc.Ask(context.Background(), p.client, query.PutApproval, query.PutApprovalRequest{Approval: ap}); err != nil {
		t.Fatalf("approve: %v", err)
	}
}

func (p *publisher) request(t testing.TB, r publishv1.Requested) {
	t.Helper()
	r.Brand, r.RequestedAt = pubBrand, time.Now().UTC()
	if r.RequestedBy == "" {
		r.RequestedBy = "user:lea"
	}
	env, err := events.NewEnvelope(r, r.ID, r.Brand, r.RequestedAt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.pub.PublishEvent(context.Background(), r, env); err != nil {
		t.Fatal(err)
	}
}

// settled waits until the request is no longer pending.
func (p *publisher) settled(t testing.TB, id string) query.Publication {
	t.Helper()
	var last query.Publication
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		last, err = rpc.Ask(context.Background(), p.client, query.GetPublication, query.PublicationRef{Brand: pubBrand, RequestID: id})
		if err == nil && last.State != query.PublicationPending {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("request %s still pending: %+v (%v)", id, last, err)
	return last
}

func (p *publisher) audit(t testing.TB) []query.AuditEntry {
	t.Helper()
	log, err := rpc.Ask(context.Background(), p.client, query.ListAudit, query.ListAuditRequest{Brand: pubBrand, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return log.Entries
}

func lastEvent[E any](t testing.TB, conn *bus.Conn, domain, subject string) (E, bool) {
	t.Helper()
	var e E
	st, err := conn.JS.Stream(context.Background(), events.StreamName(domain))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetLastMsgForSubject(context.Background(), subject)
	if err != nil {
		return e, false
	}
	if err := json.Unmarshal(m.Data, &e); err != nil {
		t.Fatal(err)
	}
	return e, true
}

// awaitEvent waits (10s at most) for the last event on subject to match:
// the ledger shows an outcome before its events are published.
func awaitEvent[E any](t testing.TB, conn *bus.Conn, domain, subject string, match func(E) bool) (E, bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, ok := lastEvent[E](t, conn, domain, subject)
		if ok && match(e) || time.Now().After(deadline) {
			return e, ok
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPublishing(t *testing.T) {
	conn := testkit.NATS(t)
	sb := startSandbox(t, nil)
	p := startPublishing(t, conn, testPublishingConfig())
	p.account(t, "sandbox", "sandbox", sb.url)

	t.Run("an_approved_reply_reaches_the_network_and_fills_reply_sent", func(t *testing.T) {
		target := sb.comment(t)
		text := "Merci pour votre message, on regarde ça tout de suite !"
		p.approve(t, "ap-reply-1", publishv1.KindReply, text)
		p.request(t, publishv1.Requested{ID: "reply-1", Kind: publishv1.KindReply, InteractionID: "sandbox:" + target, Text: text, Lang: "fr", ApprovalID: "ap-reply-1"})
		pub := p.settled(t, "reply-1")
		if pub.State != query.PublicationPublished || pub.Targets[0].PlatformID == "" {
			t.Fatalf("reply: %+v", pub)
		}
		if got := sb.Received().PostsByText[text]; got != 1 {
			t.Fatalf("the sandbox holds the reply %d times, want 1", got)
		}
		sent, ok := awaitEvent(t, conn, events.DomainReply, "ruche.reply.sent.v1."+pubBrand, func(e replyv1.Sent) bool { return e.InteractionID == "sandbox:"+target })
		if !ok || sent.InteractionID != "sandbox:"+target || sent.PlatformID != pub.Targets[0].PlatformID || sent.Agent != "user:lea" {
			t.Fatalf("reply.sent = %+v (found %v)", sent, ok)
		}
		if err := sent.Validate(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("hide_unhide_and_delete_act_on_the_network", func(t *testing.T) {
		target := sb.comment(t)
		p.request(t, publishv1.Requested{ID: "hide-1", Kind: publishv1.KindHide, InteractionID: "sandbox:" + target, RequestedBy: "policy"})
		if pub := p.settled(t, "hide-1"); pub.State != query.PublicationPublished {
			t.Fatalf("hide: %+v", pub)
		}
		if it, _ := sb.Item(target); !it.Hidden {
			t.Fatal("the comment is not hidden on the network")
		}
		p.request(t, publishv1.Requested{ID: "unhide-1", Kind: publishv1.KindUnhide, InteractionID: "sandbox:" + target})
		p.settled(t, "unhide-1")
		if it, _ := sb.Item(target); it.Hidden {
			t.Fatal("the comment is still hidden")
		}
		text := "Nouveau : le chocolat chaud aux épices est de retour."
		p.approve(t, "ap-post-del", publishv1.KindPost, text)
		p.request(t, publishv1.Requested{ID: "post-del", Kind: publishv1.KindPost, ApprovalID: "ap-post-del", Variants: []publishv1.Variant{{Network: "sandbox", Text: text}}})
		post := p.settled(t, "post-del")
		p.request(t, publishv1.Requested{ID: "delete-1", Kind: publishv1.KindDelete, InteractionID: "sandbox:" + post.Targets[0].PlatformID})
		if pub := p.settled(t, "delete-1"); pub.State != query.PublicationPublished {
			t.Fatalf("delete: %+v", pub)
		}
		if got := sb.Received().PostsByText[text]; got != 0 {
			t.Fatalf("the deleted post is still there (%d)", got)
		}
	})

	t.Run("a_reply_tampered_after_approval_is_refused_and_audited", func(t *testing.T) {
		target := sb.comment(t)
		approved := "Bonjour, votre commande part demain."
		tampered := "Bonjour, votre commande part demain. Code promo: http://spam.example"
		p.approve(t, "ap-tamper", publishv1.KindReply, approved)
		p.request(t, publishv1.Requested{ID: "reply-tampered", Kind: publishv1.KindReply, InteractionID: "sandbox:" + target, Text: tampered, ApprovalID: "ap-tamper"})
		pub := p.settled(t, "reply-tampered")
		if pub.State != query.PublicationFailed || pub.Targets[0].Code != publishing.CodeNotApproved || pub.Targets[0].Retryable {
			t.Fatalf("tampered reply: %+v", pub)
		}
		if got := sb.Received().PostsByText[tampered]; got != 0 {
			t.Fatalf("the tampered text reached the network %d times", got)
		}
		var refused bool
		for _, e := range p.audit(t) {
			if e.RequestID == "reply-tampered" && e.Action == "refused" && e.Code == publishing.CodeNotApproved && e.ContentHash == publishv1.ContentHash(tampered) && e.Text == tampered {
				refused = true
			}
			if e.RequestID == "reply-tampered" && e.Action == "sent" {
				t.Fatalf("audit says the tampered reply was sent: %+v", e)
			}
		}
		if !refused {
			t.Fatal("the refusal is not in the audit log")
		}
		failed, ok := awaitEvent(t, conn, events.DomainPublish, "ruche.publish.failed.v1."+pubBrand, func(e publishv1.Failed) bool { return e.RequestID == "reply-tampered" })
		if !ok || failed.RequestID != "reply-tampered" || failed.Code != publishing.CodeNotApproved {
			t.Fatalf("publish.failed = %+v", failed)
		}
	})

	t.Run("a_paused_queue_holds_replies_and_resume_sends_them_once", func(t *testing.T) {
		ctx := context.Background()
		st, err := rpc.Ask(ctx, p.client, query.PausePublishing, query.PauseRequest{Brand: pubBrand, By: "user:lea", Reason: "crise en cours"})
		if err != nil || !st.Paused || st.By != "user:lea" || st.CrisisID != "" || st.Since == nil {
			t.Fatalf("pause: %+v, %v", st, err)
		}
		target := sb.comment(t)
		text := "Nous revenons vers vous dès que possible."
		p.approve(t, "ap-paused", publishv1.KindReply, text)
		p.request(t, publishv1.Requested{ID: "reply-paused", Kind: publishv1.KindReply, InteractionID: "sandbox:" + target, Text: text, ApprovalID: "ap-paused"})
		pub := p.settled(t, "reply-paused")
		if pub.State != query.PublicationFailed || pub.Targets[0].Code != publishing.CodeCrisisPause {
			t.Fatalf("a reply while paused: %+v", pub)
		}
		if got := sb.Received().PostsByText[text]; got != 0 {
			t.Fatalf("the held reply reached the network %d times", got)
		}
		if st, err = rpc.Ask(ctx, p.client, query.GetPause, query.ListAccountsRequest{Brand: pubBrand}); err != nil || !st.Paused || st.Held != 1 || st.Reason != "crise en cours" {
			t.Fatalf("pause state: %+v, %v", st, err)
		}
		if _, err := rpc.Ask(ctx, p.client, query.PausePublishing, query.PauseRequest{Brand: pubBrand}); rpc.AsError(err) == nil || rpc.AsError(err).Field != "by" {
			t.Fatalf("a pause without its author: %v", err)
		}
		if st, err = rpc.Ask(ctx, p.client, query.ResumePublishing, query.PauseRequest{Brand: pubBrand, By: "user:lea"}); err != nil || st.Paused || st.Held != 1 {
			t.Fatalf("resume: %+v, %v", st, err)
		}
		if pub := p.settled(t, "reply-paused"); pub.State != query.PublicationPublished {
			t.Fatalf("after the resume: %+v", pub)
		}
		if got := sb.Received().PostsByText[text]; got != 1 {
			t.Fatalf("the resumed reply reached the network %d times, want 1", got)
		}
		if st, err = rpc.Ask(ctx, p.client, query.GetPause, query.ListAccountsRequest{Brand: pubBrand}); err != nil || st.Paused || st.Held != 0 {
			t.Fatalf("pause state after the resume: %+v, %v", st, err)
		}
		var paused, resumed bool
		for _, e := range p.audit(t) {
			paused = paused || e.Action == "paused" && e.RequestedBy == "user:lea"
			resumed = resumed || e.Action == "resumed" && e.RequestedBy == "user:lea"
		}
		if !paused || !resumed {
			t.Fatalf("audit: paused %v, resumed %v", paused, resumed)
		}
	})

	t.Run("no_request_before_a_rate_limit_resets", func(t *testing.T) {
		if err := sb.SetFault(sandbox.Fault{Mode: sandbox.FaultRateLimited, Count: 1, RetryAfterSeconds: 2}); err != nil {
			t.Fatal(err)
		}
		text := "Ouverture exceptionnelle dimanche !"
		p.approve(t, "ap-429", publishv1.KindPost, text)
		p.request(t, publishv1.Requested{ID: "post-429", Kind: publishv1.KindPost, ApprovalID: "ap-429", Variants: []publishv1.Variant{{Network: "sandbox", Text: text}}})
		if pub := p.settled(t, "post-429"); pub.State != query.PublicationPublished {
			t.Fatalf("post after a 429: %+v", pub)
		}
		var limitedAt time.Time
		for _, r := range sb.Received().Requests {
			switch {
			case r.Status == http.StatusTooManyRequests:
				limitedAt = r.At
			case !limitedAt.IsZero():
				if reset := limitedAt.Add(2 * time.Second); r.At.Before(reset) {
					t.Fatalf("a %s request at %s, before the reset at %s", r.Route, r.At, reset)
				}
			}
		}
		if limitedAt.IsZero() {
			t.Fatal("the sandbox never answered 429")
		}
		if got := sb.Received().PostsByText[text]; got != 1 {
			t.Fatalf("posted %d times", got)
		}
	})

	t.Run("a_three_network_post_with_one_permanent_failure_retries_only_that_one", func(t *testing.T) {
		second := startSandbox(t, nil)
		masto := newFakeMastodon(t)
		masto.reject.Store(true)
		p.account(t, "sandbox-2", "sandbox", second.url)
		p.account(t, "masto", "mastodon", masto.srv.URL)
		texts := []string{"Menu d'hiver lundi (sandbox)", "Menu d'hiver lundi (sandbox 2)", "Menu d'hiver lundi (mastodon)"}
		p.approve(t, "ap-3net", publishv1.KindPost, texts...)
		p.request(t, publishv1.Requested{ID: "post-3net", Kind: publishv1.KindPost, ApprovalID: "ap-3net", Variants: []publishv1.Variant{
			{Network: "sandbox", Account: "sandbox", Text: texts[0]}, {Network: "sandbox", Account: "sandbox-2", Text: texts[1]}, {Network: "mastodon", Text: texts[2]},
		}})
		pub := p.settled(t, "post-3net")
		if pub.State != query.PublicationPartial {
			t.Fatalf("state %s, want %s: %+v", pub.State, query.PublicationPartial, pub)
		}
		for _, tg := range pub.Targets {
			want := "published"
			if tg.Network == "mastodon" {
				want = "failed"
			}
			if tg.State != want {
				t.Fatalf("%s/%s is %s, want %s (%+v)", tg.Network, tg.Account, tg.State, want, tg)
			}
		}
		dead, err := rpc.Ask(context.Background(), p.client, query.ListDeadLetters, query.ListAccountsRequest{Brand: pubBrand})
		if err != nil {
			t.Fatal(err)
		}
		var seen bool
		for _, d := range dead.Targets {
			seen = seen || d.RequestID == "post-3net" && d.Reason == "Validation failed: Text can't be blank"
		}
		if !seen {
			t.Fatalf("the failure and its reason are not in the dead letters: %+v", dead)
		}
		masto.reject.Store(false)
		if _, err := rpc.Ask(context.Background(), p.client, query.RetryPublication, query.PublicationRef{Brand: pubBrand, RequestID: "post-3net"}); err != nil {
			t.Fatal(err)
		}
		if pub := p.settled(t, "post-3net"); pub.State != query.PublicationPublished {
			t.Fatalf("after retry: %+v", pub)
		}
		if a, b := sb.Received().PostsByText[texts[0]], second.Received().PostsByText[texts[1]]; a != 1 || b != 1 {
			t.Fatalf("sandbox posts %d and %d, want 1 and 1", a, b)
		}
		countPosts := func(s *sandboxNet) (n int) {
			for _, r := range s.Received().Requests {
				if r.Route == "posts" {
					n++
				}
			}
			return n
		}
		if got := countPosts(second); got != 1 {
			t.Fatalf("the second sandbox received %d post requests, want 1 (no re-send where it succeeded)", got)
		}
		if got := masto.posts.Load(); got != 2 {
			t.Fatalf("mastodon received %d posts, want 2 (the refusal, the retry)", got)
		}
	})
}

// fakeMastodon speaks the part of Mastodon's API publishing uses:
// POST /api/v1/statuses with Idempotency-Key (same key, same status) and
// its 422 error body.
type fakeMastodon struct {
	srv    *httptest.Server
	reject atomic.Bool
	posts  atomic.Int64
}

func newFakeMastodon(t testing.TB) *fakeMastodon {
	f := &fakeMastodon{}
	var mu sync.Mutex
	byKey := map[string]string{}
	next := 113541234567890
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/statuses" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"Record not found"}`))
			return
		}
		f.posts.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if f.reject.Load() {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"error":"Validation failed: Text can't be blank"}`))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		id, ok := byKey[key]
		if !ok {
			next++
			id = fmt.Sprint(next)
			byKey[key] = id
		}
		_, _ = fmt.Fprintf(w, `{"id":%q,"url":"https://piaille.example/@cafe/%s","content":"<p>ok</p>"}`, id, id)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// TestPublishingRefusesInternalAddresses: an account's URL is a manager's
// text that publishing dials from inside the cluster with the account's
// token: unless publishing.networks_allow_local, an internal address is
// never called (SSRF), and the request fails for good saying why.
func TestPublishingRefusesInternalAddresses(t *testing.T) {
	conn := testkit.NATS(t)
	sb := startSandbox(t, nil)
	cfg := testPublishingConfig()
	cfg.NetworksAllowLocal = false
	p := startPublishing(t, conn, cfg)
	p.account(t, "sandbox", "sandbox", sb.url)
	text := "Une réponse qui ne doit pas partir vers le réseau interne."
	p.approve(t, "ap-internal", publishv1.KindReply, text)
	p.request(t, publishv1.Requested{ID: "reply-internal", Kind: publishv1.KindReply, InteractionID: "sandbox:" + sb.comment(t), Text: text, Lang: "fr", ApprovalID: "ap-internal"})
	pub := p.settled(t, "reply-internal")
	if pub.State == query.PublicationPublished || sb.Received().PostsByText[text] != 0 {
		t.Fatalf("published to an internal address: %+v", pub)
	}
	if len(pub.Targets) != 1 || !strings.Contains(pub.Targets[0].Reason, "not allowed") {
		t.Fatalf("the failure does not say why: %+v", pub.Targets)
	}
}
