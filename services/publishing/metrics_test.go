package publishing_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/publishing"
)

// counts renders what a reader gave, absent counts as "-".
func counts(c publishing.Counts) string {
	f := func(v *int64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("impressions=%s reactions=%s comments=%s shares=%s clicks=%s", f(c.Impressions), f(c.Reactions), f(c.Comments), f(c.Shares), f(c.Clicks))
}

func TestMetricsReaders(t *testing.T) {
	ctx := context.Background()
	t.Run("mastodon_status_counts_no_impressions", func(t *testing.T) {
		fake := &mastodonFake{byKey: map[string]string{}, statuses: map[string]map[string]any{"1135": {}}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		m := publishing.NewMastodon(srv.Client())
		acct := publishing.Account{ID: "masto", Brand: "b", Network: "mastodon", Token: "good-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
		got, err := m.PostCounts(ctx, acct, []string{"piaille.example/1135", "999"})
		if err != nil || len(got) != 1 || counts(got["piaille.example/1135"]) != "impressions=- reactions=41 comments=3 shares=7 clicks=-" {
			t.Fatalf("%v %v", got, err)
		}
		if a, err := m.Audience(ctx, acct); err != nil || a != (publishing.Audience{Followers: 12840, Following: 310}) {
			t.Fatalf("%+v %v", a, err)
		}
		fake.mode = "429"
		_, err = m.PostCounts(ctx, acct, []string{"1135"})
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) || ne.Status != 429 || ne.RetryAt.IsZero() {
			t.Fatalf("429: %+v", err)
		}
		fake.mode = ""
		acct.Token = "revoked"
		if _, err := m.Audience(ctx, acct); !errors.As(err, &ne) || ne.Status != 401 || !ne.Permanent {
			t.Fatalf("401: %+v", err)
		}
	})
	t.Run("bluesky_getPosts_and_getProfile", func(t *testing.T) {
		post := "at://did:plc:brand/app.bsky.feed.post/3kpost"
		fake := &pdsFake{records: map[string]map[string]any{post: {"text": "Menu", "_cid": "bafypost"}}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		b := publishing.NewBluesky(srv.Client())
		acct := publishing.Account{ID: "bsky", Brand: "b", Network: "bluesky", Handle: "cafe.bsky.social", Token: "app-pass", Settings: map[string]string{publishing.SettingURL: srv.URL}}
		ids := []string{post}
		for i := range 30 { // two requests of 25 at most
			ids = append(ids, fmt.Sprintf("at://did:plc:brand/app.bsky.feed.post/3kgone%d", i))
		}
		got, err := b.PostCounts(ctx, acct, ids)
		if err != nil || len(got) != 1 || counts(got[post]) != "impressions=- reactions=52 comments=4 shares=11 clicks=-" {
			t.Fatalf("%v %v", got, err)
		}
		if a, err := b.Audience(ctx, acct); err != nil || a != (publishing.Audience{Followers: 3150, Following: 120}) {
			t.Fatalf("%+v %v", a, err)
		}
		fake.limited = true
		_, err = b.PostCounts(ctx, acct, ids[:1])
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) || ne.Permanent || !ne.RetryAt.Equal(time.Unix(1795168000, 0)) {
			t.Fatalf("429: %+v", err)
		}
	})
	t.Run("meta_fields_and_insights", func(t *testing.T) {
		fake := &graphFake{objects: map[string]url.Values{"987_1": {}, "987": {}}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		m := publishing.NewMeta(srv.Client())
		acct := publishing.Account{ID: "page", Brand: "b", Network: "meta", Token: "page-token",
			Settings: map[string]string{publishing.SettingURL: srv.URL, publishing.SettingPageID: "987"}}
		got, err := m.PostCounts(ctx, acct, []string{"987_1", "987_2"})
		if err != nil || len(got) != 1 || counts(got["987_1"]) != "impressions=- reactions=64 comments=11 shares=6 clicks=-" {
			t.Fatalf("a Page without insights: %v %v", got, err)
		}
		fake.insights = true
		got, err = m.PostCounts(ctx, acct, []string{"987_1"})
		if err != nil || counts(got["987_1"]) != "impressions=2310 reactions=64 comments=11 shares=6 clicks=87" {
			t.Fatalf("with insights: %v %v", got, err)
		}
		if a, err := m.Audience(ctx, acct); err != nil || a.Followers != 9120 {
			t.Fatalf("%+v %v", a, err)
		}
		fake.limited = true
		_, err = m.PostCounts(ctx, acct, []string{"987_1"})
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) || ne.Permanent || ne.Code != "4" || ne.RetryAt.IsZero() {
			t.Fatalf("rate limit: %+v", err)
		}
	})
	t.Run("x_public_metrics", func(t *testing.T) {
		var requests []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests = append(requests, r.URL.RequestURI())
			w.Header().Set("Content-Type", "application/json")
			if r.Header.Get("Authorization") != "Bearer user-token" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
				return
			}
			switch r.URL.Path {
			case "/2/tweets":
				if r.URL.Query().Get("tweet.fields") != "public_metrics" {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				var data, errs []string
				for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
					if id == "1861" {
						data = append(data, `{"id":"1861","text":"Menu","edit_history_tweet_ids":["1861"],"public_metrics":{"retweet_count":8,"reply_count":5,"like_count":120,"quote_count":1,"bookmark_count":3,"impression_count":4210}}`)
					} else {
						errs = append(errs, fmt.Sprintf(`{"value":%q,"detail":"Could not find tweet with ids: [%s].","title":"Not Found Error","resource_type":"tweet","parameter":"ids","resource_id":%q,"type":"https://api.twitter.com/2/problems/resource-not-found"}`, id, id, id))
					}
				}
				_, _ = fmt.Fprintf(w, `{"data":[%s],"errors":[%s]}`, strings.Join(data, ","), strings.Join(errs, ","))
			case "/2/users/me":
				_, _ = io.WriteString(w, `{"data":{"id":"2244994945","name":"Café Lumière","username":"cafelumiere","public_metrics":{"followers_count":5400,"following_count":210,"tweet_count":1320,"listed_count":12,"like_count":800}}}`)
			default:
				w.WriteHeader(http.StatusNotFound)
			}
		}))
		defer srv.Close()
		x := publishing.NewX(srv.Client())
		acct := publishing.Account{ID: "x", Brand: "b", Network: "x", Token: "user-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
		ids := []string{"1861"}
		for i := range 150 {
			ids = append(ids, fmt.Sprint(1900+i))
		}
		got, err := x.PostCounts(ctx, acct, ids)
		if err != nil || len(got) != 1 || counts(got["1861"]) != "impressions=4210 reactions=120 comments=5 shares=9 clicks=-" {
			t.Fatalf("%v %v", got, err)
		}
		if len(requests) != 2 {
			t.Fatalf("%d requests for 151 ids, want 2 (100 a request)", len(requests))
		}
		if a, err := x.Audience(ctx, acct); err != nil || a != (publishing.Audience{Followers: 5400, Following: 210}) {
			t.Fatalf("%+v %v", a, err)
		}
	})
}

func TestLinkedInAndYouTubeMetrics(t *testing.T) {
	ctx := context.Background()
	t.Run("linkedin_share_statistics_and_followers", func(t *testing.T) {
		fake := &linkedInFake{posts: map[string]map[string]any{"urn:li:share:7001": {}, "urn:li:ugcPost:7002": {}}, comments: map[string]map[string]any{}}
		for i := range 25 {
			fake.posts[fmt.Sprintf("urn:li:share:71%02d", i)] = map[string]any{}
		}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		l := publishing.NewLinkedIn(srv.Client())
		acct := publishing.Account{ID: "li", Brand: "b", Network: "linkedin", Token: "li-token",
			Settings: map[string]string{publishing.SettingURL: srv.URL, publishing.SettingAuthor: "urn:li:organization:5515715"}}
		ids := []string{"urn:li:share:7001", "urn:li:ugcPost:7002", "urn:li:share:6000"} // the last one deleted
		for i := range 25 {
			ids = append(ids, fmt.Sprintf("urn:li:share:71%02d", i))
		}
		got, err := l.PostCounts(ctx, acct, ids)
		if err != nil || len(got) != 27 {
			t.Fatalf("%d counts, %v", len(got), err)
		}
		if c := counts(got["urn:li:share:7001"]); c != "impressions=1700 reactions=17 comments=2 shares=3 clicks=9" {
			t.Fatalf("share: %s", c)
		}
		if c := counts(got["urn:li:ugcPost:7002"]); c != "impressions=1900 reactions=19 comments=2 shares=3 clicks=9" {
			t.Fatalf("ugcPost: %s", c)
		}
		if _, ok := got["urn:li:share:6000"]; ok {
			t.Fatal("a deleted post has counts")
		}
		if fake.statsCalls != 3 { // 26 shares in two requests of 20 at most, one ugcPost
			t.Fatalf("%d statistics requests, want 3", fake.statsCalls)
		}
		if a, err := l.Audience(ctx, acct); err != nil || a != (publishing.Audience{Followers: 14212}) {
			t.Fatalf("%+v %v", a, err)
		}
		fake.push(429)
		_, err = l.PostCounts(ctx, acct, ids[:1])
		var ne *publishing.NetworkError
		if !errors.As(err, &ne) || ne.Permanent || ne.Status != 429 || ne.RetryAt.Before(time.Now().Add(110*time.Second)) {
			t.Fatalf("429: %+v", err)
		}
		acct.Token = "expired"
		if _, err := l.Audience(ctx, acct); !errors.As(err, &ne) || !ne.Permanent || ne.Code != "INVALID_ACCESS_TOKEN" {
			t.Fatalf("401: %+v", err)
		}
	})
	t.Run("youtube_videos_and_channel_statistics", func(t *testing.T) {
		fake := &youTubeFake{comments: map[string]map[string]string{}, videos: map[string]map[string]any{
			"dQw4w9WgXcQ": {"viewCount": "1520", "likeCount": "88", "favoriteCount": "0", "commentCount": "12"},
			"hiddenLikes": {"viewCount": "40", "favoriteCount": "0", "commentCount": "1"},
		}, channel: map[string]any{"viewCount": "982000", "subscriberCount": "31200", "hiddenSubscriberCount": false, "videoCount": "140"}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		y := publishing.NewYouTube(srv.Client())
		acct := publishing.Account{ID: "yt", Brand: "b", Network: "youtube", Token: "yt-token", Settings: map[string]string{publishing.SettingURL: srv.URL}}
		ids := []string{"dQw4w9WgXcQ", "hiddenLikes"}
		for i := range 60 { // two requests of 50 at most
			ids = append(ids, fmt.Sprintf("gone%d", i))
		}
		got, err := y.PostCounts(ctx, acct, ids)
		if err != nil || len(got) != 2 || counts(got["dQw4w9WgXcQ"]) != "impressions=1520 reactions=88 comments=12 shares=- clicks=-" ||
			counts(got["hiddenLikes"]) != "impressions=40 reactions=- comments=1 shares=- clicks=-" {
			t.Fatalf("%v %v", got, err)
		}
		if a, err := y.Audience(ctx, acct); err != nil || a != (publishing.Audience{Followers: 31200}) {
			t.Fatalf("%+v %v", a, err)
		}
		fake.channel = map[string]any{"viewCount": "982000", "hiddenSubscriberCount": true, "videoCount": "140"}
		var ne *publishing.NetworkError
		if _, err := y.Audience(ctx, acct); !errors.As(err, &ne) || ne.Code != "subscriberCountHidden" {
			t.Fatalf("a hidden count is not 0: %+v", err)
		}
		fake.push(403)
		_, err = y.PostCounts(ctx, acct, ids[:1])
		if !errors.As(err, &ne) || ne.Permanent || ne.Code != "quotaExceeded" || ne.RetryAt.Before(time.Now()) {
			t.Fatalf("quota: %+v", err)
		}
		fake.push(500)
		if _, err := y.Audience(ctx, acct); !errors.As(err, &ne) || ne.Permanent || ne.Code != "backendError" {
			t.Fatalf("500: %+v", err)
		}
	})
}

func TestReadEvery(t *testing.T) {
	for _, tc := range []struct{ age, want time.Duration }{
		{0, 5 * time.Minute}, {30 * time.Minute, 5 * time.Minute}, {4 * time.Hour, 30 * time.Minute},
		{48 * time.Hour, 6 * time.Hour}, {10 * 24 * time.Hour, 24 * time.Hour},
	} {
		if got := publishing.ReadEvery(tc.age, 5*time.Minute); got != tc.want {
			t.Errorf("ReadEvery(%s) = %s, want %s", tc.age, got, tc.want)
		}
	}
}
