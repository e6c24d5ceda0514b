package rss

import (
	"bytes"
	"time"

	"github.com/mmcdole/gofeed"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

func ParseFeed(body []byte, feedURL string, src connector.Source, kws Keywords, now time.Time) ([]v1.Received, []connector.Skipped, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	items, skipped, _, _ := rssItems(feed, feedURL, rssFeedState{}, kws, src, now)
	return items, skipped, nil
}
