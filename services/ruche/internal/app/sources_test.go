package app

import (
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestSavedSource(t *testing.T) {
	cases := []struct {
		name string
		view query.SourceView
		want string
		not  string
	}{
		{"webhook_source_gives_its_path", query.SourceView{ID: "fb", Brand: "demo", Network: "meta", WebhookPath: "/v1/webhooks/meta/fb"}, "webhook URL path: /v1/webhooks/meta/fb", ""},
		{"rss_source_has_no_webhook", query.SourceView{ID: "feeds", Brand: "demo", Network: "rss"}, "polled", "/v1/webhooks"},
		{"mastodon_source_has_no_webhook", query.SourceView{ID: "masto", Brand: "demo", Network: "mastodon"}, "polled", "/v1/webhooks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := savedSource(tc.view)
			if !strings.Contains(got, tc.want) || tc.not != "" && strings.Contains(got, tc.not) {
				t.Fatalf("savedSource = %q", got)
			}
		})
	}
}
