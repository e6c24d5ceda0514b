package ingest

import (
	"bytes"
	"time"

	"github.com/mmcdole/gofeed"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// The polled connectors' parsers, for the fuzz targets in package ingest_test.

func ParseBlueskyPage(body []byte, src Source, now time.Time) ([]v1.Received, []Skipped, error) {
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

func ParseYouTubeThreads(body []byte, src Source, now time.Time) ([]v1.Received, []Skipped, error) {
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

func ParseFeed(body []byte, feedURL string, src Source, kws Keywords, now time.Time) ([]v1.Received, []Skipped, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	items, skipped, _, _ := rssItems(feed, feedURL, rssFeedState{}, kws, src, now)
	return items, skipped, nil
}

func ParseMastodonFrame(b []byte, host string, src Source, now time.Time) (Page, error) {
	return parseMastodonFrame(b, host, src, now)
}

// SetNow sets the Mastodon connector's clock.
func (m *Mastodon) SetNow(now func() time.Time) { m.now = now }
