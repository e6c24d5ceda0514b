package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/drafting"
)

// draftQuestions are questions of the sandbox network's kind, answered by
// the demo knowledge base (drafting.SeedDemo), worded unlike its entries.
var draftQuestions = []struct{ text, lang string }{
	{"Ma commande est partie hier, elle arrive quand à Lille ?", "fr"},
	{"Vous envoyez en Belgique et en Suisse ?", "fr"},
	{"Je voudrais arrêter mon abonnement, comment faire ?", "fr"},
	{"Les dosettes vont au compost ?", "fr"},
	{"How long until a shipped order gets to me?", "en"},
	{"Can I collect my order at one of your shops?", "en"},
	{"Is there a coffee without caffeine?", "en"},
}

// draftingPhase measures drafting as `ruche up` runs it, on an embedded
// JetStream: moderation's decisions asking a reply (interaction.moderated
// carrying the text) → the consumer → draft.created (the draft's KV
// record, compare-and-set, the event). Two brands with the demo knowledge
// base: one drafted by the fake model (pkg/modelfake on loopback HTTP,
// streamed SSE, knowledge found by the fake's embeddings: what
// RUCHE_LLM_FAKE=1 serves), one by the offline drafter (BM25, templates).
// Latency is one decision at a time, from its publish to its
// draft.created; throughput a burst put on the stream at once, until every
// draft is in. A decision drafted twice or never is a MISS.
func (b *bench) draftingPhase(ctx context.Context) error {
	st, err := startDrafting(ctx)
	if err != nil {
		return err
	}
	defer st.stop()
	for _, mode := range []draftMode{
		{draftModelBrand, "model", draftv1.DrafterModelPrefix + "ruche-fake", "knowledge found by embeddings"},
		{draftOfflineBrand, "offline", draftv1.DrafterOffline, "answer from knowledge-base entry"},
	} {
		if err := b.draftMode(ctx, st, mode); err != nil {
			return fmt.Errorf("%s drafts: %w", mode.name, err)
		}
	}
	return nil
}

// Brands of the drafting phase.
const (
	draftModelBrand   = "bench-model"
	draftOfflineBrand = "bench-offline"
)

// draftMode is one brand of the phase: its drafter, and a reason each of
// its drafts must give (how the knowledge was found).
type draftMode struct {
	brand, name, drafter, reason string
}

func (b *bench) draftMode(ctx context.Context, st *draftingStack, mode draftMode) error {
	brand, name := mode.brand, mode.name
	var mu sync.Mutex
	created := map[string]int{}
	arrived := make(chan string, 1<<16)
	var wrong []string
	sub, err := st.conn.NC.Subscribe(events.Subject(draftv1.Created{}, brand), func(m *nats.Msg) {
		var c draftv1.Created
		if json.Unmarshal(m.Data, &c) != nil {
			return
		}
		mu.Lock()
		created[c.InteractionID]++
		if reasons := strings.Join(c.Reasons, "; "); c.Drafter != mode.drafter || len(c.Citations) == 0 || !strings.Contains(reasons, mode.reason) {
			wrong = append(wrong, fmt.Sprintf("%s: drafter %s, %d citations, note %q, reasons %s", c.InteractionID, c.Drafter, len(c.Citations), c.Note, reasons))
		}
		mu.Unlock()
		arrived <- c.InteractionID
	})
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	pub := st.router.Publisher()
	seq := 0
	decide := func() (string, error) {
		seq++
		q := draftQuestions[seq%len(draftQuestions)]
		id := "sandbox:" + brand + "-" + strconv.Itoa(seq)
		m := interactionv1.Moderated{ID: interactionv1.ModeratedID(id, 0), InteractionID: id, Brand: brand, Network: "sandbox",
			Labels: []string{"lang:" + q.lang, "intent:question"}, Verdict: interactionv1.VerdictAllow, Actions: []string{"needs_reply"},
			ModeratedAt: time.Now().UTC(), Content: &interactionv1.Content{Text: q.text, Lang: q.lang, Author: interactionv1.Author{ID: "7", DisplayName: "Camille"}}}
		env, err := events.NewEnvelope(m, m.ID, brand, m.ModeratedAt)
		if err != nil {
			return "", err
		}
		_, err = pub.PublishEvent(ctx, m, env)
		return id, err
	}
	wait := func(id string) error {
		for {
			select {
			case got := <-arrived:
				if got == id || id == "" {
					return nil
				}
			case <-time.After(30 * time.Second):
				return errors.New("no draft.created within 30s")
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}

	var lat []time.Duration
	until := time.Now().Add(b.cfg.share(0.03, 3*time.Second))
	for time.Now().Before(until) {
		start := time.Now()
		id, err := decide()
		if err != nil {
			return err
		}
		if err := wait(id); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	p := percentiles(lat, 50, 95)
	b.res.Add("draft_"+name+"_latency_p50", p[0], "ms", fmt.Sprintf("%s drafter, one decision at a time (%d): interaction.moderated published → draft.created", name, len(lat)))
	b.res.Add("draft_"+name+"_latency_p95", p[1], "ms", "the same, 95th percentile; the issue's bar: a draft within seconds").AtMost(2000)

	burst := max(200, int(b.cfg.Seconds*2))
	if b.cfg.Smoke {
		burst = 20
	}
	start := time.Now()
	for range burst {
		if _, err := decide(); err != nil {
			return err
		}
	}
	for range burst {
		if err := wait(""); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	b.res.Add("draft_"+name+"_throughput", rate(int64(burst), elapsed), "drafts/s", fmt.Sprintf("%s drafter: %d decisions put on the stream at once, until each had its draft.created", name, burst))
	mu.Lock()
	defer mu.Unlock()
	doubled := 0
	for _, n := range created {
		doubled += n - 1
	}
	b.res.Add("draft_"+name+"_doubled_or_lost", float64(doubled+seq-len(created)), "drafts", "draft.created events beyond one per decision, plus decisions without one").Exactly(0)
	b.res.Add("draft_"+name+"_unexpected", float64(len(wrong)), "drafts", "drafts not written by the "+name+" drafter, without a citation (each question has its answer in the demo knowledge base) or without the reason \""+mode.reason+"\"").Exactly(0)
	if len(wrong) > 0 {
		b.log("drafting %s: %d unexpected drafts, first: %s", name, len(wrong), wrong[0])
	}
	b.log("drafting %s: %d one at a time, %d in a burst in %s", name, len(lat), burst, elapsed.Round(time.Millisecond))
	return nil
}

// draftingStack is drafting on an embedded JetStream, the fake model on
// loopback.
type draftingStack struct {
	conn   *bus.Conn
	router *bus.Router
	stop   func()
}

func startDrafting(ctx context.Context) (st *draftingStack, err error) {
	st = &draftingStack{}
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
	if st.conn, err = embeddedBus(ctx, "ruche-bench-drafting", &undo); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	fake := &http.Server{Handler: &modelfake.Server{}, ReadHeaderTimeout: 5 * time.Second}
	rctx, stopAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	undo = append(undo, func() { stopAll(); _ = fake.Close(); wg.Wait() })
	wg.Go(func() { _ = fake.Serve(l) })

	if st.router, err = bus.NewRouter(st.conn, log, nil); err != nil {
		return nil, err
	}
	box, err := secret.NewBox(make([]byte, secret.KeySize))
	if err != nil {
		return nil, err
	}
	svc, err := drafting.New(drafting.Config{Consumer: "drafting", ModelTimeout: 15 * time.Second, ModelBudget: 25 * time.Second, DefaultTokenBudget: 0,
		AllowInternalModels: true},
		drafting.LLMConfig{}, drafting.Deps{Router: st.router, Logger: log, NATS: st.conn.NC, JS: st.conn.JS, Replicas: 1, Secrets: box})
	if err != nil {
		return nil, err
	}
	for _, run := range []func(context.Context) error{st.router.Run, svc.Run} {
		wg.Go(func() { _ = run(rctx) })
	}
	select {
	case <-st.router.Running():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for _, brand := range []string{draftModelBrand, draftOfflineBrand} {
		if err := svc.SeedDemo(ctx, brand); err != nil {
			return nil, err
		}
	}
	err = svc.Brands().PutModel(ctx, query.PutModelRequest{Brand: draftModelBrand, BaseURL: "http://" + l.Addr().String() + "/v1", Model: "ruche-fake",
		EmbeddingModel: drafting.FakeEmbeddingModel, APIKey: "bench", TokenBudget: 1 << 40})
	return st, err
}
