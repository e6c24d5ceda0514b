package drafting_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/drafting"
	"github.com/ruche-project/ruche/services/drafting/model"
)

// harness is drafting on a real embedded JetStream with its endpoints, and
// a recorder of what it publishes.
type harness struct {
	conn   *bus.Conn
	router *bus.Router
	js     jetstream.JetStream
	svc    *drafting.Service
	// analytics is what drafting finds of an interaction its decision
	// does not carry.
	analytics *analyticsCopy
	client    *rpc.Client
	fake      *modelfake.Server
	mu        sync.Mutex
	drafts    []draftv1.Created
	asks      []publishv1.Requested
	apprs     []draftv1.Approved
	sleeps    []time.Duration
	// recorded stands in for publishing's approval records.
	recorded map[string]publishv1.Approval
}

// RecordApproval keeps approvals as publishing does: immutable.
func (h *harness) RecordApproval(_ context.Context, a publishv1.Approval) error {
	if err := a.Validate(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.recorded[a.ID]; ok && old.ContentHashes[0] != a.ContentHashes[0] {
		return rpc.Conflict("approval %s exists with other content", a.ID)
	}
	h.recorded[a.ID] = a
	return nil
}

const kbMarkdown = `# FAQ
## Quels sont les délais de livraison ?
id: livraison-delais
url: https://cafe-lumiere.fr/livraison
Nos cafés sont expédiés sous 24 h et livrés en 48 h ouvrées en France métropolitaine.

## Puis-je retourner un produit ?
id: retours
Vous avez 30 jours pour nous retourner un produit non ouvert, les frais de retour sont offerts.
`

// deps are drafting's dependencies on the harness's bus, with a router of
// their own (not running): a second instance of drafting, as after a
// restart.
func (h *harness) deps(t testing.TB) drafting.Deps {
	t.Helper()
	router, err := bus.NewRouter(h.conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return drafting.Deps{Router: router, Logger: testkit.Logger(t), NATS: h.conn.NC, JS: h.conn.JS, Replicas: 1, Secrets: box, Interactions: h.analytics, Approvals: h}
}

// start runs drafting; with a fake, the fake is the model of brands
// without their own.
func start(t testing.TB, fake *modelfake.Server) *harness {
	t.Helper()
	return startWith(t, fake, drafting.Config{Consumer: "drafting", ModelTimeout: 2 * time.Second, ModelBudget: 3 * time.Second, DefaultTokenBudget: 100000})
}

// startWith is start with cfg.
func startWith(t testing.TB, fake *modelfake.Server, cfg drafting.Config) *harness {
	t.Helper()
	conn := testkit.NATS(t)
	router, err := bus.NewRouter(conn, testkit.Logger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{conn: conn, router: router, js: conn.JS, fake: fake, recorded: map[string]publishv1.Approval{},
		analytics: &analyticsCopy{stored: map[string]drafting.Interaction{}}}
	svc, err := drafting.New(cfg, drafting.LLMConfig{},
		drafting.Deps{Router: router, Logger: testkit.Logger(t), NATS: conn.NC, JS: conn.JS, Replicas: 1, Secrets: box, Interactions: h.analytics, Approvals: h})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetModelSleep(func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return nil
	})
	if fake != nil {
		srv := httptest.NewServer(h.fake)
		t.Cleanup(srv.Close)
		svc.UseModel(&model.Endpoint{BaseURL: srv.URL + "/v1", Model: "fake-1", APIKey: "k"})
	}
	h.svc = svc
	record(t, h, "test-drafts", &h.drafts)
	record(t, h, "test-publish", &h.asks)
	record(t, h, "test-approvals", &h.apprs)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = router.Run(ctx) })
	wg.Go(func() { _ = svc.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	<-router.Running()
	if h.client, err = rpc.NewClient(conn.NC); err != nil {
		t.Fatal(err)
	}
	eventually(t, "drafting's endpoints", func() bool {
		_, err := rpc.Ask(context.Background(), h.client, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
		return err == nil
	})
	ask(t, h, query.PutKnowledge, query.PutKnowledgeRequest{Brand: "cafe", Format: "markdown", Lang: "fr", Content: kbMarkdown})
	ask(t, h, query.PutVoice, query.PutVoiceRequest{Brand: "cafe", Voice: query.VoiceProfile{
		Tone: "chaleureux", Address: "vous", Emoji: "none", Domains: []string{"cafe-lumiere.fr"},
		Signature: map[string]string{"fr": "— Café Lumière"}, Avoid: []string{"pas de souci"}}})
	return h
}

func ask[Req, Resp any](t testing.TB, h *harness, ep query.Endpoint[Req, Resp], req Req) Resp {
	t.Helper()
	out, err := rpc.Ask(context.Background(), h.client, ep, req)
	if err != nil {
		t.Fatalf("%s: %v", ep.Info().Name, err)
	}
	return out
}

// analyticsCopy stands in for analytics' GetInteraction: the
// interactions it has stored.
type analyticsCopy struct {
	mu     sync.Mutex
	stored map[string]drafting.Interaction
}

func (a *analyticsCopy) FindInteraction(_ context.Context, brand, id string) (drafting.Interaction, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	in, ok := a.stored[id]
	if !ok || in.Brand != brand {
		return drafting.Interaction{}, rpc.NotFound("interaction %s not stored", id)
	}
	return in, nil
}

func (a *analyticsCopy) store(in drafting.Interaction) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stored[in.ID] = in
}

func (h *harness) publish(t testing.TB, e events.Event, id string) {
	t.Helper()
	env, err := events.NewEnvelope(e, id, "cafe", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.router.Publisher().PublishEvent(context.Background(), e, env); err != nil {
		t.Fatal(err)
	}
}

// arrive publishes moderation's decision asking a reply, with the text
// decided on, as moderation publishes it.
func (h *harness) arrive(t testing.TB, id, text, lang, intent string) {
	t.Helper()
	h.publish(t, decision(id, text, lang, intent), interactionv1.ModeratedID(id, 0))
}

// received is the interaction ingest publishes (drafting does not read it).
func received(id, text, lang string) interactionv1.Received {
	return interactionv1.Received{ID: id, Brand: "cafe", Network: "mastodon", Kind: interactionv1.KindComment, PlatformID: id[len("mastodon:"):],
		Author: interactionv1.Author{ID: "1", DisplayName: "Léa Martin"}, Text: text, Lang: lang, CreatedAt: time.Now(), ReceivedAt: time.Now(), Source: interactionv1.SourcePoll}
}

// decision is moderation's decision on an interaction of "cafe" by Léa.
func decision(id, text, lang, intent string) interactionv1.Moderated {
	return interactionv1.Moderated{ID: interactionv1.ModeratedID(id, 0), InteractionID: id, Brand: "cafe", Network: "mastodon",
		Labels: []string{"lang:" + lang, "intent:" + intent}, Verdict: interactionv1.VerdictAllow, Actions: []string{"needs_reply"}, ModeratedAt: time.Now(),
		Content: &interactionv1.Content{Text: text, Lang: lang, Author: interactionv1.Author{ID: "1", DisplayName: "Léa Martin"}}}
}

func (h *harness) draftOf(t *testing.T, id string) draftv1.Created {
	t.Helper()
	var out draftv1.Created
	eventually(t, "the draft of "+id, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, d := range h.drafts {
			if d.InteractionID == id {
				out = d
				return true
			}
		}
		return false
	})
	return out
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rpcAsk[Req, Resp any](h *harness, ep query.Endpoint[Req, Resp], req Req) (Resp, error) {
	return rpc.Ask(context.Background(), h.client, ep, req)
}

// record appends every event of type E to *into, under h.mu.
func record[E events.Event](t testing.TB, h *harness, consumer string, into *[]E) {
	t.Helper()
	err := bus.Handle(h.router, consumer, func(_ context.Context, e E, _ events.Envelope) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		*into = append(*into, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
