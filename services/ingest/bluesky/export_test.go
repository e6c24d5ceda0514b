package bluesky

import (
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

func ParsePage(body []byte, src connector.Source, now time.Time) ([]v1.Received, []connector.Skipped, error) {
	p, err := parseBlueskyPage(body, src, now)
	var items []v1.Received
	for _, n := range p.Notes {
		if n.Skip != nil {
			p.Skipped = append(p.Skipped, *n.Skip)
		}
		if n.Item != nil {
			items = append(items, *n.Item)
		}
	}
	return items, p.Skipped, err
}

// SetNow sets the connector's clock.
func SetNow(b *Connector, now func() time.Time) { b.now = now }

func ParseJetstreamEvent(frame []byte, src connector.Source, watched func(string) bool, now time.Time) (connector.Page, int64) {
	return parseJetstreamEvent(frame, src, watched, now)
}
