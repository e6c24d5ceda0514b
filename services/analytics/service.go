package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	community "github.com/ruche-project/ruche/events/community/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	publish "github.com/ruche-project/ruche/events/publish/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/services/analytics/report"
	"github.com/ruche-project/ruche/services/analytics/rollup"
)

// Deps are what analytics needs from the composition root.
type Deps struct {
	// Router runs the sinks' batch handlers.
	Router     *bus.Router
	NATS       *nats.Conn
	JS         jetstream.JetStream
	ClickHouse *clickhouse.DB
	Logger     *slog.Logger
	// Registerer receives the sink's metrics; nil means no metrics.
	Registerer prometheus.Registerer
	// Replicas of the scheduled reports' KV buckets and object store (the
	// bus's replica count); 0 means 1.
	Replicas int
	// Now is the clock of the queries and the report scheduler; nil means
	// time.Now.
	Now func() time.Time
}

// Service is the analytics service: the ClickHouse sink and the query
// endpoints.
type Service struct {
	cfg      Config
	nc       *nats.Conn
	js       jetstream.JetStream
	replicas int
	now      func() time.Time
	// sink reads the interaction stream; sinks are it and one per other
	// stream analytics stores (a consumer belongs to one stream).
	sink    *sink
	sinks   []*sink
	queries *queries
	store   store
	// scheduler generates the scheduled weekly reports (set by Run).
	scheduler *report.Scheduler
	// rollup computes the dashboard's rollup in the background.
	rollup *rollup.Job
	// erased are the tombstones of erased authors (privacy.go).
	erased *privacy.Set
	log    *slog.Logger
	ready  chan struct{}
}

// New checks cfg and the dependencies and registers the sinks on the router
// (which creates their consumers; the router runs them); Run does the rest.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Router == nil || d.NATS == nil || d.JS == nil || d.ClickHouse == nil || d.Logger == nil {
		return nil, errors.New("analytics: missing dependency (Router, NATS, JS, ClickHouse and Logger are required)")
	}
	m, err := newMetrics(d.Registerer)
	if err != nil {
		return nil, err
	}
	log := d.Logger.With("service", "analytics")
	st := newStore(d.ClickHouse)
	now := d.Now
	if now == nil {
		now = time.Now
	}
	octx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	erased, err := privacy.Open(octx, d.JS, ErasuresBucket, d.Replicas, log)
	if err != nil {
		return nil, err
	}
	app := newApplication(d.ClickHouse, erasedRequests(erased))
	s := &Service{
		cfg: cfg, nc: d.NATS, js: d.JS, replicas: d.Replicas, now: now, store: st, log: log, ready: make(chan struct{}), erased: erased,
		queries: &queries{cfg: cfg, app: app, log: log, now: now},
		rollup: &rollup.Job{DB: d.ClickHouse, Log: log, Errors: m.errors.WithLabelValues("rollup"), Days: m.rollupDays,
			Interval: cfg.RollupInterval, Settle: cfg.RollupSettle, DiscoverEvery: cfg.RollupDiscover},
	}
	for _, src := range storedStreams() {
		sk := &sink{cfg: cfg, consumer: cfg.Consumer + src.consumer, stream: events.StreamName(src.domain), filters: src.filters, store: st, erased: erased, log: log, metrics: m, now: time.Now}
		if err := sk.register(d.Router); err != nil {
			return nil, errors.Join(err, erased.Close())
		}
		s.sinks = append(s.sinks, sk)
	}
	er := &eraser{people: app.People, tombstones: erased, log: log}
	if err := er.register(d.Router, cfg.Consumer); err != nil {
		return nil, errors.Join(err, erased.Close())
	}
	s.sink = s.sinks[0]
	return s, nil
}

// storedStream is one stream analytics reads and the event types it keeps,
// on the durable consumer analytics.consumer (plus consumer, for a second
// sink on a stream: a consumer added later reads the stream from its start).
type storedStream struct {
	domain   string
	filters  []string
	consumer string
}

// storedStreams lists every stream and event type the sinks store; the
// interaction stream comes first.
func storedStreams() []storedStream {
	return []storedStream{
		{domain: events.DomainInteraction, filters: []string{events.AllBrands(interaction.Received{}), events.AllBrands(interaction.Moderated{}),
			events.AllBrands(interaction.Updated{}), events.AllBrands(interaction.Deleted{})}},
		{domain: events.DomainReply, filters: []string{events.AllBrands(reply.Sent{})}},
		{domain: events.DomainPublish, filters: []string{events.AllBrands(publish.Succeeded{}), events.AllBrands(publish.Failed{})}},
		{domain: events.DomainCase, filters: []string{events.AllBrands(casev1.Decided{})}},
		{domain: events.DomainCase, filters: []string{events.AllBrands(casev1.Corrected{})}, consumer: "-corrections"},
		{domain: events.DomainCommunity, filters: []string{events.AllBrands(community.FollowersCounted{}), events.AllBrands(community.Followed{}),
			events.AllBrands(community.PostMetrics{}), events.AllBrands(community.LinkClicked{})}},
		{domain: events.DomainDraft, filters: []string{events.AllBrands(draftv1.Created{}), events.AllBrands(draftv1.Approved{}), events.AllBrands(draftv1.Rejected{})}},
		{domain: events.DomainAudit, filters: []string{events.AllBrands(auditv1.Recorded{})}},
	}
}

// Ready is closed once the query endpoints answer (the sinks' consumers
// exist since New).
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Run checks the schema, creates the reports' buckets, serves the query
// endpoints and runs the report scheduler and the rollup job until ctx is
// done (the router runs the sinks, and on shutdown writes and acks the
// batch in hand). Then it stops taking requests, finishes the report in
// hand, waits for the requests being answered, and returns nil.
func (s *Service) Run(ctx context.Context) error {
	if err := s.store.checkSchema(ctx); err != nil {
		return err
	}
	archive, err := report.OpenStore(ctx, s.js, s.replicas)
	if err != nil {
		return err
	}
	s.queries.app.Archive = archive
	s.scheduler = report.NewScheduler(s.queries.app.Reports, archive, s.log, s.now, s.cfg.QueryTimeout+30*time.Second)
	svc, err := s.queries.start(s.nc)
	if err != nil {
		return fmt.Errorf("analytics query service: %w", err)
	}
	s.log.Info("analytics running", "consumer", s.cfg.Consumer, "batch_size", s.cfg.BatchSize, "flush_interval", s.cfg.FlushInterval)
	close(s.ready)
	var wg sync.WaitGroup
	wg.Go(func() { s.scheduler.Run(ctx) })
	wg.Go(func() { s.rollup.Run(ctx) })
	wg.Wait()
	svc.Stop()
	if err := s.erased.Close(); err != nil {
		s.log.Warn("stop watching the erasure tombstones", "error", err)
	}
	s.log.Info("analytics stopped")
	return nil
}

// RunRollup discovers the days never computed and computes every day of
// the dashboard's rollup that is pending (what the rollup job does in the
// background), and returns how many days it computed.
func (s *Service) RunRollup(ctx context.Context) (int, error) {
	if err := s.rollup.Discover(ctx); err != nil {
		return 0, err
	}
	return s.rollup.CatchUp(ctx)
}

// RollupBehind counts the brand days holding interactions whose rollup is
// missing or stale: what the rollup job has yet to compute (`ruche bench`
// waits for 0 before measuring dashboards, as on a platform that runs).
func RollupBehind(ctx context.Context, db *clickhouse.DB) (uint64, error) {
	return rollup.Behind(ctx, db)
}

// RunDueReports generates, now, the scheduled reports that are due and
// that no replica has generated (what the scheduler does every minute),
// and returns how many this replica generated (0 until Run has made the
// service ready).
func (s *Service) RunDueReports(ctx context.Context) int {
	select {
	case <-s.ready:
		return s.scheduler.Tick(ctx)
	case <-ctx.Done():
		return 0
	}
}
