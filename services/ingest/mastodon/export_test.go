package mastodon

import (
	"time"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

func ParseFrame(b []byte, host string, src connector.Source, now time.Time) (connector.Page, error) {
	return parseMastodonFrame(b, host, src, now)
}

// SetNow sets the Mastodon connector's clock.
func (m *Connector) SetNow(now func() time.Time) { m.now = now }
