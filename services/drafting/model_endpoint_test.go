package drafting_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/drafting"
)

// TestBrandModelEndpoint: a brand's model URL is a manager's text that
// drafting dials from inside the cluster, and that every member of the
// brand can read back.
func TestBrandModelEndpoint(t *testing.T) {
	t.Run("internal_address_is_not_dialled", func(t *testing.T) {
		// The installation's own model (here on loopback) still answers
		// brands without one; a brand's endpoint on loopback is refused.
		h := start(t, &modelfake.Server{})
		inside := &modelfake.Server{}
		srv := httptest.NewServer(inside)
		t.Cleanup(srv.Close)
		ask(t, h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: srv.URL + "/v1", Model: "m", APIKey: "sk-test", TokenBudget: 100000})
		h.arrive(t, "mastodon:2001", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:2001")
		if d.Drafter != draftv1.DrafterOffline || inside.Requests() != 0 {
			t.Fatalf("draft by %s (%s); the internal endpoint was asked %d times", d.Drafter, d.Note, inside.Requests())
		}
	})
	t.Run("internal_address_allowed_when_configured", func(t *testing.T) {
		h := startWith(t, nil, drafting.Config{Consumer: "drafting", ModelTimeout: 2 * time.Second, ModelBudget: 3 * time.Second,
			DefaultTokenBudget: 100000, AllowInternalModels: true})
		inside := &modelfake.Server{}
		srv := httptest.NewServer(inside)
		t.Cleanup(srv.Close)
		ask(t, h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: srv.URL + "/v1", Model: "m", APIKey: "sk-test", TokenBudget: 100000})
		h.arrive(t, "mastodon:2003", "Quels sont vos délais de livraison ?", "fr", "question")
		if d := h.draftOf(t, "mastodon:2003"); d.Drafter == draftv1.DrafterOffline || inside.Requests() == 0 {
			t.Fatalf("draft by %s (%s)", d.Drafter, d.Note)
		}
	})
	t.Run("credentials_in_the_url_are_refused", func(t *testing.T) {
		h := start(t, nil)
		for _, u := range []string{"https://sk-live-123@llm.example/v1", "https://user:sk-live-123@llm.example/v1",
			"https://llm.example/v1?api_key=sk-live-123", "https://llm.example/v1#sk-live-123"} {
			_, err := rpcAsk(h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: u, Model: "m"})
			if err == nil || !strings.Contains(err.Error(), "base_url") || strings.Contains(err.Error(), "sk-live-123") {
				t.Errorf("%s: %v", u, err)
			}
		}
		if s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"}); s.Model.BaseURL != "" {
			t.Fatalf("stored %q", s.Model.BaseURL)
		}
	})
}

// TestModelKeyFollowsItsEndpoint: the stored key is sent to the brand's
// endpoint as a bearer token, so pointing the endpoint elsewhere without
// giving a key drops the stored one (else anyone allowed to change the
// URL could collect the key at a server of theirs).
func TestModelKeyFollowsItsEndpoint(t *testing.T) {
	h := start(t, nil)
	put := func(base, key string) query.BrandSettings {
		t.Helper()
		return ask(t, h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: base, Model: "m", APIKey: key, TokenBudget: 1000})
	}
	if s := put("https://llm.example/v1", "sk-owner"); !s.Model.HasKey {
		t.Fatalf("key not kept: %+v", s.Model)
	}
	if s := put("https://llm.example/v1", ""); !s.Model.HasKey {
		t.Fatalf("same endpoint, no key given: the key must stay: %+v", s.Model)
	}
	if s := put("https://collector.example/v1", ""); s.Model.HasKey {
		t.Fatalf("another endpoint kept the key: %+v", s.Model)
	}
	if s := put("https://collector.example/v1", "sk-new"); !s.Model.HasKey {
		t.Fatalf("a new key with the new endpoint: %+v", s.Model)
	}
}
