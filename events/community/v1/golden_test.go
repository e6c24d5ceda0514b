package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/community/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

var at = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestFollowersCounted(t *testing.T) {
	f := v1.FollowersCounted{ID: v1.FollowersCountedID("mastodon", "@cafelumiere@piaille.fr", at), Brand: "cafe-lumiere",
		Network: "mastodon", Account: "@cafelumiere@piaille.fr", Followers: 12840, Following: 310, TakenAt: at}
	if got, want := events.Subject(f, f.Brand), "ruche.community.followers_counted.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "community.followers_counted.v1.json", f)
}

func TestFollowed(t *testing.T) {
	f := v1.Followed{ID: v1.FollowedID("mastodon", "@cafelumiere@piaille.fr", "4242"), Brand: "cafe-lumiere",
		Network: "mastodon", Account: "@cafelumiere@piaille.fr",
		Follower:   v1.Follower{ID: "4242", Handle: "@claire@piaille.fr", DisplayName: "Claire", Followers: 1280},
		FollowedAt: at}
	if got, want := events.Subject(f, f.Brand), "ruche.community.followed.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "community.followed.v1.json", f)
}

func TestPostMetrics(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	taken := at.Add(90 * time.Minute)
	m := v1.PostMetrics{ID: v1.PostMetricsID("x", "1861234567890", taken), Brand: "cafe-lumiere", Network: "x", Account: "x-cafe",
		PlatformID: "1861234567890", URL: "https://x.com/i/web/status/1861234567890", RequestID: "post-menu-hiver",
		PublishedAt: at, TakenAt: taken, Impressions: n(4210), Reactions: n(183), Comments: n(12), Shares: n(27)}
	if got, want := events.Subject(m, m.Brand), "ruche.community.post_metrics.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "community.post_metrics.v1.json", m)
}

func TestLinkClicked(t *testing.T) {
	c := v1.LinkClicked{ID: v1.LinkClickedID("Xq3kP9wLm2RtV7bN", at, "5f2a"), Brand: "cafe-lumiere", Code: "Xq3kP9wLm2RtV7bN",
		Network: "mastodon", Account: "masto", RequestID: "post-menu-hiver",
		Target:  "https://cafe.example/menu?utm_campaign=ruche&utm_medium=social&utm_source=mastodon",
		Visitor: "9c1e0b6f2d4a8e31", ClickedAt: at}
	if got, want := events.Subject(c, c.Brand), "ruche.community.link_clicked.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "community.link_clicked.v1.json", c)
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"snapshot_without_account", v1.FollowersCounted{Brand: "b", Network: "x", TakenAt: at}.Validate(), "account"},
		{"snapshot_negative", v1.FollowersCounted{ID: v1.FollowersCountedID("x", "a", at), Brand: "b", Network: "x", Account: "a", TakenAt: at, Followers: -1}.Validate(), "negative"},
		{"metrics_without_platform_id", v1.PostMetrics{Brand: "b", Network: "x", Account: "a", PublishedAt: at, TakenAt: at}.Validate(), "platform_id"},
		{"metrics_negative", v1.PostMetrics{ID: v1.PostMetricsID("x", "1", at), Brand: "b", Network: "x", Account: "a", PlatformID: "1", PublishedAt: at, TakenAt: at, Shares: new(int64(-2))}.Validate(), "shares"},
		{"click_without_visitor", v1.LinkClicked{ID: "c", Brand: "b", Code: "k", Network: "x", RequestID: "r", Target: "https://a.example", ClickedAt: at}.Validate(), "visitor"},
		{"follow_without_follower", v1.Followed{Brand: "b", Network: "x", Account: "a", FollowedAt: at}.Validate(), "follower.id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !eventstest.Contains(tc.err.Error(), tc.field) {
				t.Fatalf("Validate() = %v, want an error naming %s", tc.err, tc.field)
			}
		})
	}
}
