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

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"snapshot_without_account", v1.FollowersCounted{Brand: "b", Network: "x", TakenAt: at}.Validate(), "account"},
		{"snapshot_negative", v1.FollowersCounted{ID: v1.FollowersCountedID("x", "a", at), Brand: "b", Network: "x", Account: "a", TakenAt: at, Followers: -1}.Validate(), "negative"},
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
