package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

var webhookSecret = ingesttest.WebhookSecret

func post(svc *ingest.Service, source, body, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/generic/"+source, strings.NewReader(body))
	if sig != "" {
		req.Header.Set(generic.SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, req)
	return rec
}

func TestGenericWebhook(t *testing.T) {
	svc, conn := ingesttest.Service(t)
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
		{"signed_webhook_is_published", "site", good, connector.Sign(webhookSecret, []byte(good)), 200, 1, `"accepted":["generic:cmt-1"]`},
		{"redelivery_is_collapsed", "site", good, connector.Sign(webhookSecret, []byte(good)), 200, 0, `"duplicates":["generic:cmt-1"]`},
		{"bad_signature_is_401", "site", `{"id":"cmt-2","author":{"id":"u1"}}`, connector.Sign([]byte("wrong"), []byte(`{"id":"cmt-2","author":{"id":"u1"}}`)), 401, 0, `"code":"unauthorized"`},
		{"missing_signature_is_401", "site", `{"id":"cmt-3","author":{"id":"u1"}}`, "", 401, 0, "unauthorized"},
		{"unknown_source_is_401", "nope", good, connector.Sign(webhookSecret, []byte(good)), 401, 0, "unauthorized"},
		{"signature_is_on_raw_bytes", "site", good + " ", connector.Sign(webhookSecret, []byte(good)), 401, 0, "unauthorized"},
		{"malformed_body_is_400", "site", `{"id":"cmt-4",`, connector.Sign(webhookSecret, []byte(`{"id":"cmt-4",`)), 400, 0, `"field":"body"`},
		{"missing_author_is_400", "site", `{"id":"cmt-5","created_at":"2026-11-23T08:00:00Z"}`, connector.Sign(webhookSecret, []byte(`{"id":"cmt-5","created_at":"2026-11-23T08:00:00Z"}`)), 400, 0, `"field":"author.id"`},
		{"too_large_is_413", "site", `{"id":"x","text":"` + strings.Repeat("é", 4000) + `"}`, "sha256=00", 413, 0, "too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ingesttest.Count(t, conn)
			rec := post(svc, tc.source, tc.body, tc.sig)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("status %d body %s", rec.Code, rec.Body)
			}
			if got := ingesttest.Count(t, conn) - before; got != tc.published {
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
	if err := sources.Put(context.Background(), connector.Source{ID: "meta-page", Brand: "demo", Network: "meta", Secrets: map[string]string{"app_secret": "plain-app-secret"}}); err != nil {
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
	if err := sources.Put(context.Background(), connector.Source{ID: "Bad Id", Brand: "demo", Network: "x"}); err == nil {
		t.Fatal("bad source id accepted")
	}
}
