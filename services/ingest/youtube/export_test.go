package youtube

import (
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

func ParseThreads(body []byte, src connector.Source, now time.Time) ([]v1.Received, []connector.Skipped, error) {
	p, err := parseYouTubeThreads(body, src, now)
	var items []v1.Received
	for _, t := range p.Threads {
		p.Skipped = append(p.Skipped, t.Skipped...)
		if t.Comment != nil {
			items = append(items, *t.Comment)
		}
		items = append(items, t.Replies...)
	}
	return items, p.Skipped, err
}

// SetNow sets the connector's clock.
func SetNow(y *Connector, now func() time.Time) { y.now = now }
