package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// Deps are what analytics needs from the composition root.
type Deps struct {
	NATS       *nats.Conn
	JS         jetstream.JetStream
	ClickHouse *clickhouse.DB
	Logger     *slog.Logger
	// Registerer receives the sink's metrics; nil means no metrics.
	Registerer prometheus.Registerer
}

// Service is the analytics service: the ClickHouse sink and the query
// endpoints.
type Service struct {
	cfg     Config
	nc      *nats.Conn
	sink    *sink
	queries *queries
	store   store
	log     *slog.Logger
	ready   chan struct{}
}

// New checks cfg and the dependencies; Run does the I/O.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NATS == nil || d.JS == nil || d.ClickHouse == nil || d.Logger == nil {
		return nil, errors.New("analytics: missing dependency (NATS, JS, ClickHouse and Logger are required)")
	}
	m, err := newMetrics(d.Registerer)
	if err != nil {
		return nil, err
	}
	log := d.Logger.With("service", "analytics")
	st := store{db: d.ClickHouse}
	return &Service{
		cfg: cfg, nc: d.NATS, store: st, log: log, ready: make(chan struct{}),
		sink:    &sink{cfg: cfg, nc: d.NATS, js: d.JS, store: st, log: log, metrics: m, now: time.Now},
		queries: &queries{cfg: cfg, store: st, log: log},
	}, nil
}

// Ready is closed once the sink's consumer exists and the query endpoints
// answer.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Run checks the schema, creates the sink's consumer, serves the query
// endpoints and runs the sink until ctx is done. Then it stops taking
// requests, writes and acks the batch in hand, waits for the requests being
// answered, and returns nil.
func (s *Service) Run(ctx context.Context) error {
	if err := s.store.checkSchema(ctx); err != nil {
		return err
	}
	cons, err := s.sink.consumer(ctx)
	if err != nil {
		return err
	}
	svc, err := s.queries.start(s.nc)
	if err != nil {
		return fmt.Errorf("analytics query service: %w", err)
	}
	s.log.Info("analytics running", "consumer", s.cfg.Consumer, "batch_size", s.cfg.BatchSize, "flush_interval", s.cfg.FlushInterval)
	close(s.ready)
	s.sink.run(ctx, cons)
	s.queries.stop(svc)
	s.log.Info("analytics stopped")
	return nil
}
