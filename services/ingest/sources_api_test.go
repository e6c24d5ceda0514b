package ingest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/meta"
)

func TestSourcesAPI(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	put := func(spec query.SourceSpec) (string, []byte) {
		return ingesttest.Request(t, conn.NC, query.PutSourceSubject, query.PutSourceRequest{Source: spec})
	}
	t.Run("creates_a_meta_source_without_echoing_secrets", func(t *testing.T) {
		code, body := put(query.SourceSpec{ID: "fb-page", Brand: "demo", Network: "meta", Account: "1029384756",
			Secrets: map[string]string{meta.AppSecret: "very-secret-app", meta.VerifyToken: "tok"}})
		if code != "" {
			t.Fatalf("put = %s %s", code, body)
		}
		if strings.Contains(string(body), "very-secret-app") {
			t.Fatalf("secret echoed: %s", body)
		}
		var v query.SourceView
		_ = json.Unmarshal(body, &v)
		if v.ID != "fb-page" || strings.Join(v.SecretNames, ",") != "app_secret,verify_token" || v.Health.Status != query.HealthUnknown {
			t.Fatalf("view %+v", v)
		}
		if v.WebhookPath != "/v1/webhooks/meta/fb-page" {
			t.Fatalf("webhook path %q", v.WebhookPath)
		}
	})
	t.Run("polled_sources_have_no_webhook_path", func(t *testing.T) {
		for _, spec := range []query.SourceSpec{
			{ID: "feeds", Brand: "demo", Network: "rss", Settings: map[string]string{"feeds": "https://blog.example/feed", "keywords": "Café Lumière"}},
			{ID: "masto", Brand: "demo", Network: "mastodon", Settings: map[string]string{"server": "https://piaille.fr"}, Secrets: map[string]string{"access_token": "t"}},
		} {
			code, body := put(spec)
			var v query.SourceView
			_ = json.Unmarshal(body, &v)
			if code != "" || v.WebhookPath != "" || strings.Contains(string(body), "webhook") {
				t.Fatalf("put %s = %q %s", spec.Network, code, body)
			}
			ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: spec.ID})
		}
	})
	cases := []struct {
		name string
		spec query.SourceSpec
		want string
	}{
		{"unknown_network", query.SourceSpec{ID: "s1", Brand: "demo", Network: "myspace"}, "network"},
		{"missing_required_secret", query.SourceSpec{ID: "s2", Brand: "demo", Network: "x"}, "secrets.consumer_secret"},
		{"bad_id", query.SourceSpec{ID: "Bad Id", Brand: "demo", Network: "generic", Secrets: map[string]string{"secret": "s"}}, "id"},
		{"bad_brand", query.SourceSpec{ID: "s3", Brand: "", Network: "generic", Secrets: map[string]string{"secret": "s"}}, "brand"},
		{"bad_poll_interval", query.SourceSpec{ID: "m1", Brand: "demo", Network: "mastodon", Settings: map[string]string{"server": "https://piaille.fr", "poll_interval": "soon"},
			Secrets: map[string]string{"access_token": "t"}}, "settings.poll_interval"},
		{"id_of_another_brand", query.SourceSpec{ID: "fb-page", Brand: "rival", Network: "generic", Secrets: map[string]string{"secret": "s"}}, "already used"},
	}
	for _, tc := range cases {
		t.Run("refuses_"+tc.name, func(t *testing.T) {
			code, body := put(tc.spec)
			if code != query.CodeBadRequest || !strings.Contains(string(body), tc.want) {
				t.Fatalf("put = %q %s", code, body)
			}
		})
	}
	t.Run("backfill_reaches_back_no_further_than_the_first_seen_record", func(t *testing.T) {
		put(query.SourceSpec{ID: "feeds", Brand: "demo", Network: "rss", Settings: map[string]string{"feeds": "https://blog.example/feed", "keywords": "Café Lumière"}})
		defer ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: "feeds"})
		backfill := func(since time.Time) (string, []byte) {
			return ingesttest.Request(t, conn.NC, query.BackfillSourceSubject, query.BackfillSourceRequest{Brand: "demo", ID: "feeds", Since: since})
		}
		if code, body := backfill(time.Now().Add(-ingest.FirstSeenTTL - time.Hour)); code != query.CodeBadRequest || !strings.Contains(string(body), "90 days") {
			t.Fatalf("backfill beyond the record = %q %s", code, body)
		}
		if code, body := backfill(time.Now().Add(-30 * 24 * time.Hour)); code != "" {
			t.Fatalf("backfill of 30 days = %q %s", code, body)
		}
	})
	t.Run("lists_only_the_brands_sources", func(t *testing.T) {
		put(query.SourceSpec{ID: "rival-site", Brand: "rival", Network: "generic", Secrets: map[string]string{"secret": "s"}})
		code, body := ingesttest.Request(t, conn.NC, query.ListSourcesSubject, query.ListSourcesRequest{Brand: "demo"})
		var resp query.ListSourcesResponse
		_ = json.Unmarshal(body, &resp)
		ids := []string{}
		for _, s := range resp.Sources {
			ids = append(ids, s.ID)
		}
		if code != "" || strings.Join(ids, ",") != "fb-page,site" {
			t.Fatalf("list = %q %v", code, ids)
		}
	})
	t.Run("delete_is_scoped_to_the_brand", func(t *testing.T) {
		if code, _ := ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: "rival-site"}); code != query.CodeNotFound {
			t.Fatalf("deleting another brand's source = %q", code)
		}
		if code, body := ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: "fb-page"}); code != "" {
			t.Fatalf("delete = %q %s", code, body)
		}
		if code, _ := ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: "fb-page"}); code != query.CodeNotFound {
			t.Fatalf("second delete = %q", code)
		}
	})
}

func TestSourceHealth(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	health := func() query.SourceHealth {
		code, body := ingesttest.Request(t, conn.NC, query.ListSourcesSubject, query.ListSourcesRequest{Brand: "demo"})
		var resp query.ListSourcesResponse
		if err := json.Unmarshal(body, &resp); err != nil || code != "" || len(resp.Sources) != 1 {
			t.Fatalf("list = %q %s", code, body)
		}
		return resp.Sources[0].Health
	}
	body := `{"id":"h1","author":{"id":"u"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`
	if rec := post(svc, "site", body, connector.Sign(webhookSecret, []byte(body))); rec.Code != 200 {
		t.Fatalf("webhook = %d %s", rec.Code, rec.Body)
	}
	svc.FlushHealth(context.Background())
	h := health()
	if h.Status != query.HealthOK || h.LastSuccess == nil || h.ItemsPerMinute != 0.2 || h.LagSeconds <= 0 {
		t.Fatalf("after a delivery: %+v", h)
	}
	if rec := post(svc, "site", body, "sha256=00"); rec.Code != 401 {
		t.Fatalf("forged webhook = %d", rec.Code)
	}
	svc.FlushHealth(context.Background())
	h = health()
	if h.Status != query.HealthUnhealthy || !strings.Contains(h.LastErrorText, "signature") {
		t.Fatalf("after a rejected signature: %+v", h)
	}
}

func TestSourceCacheFollowsRotationAndDeletion(t *testing.T) {
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	body := `{"id":"c1","author":{"id":"u"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`
	status := func(secret string) int {
		return post(svc, "site", body, connector.Sign([]byte(secret), []byte(body))).Code
	}
	eventuallyStatus := func(secret string, want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for status(secret) != want {
			if time.Now().After(deadline) {
				t.Fatalf("signed with %q: want %d", secret, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventuallyStatus(string(webhookSecret), 200)
	spec := query.SourceSpec{ID: "site", Brand: "demo", Network: "generic", Secrets: map[string]string{"secret": "rotated-secret"}}
	if code, b := ingesttest.Request(t, conn.NC, query.PutSourceSubject, query.PutSourceRequest{Source: spec}); code != "" {
		t.Fatalf("put = %s %s", code, b)
	}
	eventuallyStatus(string(webhookSecret), 401)
	eventuallyStatus("rotated-secret", 200)
	if code, _ := ingesttest.Request(t, conn.NC, query.DeleteSourceSubject, query.DeleteSourceRequest{Brand: "demo", ID: "site"}); code != "" {
		t.Fatalf("delete = %s", code)
	}
	eventuallyStatus("rotated-secret", 401)
}
