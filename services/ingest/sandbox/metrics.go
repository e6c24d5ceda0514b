package sandbox

import "github.com/prometheus/client_golang/prometheus"

type networkMetrics struct {
	generated *prometheus.CounterVec
	published *prometheus.CounterVec
	requests  *prometheus.CounterVec
}

// newNetworkMetrics registers the network's metrics on reg (nil: kept
// unregistered).
func newNetworkMetrics(reg prometheus.Registerer) *networkMetrics {
	m := &networkMetrics{
		generated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_sandbox_generated_total",
			Help: "Items the sandbox network generated, by category, language and type.",
		}, []string{"category", "lang", "type"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_sandbox_published_total",
			Help: "Publications the sandbox network accepted from the brand, by type (post, reply, dm, hide).",
		}, []string{"type"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_sandbox_requests_total",
			Help: "Requests to the sandbox network's API, by route and status.",
		}, []string{"route", "code"}),
	}
	if reg != nil {
		reg.MustRegister(m.generated, m.published, m.requests)
	}
	return m
}

type pollerMetrics struct {
	items  *prometheus.CounterVec
	errors *prometheus.CounterVec
	lag    *prometheus.GaugeVec
	up     *prometheus.GaugeVec
	last   *prometheus.GaugeVec
}

func newPollerMetrics(reg prometheus.Registerer) *pollerMetrics {
	m := &pollerMetrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_ingest_sandbox_items_total",
			Help: "Items read from the sandbox network, by source and outcome (published, duplicate, malformed).",
		}, []string{"source", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_ingest_sandbox_errors_total",
			Help: "Failed polls of the sandbox network, by source and reason (unauthorized, rate_limited, server_error, timeout, network, decode, publish, cursor).",
		}, []string{"source", "reason"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ruche_ingest_sandbox_lag_seconds",
			Help: "Time between the creation of the last ingested item and its publication.",
		}, []string{"source"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ruche_ingest_sandbox_up",
			Help: "1 when the last poll of the source succeeded, 0 when it failed.",
		}, []string{"source"}),
		last: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ruche_ingest_sandbox_last_success_timestamp_seconds",
			Help: "Unix time of the last successful poll of the source.",
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.items, m.errors, m.lag, m.up, m.last)
	}
	return m
}
