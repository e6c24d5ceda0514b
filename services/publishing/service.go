package publishing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/netguard"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/publishing/webhooks"
)

// Deps are what publishing needs from the composition root.
type Deps struct {
	Router *bus.Router
	Logger *slog.Logger
	// NATS serves the micro endpoints.
	NATS *nats.Conn
	// JS holds publishing's buckets and audit stream.
	JS       jetstream.JetStream
	Replicas int
	// Box seals account tokens.
	Box *secret.Box
	// HTTP reaches the networks (a client without timeout: each call has
	// its own, Config.RequestTimeout). Defaults to a pkg/netguard client
	// (internal addresses only with Config.NetworksAllowLocal).
	HTTP *http.Client
	// Networks overrides the connectors (tests); defaults to every network
	// publishing knows.
	Networks []Network
	// Now defaults to time.Now.
	Now func() time.Time
	// WebhookClient sends the brands' outbound webhooks; it defaults to a
	// pkg/netguard client that refuses internal addresses.
	WebhookClient *http.Client
}

// Service publishes on the networks, exactly once per request and account.
type Service struct {
	cfg       Config
	log       *slog.Logger
	nc        *nats.Conn
	pub       *bus.Publisher
	ledger    *Ledger
	accounts  *Accounts
	approvals *Approvals
	pauses    *Pauses
	audit     *Audit
	insights  *Insights
	links     *Links
	media     *mediaFetcher
	// erased are the tombstones of erased authors (privacy.go).
	erased *privacy.Set
	// parked follows the DLQ of the request handler (parked.go); stuck
	// counts the retry loop's failures to advance an entry (its goroutine
	// only).
	parked   jetstream.Consumer
	stuck    map[string]stuckEntry
	networks map[string]Network
	now      func() time.Time
	// webhooks are the brands' outbound webhooks, dispatcher sends to them.
	webhooks   *webhooks.Store
	dispatcher *webhooks.Dispatcher
}

// New opens publishing's state and registers its handlers on the router;
// the router runs them, Run serves the endpoints and the retry loop.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil || d.NATS == nil || d.JS == nil || d.Box == nil {
		return nil, errors.New("publishing: missing dependency (Router, Logger, NATS, JS and Box are required)")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTP == nil {
		// Accounts' URLs are managers' text: no internal address unless
		// configured (each call has its own timeout).
		d.HTTP = netguard.Client(0, cfg.NetworksAllowLocal)
	}
	if d.Networks == nil {
		d.Networks = []Network{NewSandbox(d.HTTP), NewMastodon(d.HTTP), NewBluesky(d.HTTP), NewMeta(d.HTTP), NewX(d.HTTP),
			NewLinkedIn(d.HTTP), NewYouTube(d.HTTP)}
	}
	s := &Service{cfg: cfg, log: d.Logger.With("service", "publishing"), nc: d.NATS, pub: d.Router.Publisher(), now: d.Now, networks: map[string]Network{},
		media: newMediaFetcher(cfg), stuck: map[string]stuckEntry{}}
	for _, n := range d.Networks {
		s.networks[n.Name()] = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var err error
	if s.ledger, err = OpenLedger(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.accounts, err = OpenAccounts(ctx, d.JS, d.Replicas, d.Box); err != nil {
		return nil, err
	}
	s.accounts.now = d.Now
	if s.approvals, err = OpenApprovals(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.pauses, err = OpenPauses(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.erased, err = privacy.Open(ctx, d.JS, ErasuresBucket, d.Replicas, s.log); err != nil {
		return nil, err
	}
	if s.audit, err = OpenAudit(ctx, d.JS, d.Replicas, d.Box, s.erasedInteraction); err != nil {
		return nil, err
	}
	s.audit.now = d.Now
	if s.insights, err = OpenInsights(ctx, d.JS, d.Replicas); err != nil {
		return nil, err
	}
	if s.links, err = OpenLinks(ctx, d.JS, d.Replicas, cfg.LinksBaseURL, d.Now); err != nil {
		return nil, err
	}
	if s.parked, err = openParked(ctx, d.JS, cfg.Consumer); err != nil {
		return nil, err
	}
	if d.WebhookClient == nil {
		d.WebhookClient = netguard.Client(webhooks.DefaultConfig.Timeout, false)
	}
	if s.webhooks, err = webhooks.OpenStore(ctx, d.JS, d.Replicas, d.Box, d.Now); err != nil {
		return nil, err
	}
	if s.dispatcher, err = webhooks.OpenDispatcher(ctx, d.JS, d.Replicas, s.webhooks, d.WebhookClient, webhooks.DefaultConfig, s.log); err != nil {
		return nil, err
	}
	if err := s.dispatcher.Register(d.Router, cfg.Consumer+"-webhooks"); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer, s.handleRequested); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-erasures", s.onErasure); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-crisis-detected", func(ctx context.Context, e crisisv1.Detected, _ events.Envelope) error {
		return s.pauses.detected(ctx, e)
	}); err != nil {
		return nil, err
	}
	if err := bus.Handle(d.Router, cfg.Consumer+"-crisis-resolved", func(ctx context.Context, e crisisv1.Resolved, _ events.Envelope) error {
		return s.pauses.resolved(ctx, e)
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// Run serves the endpoints, the retry loop and the metrics producers until
// ctx is done.
func (s *Service) Run(ctx context.Context) error {
	srv, err := s.startEndpoints()
	if err != nil {
		return fmt.Errorf("publishing endpoints: %w", err)
	}
	defer srv.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { s.dispatcher.Run(ctx, s.cfg.RetryInterval) })
	wg.Go(func() { s.runMetrics(ctx) })
	wg.Go(func() { s.runParked(ctx) })
	t := time.NewTicker(s.cfg.RetryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return s.erased.Close()
		case <-t.C:
			s.retryDue(ctx)
		}
	}
}

// runMetrics looks for accounts whose metrics job is due, a few times per
// MetricsEvery (each account's own schedule says whether it runs).
func (s *Service) runMetrics(ctx context.Context) {
	t := time.NewTicker(max(s.cfg.MetricsEvery/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.readMetrics(ctx)
		}
	}
}

// retryDue advances every ledger entry that is due: a retry whose time has
// come, a call in flight that was cut off, an outcome not yet reported.
func (s *Service) retryDue(ctx context.Context) {
	keys, err := s.ledger.Due(ctx, s.now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("list due publications", "error", err)
		}
		return
	}
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		err := s.advance(ctx, k)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			s.log.Warn("advance publication", "key", k, "error", err)
			s.noteFailure(ctx, k, err)
		default:
			delete(s.stuck, k)
		}
	}
}

// Approve records an approval in process (what the put_approval endpoint
// does; the bench seeds its one text with it).
func (s *Service) Approve(ctx context.Context, ap publishv1.Approval) error {
	return s.approvals.Put(ctx, ap)
}

// Accounts is the connected-account store (the composition root seeds the
// sandbox's account in `ruche up`).
func (s *Service) Accounts() *Accounts { return s.accounts }

// handleRequested records the intent of every target of a request, then
// advances each; a redelivered request finds its entries and only advances
// them (a published target is never sent again).
func (s *Service) handleRequested(ctx context.Context, r publishv1.Requested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		_ = s.audit.Record(ctx, r.InteractionID, auditOf(r, "refused", publishv1.Variant{}, "invalid_request", err.Error()))
		return bus.Permanent(err)
	}
	var keys []string
	for _, t := range r.Targets() {
		key := entryKey(r.Brand, r.ID, t.Network, accountToken(t.Account))
		e := newEntry(r, t, s.now().UTC())
		if e.Kind.NeedsApproval() {
			// Links are shortened once, before the intent: a redelivered
			// request finds its entry and draws no codes.
			_, _, err := s.ledger.Get(ctx, key)
			if errors.Is(err, ErrNoEntry) {
				sent, err := s.links.Shorten(ctx, e)
				if err != nil {
					return err
				}
				if sent != e.Text {
					e.SentText = sent
				}
			} else if err != nil {
				return err
			}
		}
		created, err := s.ledger.Create(ctx, key, e)
		if err != nil {
			return err
		}
		if created {
			if err := s.audit.Record(ctx, r.InteractionID, auditOf(r, "requested", t, "", "")); err != nil {
				return err
			}
		}
		keys = append(keys, key)
	}
	// Every target is in the ledger before any is sent: the request's
	// state never looks settled with a target still unrecorded.
	var errs []error
	for _, key := range keys {
		errs = append(errs, s.advance(ctx, key))
	}
	return errors.Join(errs...)
}

// accountToken is a target's account in ledger keys ("_": the brand's
// account on the network).
func accountToken(account string) string {
	if account == "" {
		return "_"
	}
	return account
}

// newEntry is a request's target as the ledger first records it: queued.
func newEntry(r publishv1.Requested, t publishv1.Variant, now time.Time) *Entry {
	e := &Entry{
		RequestID: r.ID, Brand: r.Brand, Kind: r.Kind, Network: t.Network, Account: t.Account, InteractionID: r.InteractionID,
		Text: t.Text, Lang: t.Lang, Media: t.Media, FirstComment: t.FirstComment, RequestedBy: r.RequestedBy, ApprovalID: r.ApprovalID,
		Key: idempotencyKey(r.Brand, r.ID, t.Network, t.Account), State: StateQueued, CreatedAt: now, UpdatedAt: now,
	}
	if r.Kind != publishv1.KindPost {
		_, e.TargetID, _ = publishv1.ParseInteractionID(r.InteractionID)
	}
	return e
}
