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
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.handled, m.seconds, m.poisoned} {
			if err := reg.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					panic(err)
				}
			}
		}
	}
	return m
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
