package scheduling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// Deps are what scheduling needs from the composition root.
type Deps struct {
	Router *bus.Router
	Logger *slog.Logger
	// NATS serves the endpoints.
	NATS *nats.Conn
	// JS holds scheduling's buckets.
	JS       jetstream.JetStream
	Replicas int
	// Approvals records an approval where publishing checks it; defaults
	// to publishing's PutApproval over NATS.
	Approvals ApprovalRecorder
	// Now defaults to time.Now.
	Now func() time.Time
}

// ApprovalRecorder records the approval publishing requires before it
// sends a post.
type ApprovalRecorder interface {
	RecordApproval(ctx context.Context, a publishv1.Approval) error
}

// dueBatch bounds the timers one worker releases at once.
const dueBatch = 128

// Service keeps the editorial calendar and releases its posts on time.
type Service struct {
	cfg       Config
	log       *slog.Logger
	nc        *nats.Conn
	pub       *bus.Publisher
	js        jetstream.JetStream
	posts     jetstream.KeyValue
	holds     jetstream.KeyValue
	policies  jetstream.KeyValue
	approvals ApprovalRecorder
	zone      *time.Location
	now       func() time.Time
	extra     []func(*rpc.Server) error
	// planning: queues, CSV import, calendar feed (planning.go).
	planning planning
}

// New opens scheduling's buckets and registers its handlers on the router;
// the router runs them, Run serves the endpoints.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.Logger == nil || d.NATS == nil || d.JS == nil {
		return nil, errors.New("scheduling: missing dependency (Router, Logger, NATS and JS are required)")
	}
	zone, err := walltime.LoadZone(cfg.DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("scheduling.default_zone: %w", err)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{cfg: cfg, log: d.Logger.With("service", "scheduling"), nc: d.NATS, pub: d.Router.Publisher(), js: d.JS, zone: zone, now: d.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if s.posts, err = openBucket(ctx, d.JS, PostsBucket, d.Replicas, "editorial calendar posts"); err != nil {
		return nil, err
	}
	if s.holds, err = openBucket(ctx, d.JS, HoldsBucket, d.Replicas, "brands whose posts a crisis holds"); err != nil {
		return nil, err
	}
	if s.policies, err = openBucket(ctx, d.JS, PoliciesBucket, d.Replicas, "approval policies"); err != nil {
		return nil, err
	}
	if err := s.openPlanning(ctx, d); err != nil {
		return nil, err
	}
	s.approvals = d.Approvals
	if s.approvals == nil {
		client, err := rpc.NewClient(d.NATS)
		if err != nil {
			return nil, err
		}
		s.approvals = publishingApprovals{client: client}
	}
	handlers := []error{
		// Posts fall due together (the top of the hour): a batch of timers
		// is released concurrently, each post on its own compare-and-set.
		bus.HandleBatch(d.Router, cfg.Consumer+"-due", dueBatch, func(_ context.Context, batch []bus.Delivery[postv1.Due]) []error {
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			for i := range batch {
				wg.Go(func() { errs[i] = s.onDue(batch[i].Ctx, batch[i].Event, batch[i].Env.OccurredAt) })
			}
			wg.Wait()
			return errs
		}, bus.MaxDeliver(dueMaxDeliver)),
		bus.Handle(d.Router, cfg.Consumer+"-succeeded", func(ctx context.Context, e publishv1.Succeeded, _ events.Envelope) error {
			return s.onOutcome(ctx, e.Brand, e.Kind, e.RequestID, query.PostOutcome{Network: e.Network, Account: e.Account, Published: true,
				PlatformID: e.PlatformID, URL: e.URL, At: e.PublishedAt})
		}),
		bus.Handle(d.Router, cfg.Consumer+"-failed", func(ctx context.Context, e publishv1.Failed, _ events.Envelope) error {
			return s.onOutcome(ctx, e.Brand, e.Kind, e.RequestID, query.PostOutcome{Network: e.Network, Account: e.Account,
				Code: e.Code, Reason: e.Reason, At: e.FailedAt})
		}),
		bus.Handle(d.Router, cfg.Consumer+"-recycle", func(ctx context.Context, e postv1.RecycleDue, _ events.Envelope) error {
			return s.onRecycleDue(ctx, e)
		}),
		bus.Handle(d.Router, cfg.Consumer+"-crisis-detected", func(ctx context.Context, e crisisv1.Detected, _ events.Envelope) error {
			return s.onCrisisDetected(ctx, e)
		}),
		bus.Handle(d.Router, cfg.Consumer+"-crisis-resolved", func(ctx context.Context, e crisisv1.Resolved, _ events.Envelope) error {
			return s.onCrisisResolved(ctx, e)
		}),
	}
	if err := errors.Join(handlers...); err != nil {
		return nil, err
	}
	return s, nil
}

// Register adds endpoints to scheduling's micro service (the queue, import
// and feed packages); call it before Run.
func (s *Service) Register(fn func(*rpc.Server) error) { s.extra = append(s.extra, fn) }

// Run serves the endpoints until ctx is done. The timers need no loop:
// JetStream delivers them to the router's handler (Run arms a recycling
// timer a queue lacks).
func (s *Service) Run(ctx context.Context) error {
	srv, err := s.startEndpoints()
	if err != nil {
		return fmt.Errorf("scheduling endpoints: %w", err)
	}
	if err := s.armRecyclers(ctx); err != nil {
		s.log.WarnContext(ctx, "recycling timers not all armed (each queue's next save arms it)", "error", err)
	}
	<-ctx.Done()
	srv.Stop()
	return nil
}

// publishingApprovals records approvals through publishing's endpoint.
type publishingApprovals struct{ client *rpc.Client }

func (p publishingApprovals) RecordApproval(ctx context.Context, a publishv1.Approval) error {
	_, err := rpc.Ask(ctx, p.client, query.PutApproval, query.PutApprovalRequest{Approval: a})
	return err
}
