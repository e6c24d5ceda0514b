package drafting_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/drafting"
	"github.com/ruche-project/ruche/services/drafting/internal/drafteval"
)

// withEmbeddings gives the brand cafe its own endpoint, a fake with an
// embeddings model, and the evaluation's knowledge base (French and
// English); budget is its monthly tokens.
func withEmbeddings(t *testing.T, h *harness, budget int64) *modelfake.Server {
	t.Helper()
	fake := &modelfake.Server{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	ask(t, h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: srv.URL + "/v1", Model: "fake-chat",
		EmbeddingModel: "fake-embed", APIKey: "sk-test", TokenBudget: budget})
	entries, err := drafteval.KnowledgeBase("testdata/eval")
	if err != nil {
		t.Fatal(err)
	}
	s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
	ask(t, h, query.PutKnowledge, query.PutKnowledgeRequest{Brand: "cafe", BaseVersion: s.KBVersion, Entries: entries,
		SavedReplies: []query.SavedReply{
			{ID: "colis-abime", Lang: "fr", Keywords: []string{"abîmé"}, Text: "Désolés pour ce colis abîmé : un nouvel envoi part aujourd'hui."},
			{ID: "decembre", Lang: "fr", Keywords: []string{"noël"}, Text: "La boutique ouvre aussi le lundi en décembre."},
			{ID: "refund", Lang: "en", Keywords: []string{"refund"}, Text: "Your refund is on its way."},
		}})
	return fake
}

// startRetrieval is drafting with the production's time bounds: the
// embeddings get a third of the model budget, which a loaded machine
// needs. The brand's fake model is on loopback.
func startRetrieval(t *testing.T) *harness {
	return startWith(t, nil, drafting.Config{Consumer: "drafting", ModelTimeout: 15 * time.Second, ModelBudget: 25 * time.Second, DefaultTokenBudget: 100000,
		AllowInternalModels: true})
}

func evalParaphrases(t *testing.T) []drafteval.Paraphrase {
	t.Helper()
	ps, err := drafteval.Paraphrases("testdata/eval")
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestRetrievalByEmbeddings(t *testing.T) {
	ctx := context.Background()
	t.Run("paraphrases_find_their_entry_first", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 100000)
		ps := evalParaphrases(t)
		for _, p := range ps {
			hits, how, err := h.svc.SearchKnowledge(ctx, "cafe", p.Text, p.Lang, 3)
			if err != nil || len(hits) == 0 || hits[0].Entry.ID != p.Want || how != "knowledge found by embeddings (fake-embed)" {
				t.Errorf("%q: %+v (%s), %v; want %s first, by embeddings", p.Text, hits, how, err, p.Want)
			}
		}
		// The entries were embedded once: another round asks only the
		// questions' vectors (never kept), one request each.
		before := fake.Requests()
		for _, p := range ps {
			if _, _, err := h.svc.SearchKnowledge(ctx, "cafe", p.Text, p.Lang, 3); err != nil {
				t.Fatal(err)
			}
		}
		if got := fake.Requests() - before; got != len(ps) {
			t.Errorf("second round made %d requests, want %d (the knowledge base's vectors cached)", got, len(ps))
		}
		if s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"}); s.TokensUsed == 0 || s.Model.EmbeddingModel != "fake-embed" {
			t.Errorf("settings %+v: embeddings not metered or model not shown", s.Model)
		}
	})
	t.Run("vectors_survive_a_restart_in_the_bucket", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 100000)
		if _, _, err := h.svc.SearchKnowledge(ctx, "cafe", "Quand arrive mon colis ?", "fr", 3); err != nil {
			t.Fatal(err)
		}
		again, err := drafting.New(drafting.Config{Consumer: "drafting-again", ModelTimeout: 15 * time.Second, ModelBudget: 25 * time.Second,
			AllowInternalModels: true},
			drafting.LLMConfig{}, h.deps(t))
		if err != nil {
			t.Fatal(err)
		}
		before := fake.Requests()
		hits, _, err := again.SearchKnowledge(ctx, "cafe", "Quand arrive mon colis ?", "fr", 3)
		if err != nil || len(hits) == 0 || hits[0].Entry.ID != "livraison-delais" || fake.Requests()-before != 1 {
			t.Fatalf("%+v, %v after %d requests, want the entry from the bucket's vectors and one request", hits, err, fake.Requests()-before)
		}
	})
	t.Run("429_waits_retry_after", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 100000)
		fake.Script(modelfake.Fault{Status: 429, RetryAfter: "3"})
		hits, how, err := h.svc.SearchKnowledge(ctx, "cafe", "Vos grains sont cultivés sans pesticides ?", "fr", 3)
		if err != nil || len(hits) == 0 || hits[0].Entry.ID != "bio" || !strings.Contains(how, "embeddings") {
			t.Fatalf("%+v (%s), %v", hits, how, err)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.sleeps) != 1 || h.sleeps[0] != 3*time.Second {
			t.Fatalf("waits %v, want the 3 s of Retry-After", h.sleeps)
		}
	})
	t.Run("endpoint_down_falls_back_to_bm25_and_says_so", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 100000)
		fake.Script(modelfake.Fault{Status: 500}, modelfake.Fault{Status: 500}, modelfake.Fault{Status: 500}, modelfake.Fault{Status: 500})
		hits, how, err := h.svc.SearchKnowledge(ctx, "cafe", "Puis-je retourner un produit ?", "fr", 3)
		if err != nil || len(hits) == 0 || hits[0].Entry.ID != "retours" || !strings.HasPrefix(how, "knowledge found by BM25: embeddings unavailable") {
			t.Fatalf("%+v (%s), %v", hits, how, err)
		}
	})
	t.Run("budget_spent_uses_bm25", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 1)
		if _, _, err := h.svc.SearchKnowledge(ctx, "cafe", "Quand arrive mon colis ?", "fr", 3); err != nil {
			t.Fatal(err)
		}
		before := fake.Requests()
		hits, how, err := h.svc.SearchKnowledge(ctx, "cafe", "Quand arrive mon colis ?", "fr", 3)
		if err != nil || how != "knowledge found by BM25" || len(hits) == 0 || fake.Requests() != before {
			t.Fatalf("%+v (%s), %v, %d requests: want BM25 without asking the endpoint", hits, how, err, fake.Requests()-before)
		}
	})
	t.Run("a_model_draft_cites_the_entry_found_and_says_how", func(t *testing.T) {
		h := startRetrieval(t)
		withEmbeddings(t, h, 100000)
		d, err := h.svc.Compose(ctx, drafting.Interaction{ID: "mastodon:77", Brand: "cafe", Network: "mastodon", Lang: "en", Intent: "question",
			Text: "Do you sell anything without caffeine?"}, "")
		if err != nil || len(d.Citations) == 0 || d.Citations[0].EntryID != "decaf" || !strings.Contains(strings.Join(d.Reasons, "; "), "knowledge found by embeddings (fake-embed)") || d.Flagged {
			t.Fatalf("draft %+v, %v", d, err)
		}
	})
	t.Run("the_nearest_saved_reply_is_given_to_the_model_one_vector_per_message", func(t *testing.T) {
		h := startRetrieval(t)
		fake := withEmbeddings(t, h, 100000)
		compose := func(id, text string) []string {
			d, err := h.svc.Compose(ctx, drafting.Interaction{ID: id, Brand: "cafe", Network: "mastodon", Lang: "fr", Intent: "complaint", Text: text}, "")
			if err != nil || d.Flagged {
				t.Fatalf("draft %+v, %v", d, err)
			}
			return d.Reasons
		}
		compose("mastodon:80", "Bonjour, où en est ma commande ?")
		before := fake.Requests()
		reasons := compose("mastodon:81", "Mon colis est arrivé tout abîmé, que faire ?")
		if !slices.Contains(reasons, "saved reply colis-abime given to the model as the brand's wording") {
			t.Errorf("reasons %q", reasons)
		}
		if got := fake.Requests() - before; got != 2 {
			t.Errorf("%d requests for a draft, want 2: the message's vector, asked once for knowledge and saved replies, and the completion", got)
		}
	})
	t.Run("saved_replies_searched_by_meaning", func(t *testing.T) {
		h := startRetrieval(t)
		withEmbeddings(t, h, 100000)
		got := ask(t, h, query.SearchSavedReplies, query.SearchSavedRepliesRequest{Brand: "cafe", Q: "Le magasin est-il ouvert pendant les fêtes ?", Lang: "fr"})
		if len(got.Replies) == 0 || got.Replies[0].ID != "decembre" {
			t.Fatalf("search = %+v, want decembre first (no word in common)", got)
		}
	})
}
