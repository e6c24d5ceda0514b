package drafting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/drafting/model"
)

// Deps are what drafting needs from the composition root.
type Deps struct {
	Router *bus.Router
	Logger *slog.Logger
	// NATS serves the endpoints and asks analytics for interactions
	// drafting did not see.
	NATS *nats.Conn
	// JS holds drafting's KV buckets.
	JS       jetstream.JetStream
	Replicas int
	// Secrets seals brands' model keys; without it a key cannot be saved.
	Secrets *secret.Box
	// Interactions finds an interaction drafting did not keep; defaults to
	// analytics' GetInteraction over NATS.
	Interactions InteractionFinder
	// Approvals records an approval where publishing checks it; defaults
	// to publishing's PutApproval over NATS.
	Approvals ApprovalRecorder
	// ModelTransport carries requests to models (nil: the default, which
	// keeps brands' endpoints off internal addresses unless
	// Config.AllowInternalModels).
	ModelTransport http.RoundTripper
	// Now defaults to time.Now.
	Now func() time.Time
}

// InteractionFinder finds an interaction's text by id.
type InteractionFinder interface {
	FindInteraction(ctx context.Context, brand, id string) (Interaction, error)
}

// ApprovalRecorder records the approval publishing requires before it
// sends a reply.
type ApprovalRecorder interface {
	RecordApproval(ctx context.Context, a publishv1.Approval) error
}

// Service drafts replies and serves their review.
type Service struct {
	cfg    Config
	llm    LLMConfig
	log    *slog.Logger
	nc     *nats.Conn
	pub    *bus.Publisher
	drafts jetstream.KeyValue
	// erased are the tombstones of erased authors (privacy.go).
	erased    *privacy.Set
	brands    *Brands
	model     *model.Client
	embedder  *embedder
	finder    InteractionFinder
	approvals ApprovalRecorder
	now       func() time.Time
	// fallback is the installation's model (the fake under llm.fake).
	fallback *model.Endpoint
	// guard keeps brands' endpoints off internal addresses (nil when
	// drafting.allow_internal_models or a transport is given).
	guard  *modelTransport
	fake   *http.Server
	fakeLn net.Listener
}

// New opens drafting's buckets and registers its handlers on the router.
func New(cfg Config, llm LLMConfig, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil || d.NATS == nil || d.JS == nil {
		return nil, errors.New("drafting: missing dependency (Router, Logger, NATS and JS are required)")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s := &Service{cfg: cfg, llm: llm, log: d.Logger.With("service", "drafting"), nc: d.NATS, pub: d.Router.Publisher(), now: d.Now}
	opt := model.DefaultOptions
	opt.Timeout = cfg.ModelTimeout
	transport := d.ModelTransport
	if transport == nil && !cfg.AllowInternalModels {
		s.guard = newModelTransport()
		transport = s.guard
	}
	s.model = model.NewClient(opt, transport)
	var err error
	if s.drafts, err = openBucket(ctx, d.JS, DraftsBucket, d.Replicas, 0); err != nil {
		return nil, err
	}
	if s.erased, err = privacy.Open(ctx, d.JS, ErasuresBucket, d.Replicas, s.log); err != nil {
		return nil, err
	}
	kv, err := openBucket(ctx, d.JS, BrandsBucket, d.Replicas, 0)
	if err != nil {
		return nil, err
	}
	usage, err := openBucket(ctx, d.JS, UsageBucket, d.Replicas, 0)
	if err != nil {
		return nil, err
	}
	s.brands = &Brands{kv: kv, usage: usage, box: d.Secrets, now: d.Now, index: map[string]cachedIndex{}}
	vectors, err := openBucket(ctx, d.JS, EmbeddingsBucket, d.Replicas, embeddingsTTL)
	if err != nil {
		return nil, err
	}
	s.embedder = &embedder{kv: vectors, client: s.model, brands: s.brands, log: s.log, mem: map[string][]float32{}, fills: map[string]*sync.Mutex{}}
	client, err := rpc.NewClient(d.NATS)
	if err != nil {
		return nil, err
	}
	s.finder, s.approvals = d.Interactions, d.Approvals
	if s.finder == nil {
		s.finder = analyticsFinder{client: client}
	}
	if s.approvals == nil {
		s.approvals = publishingApprovals{client: client}
	}
	if llm.Fake {
		if err := s.startFake(); err != nil {
			return nil, err
		}
	}
	if err := dropReceivedConsumer(ctx, d.JS, cfg.Consumer); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-moderated", s.onModerated); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-erasures", s.onErasure); err != nil {
		return nil, err
	}
	return s, nil
}

// SetModelSleep replaces the wait between model retries (tests).
func (s *Service) SetModelSleep(f func(ctx context.Context, d time.Duration) error) {
	s.model.SetSleep(f)
}

// UseModel makes ep the model of brands without their own (tests, the
// evaluation and the fake); nil leaves them to the offline drafter. Call it
// before drafts are written: it is not synchronised with the handlers.
func (s *Service) UseModel(ep *model.Endpoint) {
	s.fallback = ep
	if s.guard != nil {
		base := ""
		if ep != nil {
			base = ep.BaseURL
		}
		s.guard.trust(base)
	}
}

// FakeEmbeddingModel is the embeddings model of the built-in fake.
const FakeEmbeddingModel = "ruche-fake-embed"

// startFake serves the fake chat-completions endpoint on loopback.
func (s *Service) startFake() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake model endpoint: %w", err)
	}
	s.fakeLn = ln
	s.fake = &http.Server{Handler: &modelfake.Server{}, ReadHeaderTimeout: 5 * time.Second}
	s.UseModel(&model.Endpoint{BaseURL: "http://" + ln.Addr().String() + "/v1", Model: "ruche-fake", APIKey: "fake", EmbeddingModel: FakeEmbeddingModel})
	s.log.Info("fake chat-completions endpoint serving", "addr", ln.Addr().String())
	return nil
}

// Run serves the endpoints (and the fake model) until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	srv, err := s.startEndpoints()
	if err != nil {
		return fmt.Errorf("drafting endpoints: %w", err)
	}
	var wg sync.WaitGroup
	if s.fake != nil {
		wg.Go(func() {
			if err := s.fake.Serve(s.fakeLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("fake model endpoint stopped", "error", err)
			}
		})
	}
	<-ctx.Done()
	srv.Stop()
	if s.fake != nil {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.fake.Shutdown(shut)
		cancel()
	}
	wg.Wait()
	return s.erased.Close()
}

// Brands is the brand settings store.
func (s *Service) Brands() *Brands { return s.brands }

// publishingApprovals records approvals through publishing's endpoint.
type publishingApprovals struct{ client *rpc.Client }

func (p publishingApprovals) RecordApproval(ctx context.Context, a publishv1.Approval) error {
	_, err := rpc.Ask(ctx, p.client, query.PutApproval, query.PutApprovalRequest{Approval: a})
	return err
}

// dropReceivedConsumer deletes the durable consumer of interaction.received
// that drafting had before decisions carried their text: left alone, it
// would keep its place in the stream for ever.
func dropReceivedConsumer(ctx context.Context, js jetstream.JetStream, prefix string) error {
	err := js.DeleteConsumer(ctx, events.StreamName(events.DomainInteraction), prefix+"-received")
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete the former consumer %s-received: %w", prefix, err)
	}
	return nil
}
