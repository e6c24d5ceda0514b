package bus

import (
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
)

type routerMetrics struct {
	handled  *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	poisoned *prometheus.CounterVec
	// failures are the bus's own failures, by consumer and kind: pull,
	// ack, nak, dlq (a park that failed; the message is redelivered).
	failures *prometheus.CounterVec
}

func newRouterMetrics(reg prometheus.Registerer) *routerMetrics {
	m := &routerMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_bus_handled_total", Help: "Events handled, by consumer and outcome (ok, error).",
		}, []string{"consumer", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ruche_bus_handle_seconds", Help: "Time spent in an event handler.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"consumer"}),
		poisoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_bus_dlq_total", Help: "Messages parked on the DLQ, by consumer.",
		}, []string{"consumer"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_bus_failures_total", Help: "Failures of the consumers' own plumbing, by consumer and kind (pull, ack, nak, dlq).",
		}, []string{"consumer", "kind"}),
	}
	if reg != nil {
		m.handled = register(reg, m.handled)
		m.seconds = register(reg, m.seconds)
		m.poisoned = register(reg, m.poisoned)
		m.failures = register(reg, m.failures)
	}
	return m
}

// register registers c, or returns the equal collector registered before (a
// second router on the same registry counts in the first one's metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

func (m *routerMetrics) middleware(consumer string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			start := time.Now()
			out, err := h(msg)
			m.seconds.WithLabelValues(consumer).Observe(time.Since(start).Seconds())
			outcome := "ok"
			if err != nil {
				outcome = "error"
			}
			m.handled.WithLabelValues(consumer, outcome).Inc()
			return out, err
		}
	}
}
