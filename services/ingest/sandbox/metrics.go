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
