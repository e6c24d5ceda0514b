package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/publishing"
)

// publishText is the one approved text of the phase's posts (the ledger
// keys on the request id, so every request is a new post).
const publishText = "Bench ☕ le menu d'hiver"

// publishingPhase measures publishing against the sandbox network over
// HTTP, on an embedded JetStream, as BenchmarkPublish does: latency is one
// post at a time, from the publish.requested event to its
// publish.succeeded (approval check, ledger intent, the network's call,
// the result, the outcome event); throughput is a burst of requests put on
// the stream at once, until every outcome is in.
func (b *bench) publishingPhase(ctx context.Context) error {
	st, err := startPublishing(ctx, "ruche-bench-publish")
	if err != nil {
		return err
	}
	defer st.stop()
	conn, router, svc, network := st.conn, st.router, st.svc, st.network
	const brand = benchBrand
	if err := svc.Approve(ctx, publishv1.Approval{ID: "ap-bench", Brand: brand, Kind: publishv1.KindPost, ApprovedBy: "user:bench",
		ApprovedAt: time.Now().UTC(), ContentHashes: []string{publishv1.ContentHash(publishText)}}); err != nil {
		return err
	}

	done := make(chan *nats.Msg, 1<<16)
	sub, err := conn.NC.ChanSubscribe("ruche.publish.succeeded.v1."+brand, done)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	pub := router.Publisher()
	seq := 0
	request := func() error {
		seq++
		r := publishv1.Requested{ID: "bench-" + strconv.Itoa(seq), Brand: brand, Kind: publishv1.KindPost, ApprovalID: "ap-bench",
			RequestedBy: "user:bench", RequestedAt: time.Now().UTC(), Variants: []publishv1.Variant{{Network: "sandbox", Text: publishText}}}
		env, err := events.NewEnvelope(r, r.ID, brand, r.RequestedAt)
		if err != nil {
			return err
		}
		_, err = pub.PublishEvent(ctx, r, env)
		return err
	}
	// An outcome may be announced more than once (a redelivered request
	// reports again under the same event id, and a core subscription sees
	// every copy JetStream deduplicates): wait counts distinct outcomes.
	seen := map[string]bool{}
	wait := func() error {
		for {
			select {
			case m := <-done:
				var ok publishv1.Succeeded
				if err := json.Unmarshal(m.Data, &ok); err != nil || ok.ID == "" {
					return fmt.Errorf("publish.succeeded unreadable (%v): %q", err, m.Data)
				}
				if seen[ok.ID] {
					continue
				}
				seen[ok.ID] = true
				return nil
			case <-time.After(30 * time.Second):
				return errors.New("no publish.succeeded within 30s")
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}

	// Latency: one post at a time.
	var lat []time.Duration
	until := time.Now().Add(b.cfg.share(0.03, 3*time.Second))
	for time.Now().Before(until) {
		start := time.Now()
		if err := request(); err != nil {
			return err
		}
		if err := wait(); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	p := percentiles(lat, 50, 99)
	b.res.Add("publish_latency_p50", p[0], "ms", fmt.Sprintf("one post at a time to the sandbox over HTTP (%d posts): publish.requested → publish.succeeded", len(lat)))
	b.res.Add("publish_latency_p99", p[1], "ms", "the same, 99th percentile")

	// Throughput: a burst on the stream, every outcome awaited.
	burst := max(200, int(b.cfg.Seconds*5))
	start := time.Now()
	for range burst {
		if err := request(); err != nil {
			return err
		}
	}
	for range burst {
		if err := wait(); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	b.res.Add("publish_throughput", rate(int64(burst), elapsed), "posts/s", fmt.Sprintf("%d posts put on the stream at once, each published once on the sandbox (ledger, approval, HTTP call, outcome)", burst))
	if got := network.Received().PostsByText[publishText]; got != len(lat)+burst {
		b.res.Add("publish_doubles_or_losses", float64(got-len(lat)-burst), "posts", "posts on the sandbox minus requests").Exactly(0)
	}
	b.log("publishing: %d posts one at a time, %d in a burst in %s", len(lat), burst, elapsed.Round(time.Millisecond))
	return nil
}

// embeddedBus is a JetStream server of its own in a temporary directory,
// what the phases that do not start `ruche up` run on; undo gets what
// stops it and removes the directory.
func embeddedBus(ctx context.Context, dirPrefix string, undo *[]func()) (*bus.Conn, error) {
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	*undo = append(*undo, func() { os.RemoveAll(dir) })
	conn, err := bus.Connect(ctx, bus.Config{DataDir: dir, Replicas: 1, ConnectTimeout: 30 * time.Second, AckWait: 30 * time.Second, MaxDeliver: 8, Subscriptions: 2},
		slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	*undo = append(*undo, conn.Close)
	return conn, nil
}

// benchBrand is the brand of the publishing and scheduling phases.
const benchBrand = "bench"

// publishingStack is publishing on an embedded JetStream with the sandbox
// network over HTTP, its account connected: what the publishing and the
// scheduling phases publish through.
type publishingStack struct {
	conn    *bus.Conn
	router  *bus.Router
	svc     *publishing.Service
	network *sandbox.Network
	// stop ends the services, the sandbox and the bus, and removes the
	// data directory.
	stop func()
}

// startPublishing starts the stack; ready when it returns. extra runs on
// the router before it starts (another service's handlers).
func startPublishing(ctx context.Context, dirPrefix string, extra ...func(*bus.Conn, *bus.Router) (func(context.Context) error, error)) (st *publishingStack, err error) {
	st = &publishingStack{}
	var undo []func()
	st.stop = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			st.stop()
		}
	}()
	log := slog.New(slog.DiscardHandler)
	if st.conn, err = embeddedBus(ctx, dirPrefix, &undo); err != nil {
		return nil, err
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + l.Addr().String()
	if st.network, err = sandbox.New(sandbox.Config{Account: benchBrand, BaseURL: base, Seed: 1}, log); err != nil {
		l.Close()
		return nil, err
	}
	rctx, stopAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	undo = append(undo, func() { stopAll(); wg.Wait() })
	wg.Go(func() { _ = sandbox.Serve(rctx, l, st.network.Handler()) })

	if st.router, err = bus.NewRouter(st.conn, log, nil); err != nil {
		return nil, err
	}
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		return nil, err
	}
	cfg := publishing.Config{Consumer: "publishing", RequestTimeout: 15 * time.Second, MaxAttempts: 8, RetryInterval: time.Second,
		BackoffBase: 2 * time.Second, BackoffMax: time.Minute, MetricsEvery: time.Hour, MetricsHorizon: 30 * 24 * time.Hour, FollowersEvery: 24 * time.Hour}
	st.svc, err = publishing.New(cfg, publishing.Deps{Router: st.router, Logger: log, NATS: st.conn.NC, JS: st.conn.JS, Replicas: 1, Box: box,
		HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}})
	if err != nil {
		return nil, err
	}
	runs := []func(context.Context) error{st.router.Run, st.svc.Run}
	for _, fn := range extra {
		run, err := fn(st.conn, st.router)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	for _, run := range runs {
		wg.Go(func() { _ = run(rctx) })
	}
	select {
	case <-st.router.Running():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	_, err = st.svc.Accounts().Put(ctx, query.AccountSpec{ID: "sandbox", Brand: benchBrand, Network: "sandbox", Handle: benchBrand,
		Settings: map[string]string{publishing.SettingURL: base}})
	return st, err
}
