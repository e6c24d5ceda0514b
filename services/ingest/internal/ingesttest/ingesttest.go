// Package ingesttest is the test kit of the ingest service and its
// connectors: a real service on embedded NATS, the requests the gateway
// sends it, what it published, and the checks every connector's tests
// share.
package ingesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// ReceivedAt is the reception time the connectors' parsing tests use.
var ReceivedAt = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// ReadFile reads testdata/name of the package under test.
func ReadFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// New builds an ingest service named replica on conn's NATS (not running:
// see Run), and returns its source store.
func New(t *testing.T, conn *bus.Conn, replica string) (*ingest.Service, *ingest.Sources) {
	t.Helper()
	box, _ := secret.NewBox(bytes.Repeat([]byte{1}, 32))
	sources, err := ingest.OpenSources(context.Background(), conn.JS, 1, box)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := bus.NewPublisher(conn.JS)
	health, err := ingest.OpenHealth(context.Background(), conn.JS, 1, replica, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	router, err := bus.NewRouter(conn, testkit.Logger(t), reg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ingest.New(ingest.Config{Addr: "127.0.0.1:0", BodyLimit: "4K", RequestTimeout: 5 * time.Second, Replica: replica, PollInterval: time.Second, AllowInternalFetches: true}, ingest.Deps{
		NATS: conn.NC, JS: conn.JS, Replicas: 1, Publisher: pub, Router: router, Sources: sources, Health: health, Logger: testkit.Logger(t), Readiness: httpx.NewHealth(), Registry: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The router runs the erasure handler ingest registered.
	ctx, cancel := context.WithCancel(context.Background())
	routed := make(chan error, 1)
	go func() { routed <- router.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-routed })
	registries.Store(svc, reg)
	t.Cleanup(func() { registries.Delete(svc) })
	return svc, sources
}

// WebhookSecret signs the deliveries of the generic source "site" of
// Service.
var WebhookSecret = []byte("s3cret-for-tests")

// Service is an ingest service (not running: see Run) on its own NATS, with
// a generic source "site" of brand demo signed with WebhookSecret.
func Service(t *testing.T) (*ingest.Service, *bus.Conn) {
	t.Helper()
	conn := testkit.NATS(t)
	svc, sources := New(t, conn, "test-replica")
	site := connector.Source{ID: "site", Brand: "demo", Network: "generic", Secrets: map[string]string{"secret": string(WebhookSecret)}}
	if err := sources.Put(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	return svc, conn
}

// Run runs svc until the returned stop is called (at the latest when the
// test ends), once it serves.
func Run(t *testing.T, svc *ingest.Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	select {
	case <-svc.Ready():
	case err := <-done:
		t.Fatalf("ingest stopped: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("ingest: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// Request sends a request to an ingest endpoint and returns the reply's
// error code ("" on success) and its body, or its error text.
func Request(t *testing.T, nc *nats.Conn, subject string, req any) (string, []byte) {
	t.Helper()
	b, _ := json.Marshal(req)
	msg, err := nc.Request(subject, b, 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subject, err)
	}
	if code := msg.Header.Get(micro.ErrorCodeHeader); code != "" {
		return code, []byte(msg.Header.Get(micro.ErrorHeader))
	}
	return "", msg.Data
}

// PutSource saves src through the sources API, as the gateway does.
func PutSource(t *testing.T, nc *nats.Conn, src connector.Source) {
	t.Helper()
	spec := query.SourceSpec{ID: src.ID, Brand: src.Brand, Network: src.Network, Account: src.Account, Settings: src.Settings, Secrets: src.Secrets}
	if code, body := Request(t, nc, query.PutSourceSubject, query.PutSourceRequest{Source: spec}); code != "" {
		t.Fatalf("put = %s %s", code, body)
	}
}

// SourceHealth is the health the sources API reports for a source of
// brand, after svc flushed its own view.
func SourceHealth(t *testing.T, svc *ingest.Service, nc *nats.Conn, brand, id string) query.SourceHealth {
	t.Helper()
	svc.FlushHealth(context.Background())
	_, body := Request(t, nc, query.ListSourcesSubject, query.ListSourcesRequest{Brand: brand})
	var resp query.ListSourcesResponse
	_ = json.Unmarshal(body, &resp)
	for _, s := range resp.Sources {
		if s.ID == id {
			return s.Health
		}
	}
	return query.SourceHealth{}
}

// Stored reads every interaction in the stream, by event id.
func Stored(t *testing.T, conn *bus.Conn) map[string][]v1.Received {
	t.Helper()
	ctx := context.Background()
	s, err := conn.JS.Stream(ctx, "RUCHE_INTERACTION")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]v1.Received{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var r v1.Received
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

// registries are the metrics registries of the services New built: the
// public listener serves no /metrics (the ops address does).
var registries sync.Map // *ingest.Service → *prometheus.Registry

// Metric reads a counter of svc's metrics for one network.
func Metric(t *testing.T, svc *ingest.Service, name, network string) float64 {
	t.Helper()
	reg, ok := registries.Load(svc)
	if !ok {
		t.Fatal("ingesttest: Metric of a service New did not build")
	}
	families, err := reg.(*prometheus.Registry).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "network" && l.GetValue() == network {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// WaitUntil polls cond until it holds, failing the test after 20 s.
func WaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BackfillAll runs a backfill to its end, as the poll loop does, checks
// that nothing older than since comes back, and returns the items and the
// number of pages read.
func BackfillAll(t *testing.T, ctx context.Context, b connector.Backfiller, src connector.Source, since time.Time) ([]v1.Received, int) {
	t.Helper()
	var got []v1.Received
	cursor, pages := "", 0
	for {
		p, err := b.Backfill(ctx, src, since, cursor)
		if err != nil {
			t.Fatal(err)
		}
		got, cursor, pages = append(got, p.Items...), p.Cursor, pages+1
		if !p.More {
			break
		}
	}
	for _, r := range got {
		if r.CreatedAt.Before(since) {
			t.Fatalf("backfill returned an item before since: %+v", r)
		}
	}
	return got, pages
}

// FuzzWebhook checks that a webhook's parser never panics and only lets
// valid interactions, edits and deletions of the source's brand through.
func FuzzWebhook(f *testing.F, wh connector.Webhook, src connector.Source) {
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := wh.Parse(body, src, ReceivedAt)
		if err != nil {
			if _, ok := err.(*httpx.Error); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range d.Items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
		for _, u := range d.Updates {
			if verr := u.Validate(); verr != nil || u.Brand != src.Brand {
				t.Fatalf("let through %+v: %v", u, verr)
			}
		}
		for _, del := range d.Deletions {
			if verr := del.Validate(); verr != nil || del.Brand != src.Brand {
				t.Fatalf("let through %+v: %v", del, verr)
			}
		}
	})
}

// Count is the number of interactions in the stream.
func Count(t *testing.T, conn *bus.Conn) uint64 {
	t.Helper()
	s, err := conn.JS.Stream(context.Background(), "RUCHE_INTERACTION")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
