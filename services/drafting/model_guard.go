package drafting

import (
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/ruche-project/ruche/pkg/netguard"
)

// modelTransport carries requests to models. A brand's endpoint is a
// manager's URL dialled from inside the cluster: it goes through netguard,
// which refuses loopback, private and link-local addresses (SSRF: the
// cloud's metadata service, NATS's monitor, ClickHouse's HTTP port). The
// installation's own model (the built-in fake, on loopback) is trusted.
type modelTransport struct {
	open, guarded http.RoundTripper
	// trusted is the host of the installation's model ("" for none).
	trusted atomic.Pointer[string]
}

func newModelTransport() *modelTransport {
	t := &modelTransport{open: http.DefaultTransport, guarded: netguard.Client(0, false).Transport}
	t.trust("")
	return t
}

// trust makes baseURL's host the installation's model.
func (t *modelTransport) trust(baseURL string) {
	host := ""
	if u, err := url.Parse(baseURL); err == nil && baseURL != "" {
		host = u.Host
	}
	t.trusted.Store(&host)
}

func (t *modelTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := *t.trusted.Load(); h != "" && r.URL.Host == h {
		return t.open.RoundTrip(r)
	}
	return t.guarded.RoundTrip(r)
}
