package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest"
)

var webhookSecret = []byte("s3cret-for-tests")

func newIngest(t *testing.T) (*ingest.Service, *bus.Conn) {
	t.Helper()
	return newIngestWith(t, prometheus.NewRegistry())
}

// newIngestWith is newIngest with the registry its metrics go to.
func newIngestWith(t *testing.T, reg *prometheus.Registry) (*ingest.Service, *bus.Conn) {
	t.Helper()
	conn := testkit.NATS(t)
	box, _ := secret.NewBox(bytes.Repeat([]byte{1}, 32))
	sources, err := ingest.OpenSources(context.Background(), conn.JS, 1, box)
	if err != nil {
		t.Fatal(err)
	}
	if err := sources.Put(context.Background(), ingest.Source{ID: "site", Brand: "demo", Network: "generic", Secrets: map[string]string{ingest.GenericSecret: string(webhookSecret)}}); err != nil {
		t.Fatal(err)
	}
	pub, _ := bus.NewPublisher(conn.JS)
	health, err := ingest.OpenHealth(context.Background(), conn.JS, 1, "test-replica", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ingest.New(ingest.Config{Addr: "127.0.0.1:0", BodyLimit: "4K", RequestTimeout: 5 * time.Second, Replica: "test-replica", PollInterval: time.Second, AllowInternalFetches: true}, ingest.Deps{
		NATS: conn.NC, JS: conn.JS, Replicas: 1, Publisher: pub, Sources: sources, Health: health, Logger: testkit.Logger(t), Readiness: httpx.NewHealth(), Registry: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc, conn
}

func post(svc *ingest.Service, source, body, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/generic/"+source, strings.NewReader(body))
	if sig != "" {
		req.Header.Set(ingest.SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	return rec
}

func streamCount(t *testing.T, conn *bus.Conn) uint64 {
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

func TestGenericWebhook(t *testing.T) {
	svc, conn := newIngest(t)
	good := `{"id":"cmt-1","author":{"id":"u1","handle":"@amelie"},"text":"Bonjour, où est ma commande ?","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
	cases := []struct {
		name      string
		source    string
		body      string
		sig       string
		status    int
		published uint64
		contains  string
	}{
		{"signed_webhook_is_published", "site", good, ingest.Sign(webhookSecret, []byte(good)), 200, 1, `"accepted":["generic:cmt-1"]`},
		{"redelivery_is_collapsed", "site", good, ingest.Sign(webhookSecret, []byte(good)), 200, 0, `"duplicates":["generic:cmt-1"]`},
		{"bad_signature_is_401", "site", `{"id":"cmt-2","author":{"id":"u1"}}`, ingest.Sign([]byte("wrong"), []byte(`{"id":"cmt-2","author":{"id":"u1"}}`)), 401, 0, `"code":"unauthorized"`},
		{"missing_signature_is_401", "site", `{"id":"cmt-3","author":{"id":"u1"}}`, "", 401, 0, "unauthorized"},
		{"unknown_source_is_401", "nope", good, ingest.Sign(webhookSecret, []byte(good)), 401, 0, "unauthorized"},
		{"signature_is_on_raw_bytes", "site", good + " ", ingest.Sign(webhookSecret, []byte(good)), 401, 0, "unauthorized"},
		{"malformed_body_is_400", "site", `{"id":"cmt-4",`, ingest.Sign(webhookSecret, []byte(`{"id":"cmt-4",`)), 400, 0, `"field":"body"`},
		{"missing_author_is_400", "site", `{"id":"cmt-5","created_at":"2026-11-23T08:00:00Z"}`, ingest.Sign(webhookSecret, []byte(`{"id":"cmt-5","created_at":"2026-11-23T08:00:00Z"}`)), 400, 0, `"field":"author.id"`},
		{"too_large_is_413", "site", `{"id":"x","text":"` + strings.Repeat("é", 4000) + `"}`, "sha256=00", 413, 0, "too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := streamCount(t, conn)
			rec := post(svc, tc.source, tc.body, tc.sig)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("status %d body %s", rec.Code, rec.Body)
			}
			if got := streamCount(t, conn) - before; got != tc.published {
				t.Fatalf("published %d events, want %d", got, tc.published)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("response is not JSON: %s", rec.Body)
			}
		})
	}
}

func TestSourcesSealSecrets(t *testing.T) {
	conn := testkit.NATS(t)
	box, _ := secret.NewBox(bytes.Repeat([]byte{2}, 32))
	sources, err := ingest.OpenSources(context.Background(), conn.JS, 1, box)
	if err != nil {
		t.Fatal(err)
	}
	if err := sources.Put(context.Background(), ingest.Source{ID: "meta-page", Brand: "demo", Network: "meta", Secrets: map[string]string{"app_secret": "plain-app-secret"}}); err != nil {
		t.Fatal(err)
	}
	kv, _ := conn.JS.KeyValue(context.Background(), ingest.SourcesBucket)
	raw, err := kv.Get(context.Background(), "meta-page")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Value(), []byte("plain-app-secret")) {
		t.Fatal("secret stored in clear")
	}
	got, err := sources.Get(context.Background(), "meta-page")
	if err != nil || string(got.Secret("app_secret")) != "plain-app-secret" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if strings.Contains(got.String(), "plain-app-secret") {
		t.Fatal("String() leaks the secret")
	}
	if err := sources.Put(context.Background(), ingest.Source{ID: "Bad Id", Brand: "demo", Network: "x"}); err == nil {
		t.Fatal("bad source id accepted")
	}
}
