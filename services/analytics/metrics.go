package analytics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the sink. They work unregistered when Deps.Registerer is nil.
type metrics struct {
	rows    *prometheus.CounterVec
	batches *prometheus.CounterVec
	flush   prometheus.Histogram
	errors  *prometheus.CounterVec
	// rollupDays counts the days the rollup job computed (rollup.go).
	rollupDays prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_analytics_rows_written_total", Help: "Rows written to ClickHouse by the sink, by table.",
		}, []string{"table"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_analytics_batches_total", Help: "Batches flushed to ClickHouse, by outcome (ok, error).",
		}, []string{"outcome"}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ruche_analytics_flush_seconds", Help: "Time to write one batch to ClickHouse.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_analytics_errors_total", Help: "Sink and rollup errors, by kind (decode, insert, rollup); pulls, acks and the DLQ count in ruche_bus_failures_total.",
		}, []string{"kind"}),
		rollupDays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ruche_analytics_rollup_days_total", Help: "Brand days the dashboard rollup computed.",
		}),
	}
	for _, t := range []string{"interactions", "interaction_state"} {
		m.rows.WithLabelValues(t)
	}
	for _, k := range []string{"decode", "insert", "rollup"} {
		m.errors.WithLabelValues(k)
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.rows, err = register(reg, m.rows); err != nil {
		return nil, err
	}
	if m.batches, err = register(reg, m.batches); err != nil {
		return nil, err
	}
	if m.flush, err = register(reg, m.flush); err != nil {
		return nil, err
	}
	if m.errors, err = register(reg, m.errors); err != nil {
		return nil, err
	}
	if m.rollupDays, err = register(reg, m.rollupDays); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the equal collector registered before
// (a second Service on the same registry shares the first one's metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("register analytics metrics: %w", err)
	}
	return c, nil
}
