package rss_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/rss"
)

// fakeFeeds serves feeds the way blogs and news sites do: RSS with ETag
// and Last-Modified validators (304 on a conditional GET), Atom without
// validators, and the failures of the open web (not a feed, 401, 429 with
// Retry-After, 5xx, a server that hangs).
type fakeFeeds struct {
	mu       sync.Mutex
	blog     string // the blog's RSS, extra items appended
	version  int
	requests map[string]int
	notMod   int
	lastIMS  string
}

const blogLastModified = "Mon, 23 Nov 2026 07:00:00 GMT"

func newFakeFeeds(t *testing.T) (*fakeFeeds, *httptest.Server) {
	f := &fakeFeeds{blog: string(ingesttest.ReadFile(t, "rss_blog.xml")), requests: map[string]int{}}
	news := ingesttest.ReadFile(t, "atom_news.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests[r.URL.Path]++
		f.mu.Unlock()
		switch r.URL.Path {
		case "/blog.xml":
			f.mu.Lock()
			defer f.mu.Unlock()
			etag := fmt.Sprintf(`W/"blog-%d"`, f.version)
			f.lastIMS = r.Header.Get("If-Modified-Since")
			if r.Header.Get("If-None-Match") == etag {
				f.notMod++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", blogLastModified)
			w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
			fmt.Fprint(w, f.blog)
		case "/news.atom":
			w.Header().Set("Content-Type", "application/atom+xml")
			_, _ = w.Write(news)
		case "/broken.xml":
			fmt.Fprint(w, "<html><body>Oops, this is not a feed</body></html>")
		case "/private.xml":
			w.WriteHeader(http.StatusUnauthorized)
		case "/limited.xml":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/down.xml":
			w.WriteHeader(http.StatusBadGateway)
		case "/slow.xml":
			time.Sleep(2 * time.Second)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

// addItem publishes a new blog item (and a new ETag).
func (f *fakeFeeds) addItem(title, link string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	item := fmt.Sprintf("<item><title>%s</title><link>%s</link><pubDate>Mon, 23 Nov 2026 09:00:00 +0100</pubDate><description>Nouveau billet.</description></item>\n", title, link)
	f.blog = strings.Replace(f.blog, "<item>", item+"<item>", 1)
	f.version++
}

func (f *fakeFeeds) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func rssSource(base string, feeds ...string) connector.Source {
	urls := make([]string, len(feeds))
	for i, p := range feeds {
		urls[i] = base + p
	}
	return connector.Source{ID: "veille", Brand: "demo", Network: "rss",
		Settings: map[string]string{
			rss.SettingFeeds:              strings.Join(urls, ",\n"),
			rss.SettingKeywords:           "Café Lumière, cafetière X2\nBrûlerie Rivale",
			connector.SettingPollInterval: "0s",
		}}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRSSPoll(t *testing.T) {
	f, srv := newFakeFeeds(t)
	r := rss.New(srv.Client())
	src := rssSource(srv.URL, "/blog.xml", "/news.atom", "/broken.xml")
	ctx := context.Background()

	page, err := r.Poll(ctx, src, "")
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]v1.Received{}
	for _, it := range page.Items {
		title, _, _ := strings.Cut(it.Text, "\n")
		byTitle[title] = it
	}
	t.Run("keeps_entries_matching_a_keyword_as_whole_words_without_case_or_accents", func(t *testing.T) {
		var titles []string
		for title := range byTitle {
			titles = append(titles, title)
		}
		sort.Strings(titles)
		want := []string{
			"Cafe-Lumiere recalls a batch of X2 filters",        // Atom, hyphen and no accents
			"Café Lumière ouvre une deuxième boutique à Lyon",   // title
			"Recette du dimanche",                               // content:encoded, upper case
			"Test : la Cafetière X2 tient-elle ses promesses ?", // phrase
		}
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Fatalf("hits %q", titles)
		}
	})
	t.Run("maps_an_entry_to_a_listening_hit", func(t *testing.T) {
		hit := byTitle["Café Lumière ouvre une deuxième boutique à Lyon"]
		if hit.Kind != v1.KindListeningHit || hit.Network != "rss" || hit.Source != v1.SourcePoll || hit.SourceID != "veille" ||
			hit.Text != "Café Lumière ouvre une deuxième boutique à Lyon\n\nLa torréfaction parisienne s'installe rue Mercière.\n\nOuverture lundi." ||
			hit.URL != "https://cafeologue.example.fr/2026/11/cafe-lumiere-lyon/" || hit.Lang != "fr" ||
			hit.Author != (v1.Author{ID: "cafeologue.example.fr/Jean Dupont", DisplayName: "Jean Dupont"}) ||
			!hit.CreatedAt.Equal(time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC)) || !hexID.MatchString(hit.PlatformID) || hit.ID != "rss:"+hit.PlatformID {
			t.Fatalf("hit %+v", hit)
		}
		noAuthor := byTitle["Test : la Cafetière X2 tient-elle ses promesses ?"]
		if noAuthor.Author != (v1.Author{ID: "cafeologue.example.fr", DisplayName: "Le Petit Caféologue"}) {
			t.Fatalf("author from the feed: %+v", noAuthor.Author)
		}
		atom := byTitle["Cafe-Lumiere recalls a batch of X2 filters"]
		if atom.Author.DisplayName != "Ann Reporter" || atom.URL != "https://news.example.com/2026/11/23/recall" ||
			!strings.HasSuffix(atom.Text, "\n\nThe Paris roaster asks customers to check their filters.") {
			t.Fatalf("atom hit %+v", atom)
		}
	})
	t.Run("reports_a_malformed_feed_and_an_unreadable_entry_and_keeps_the_rest", func(t *testing.T) {
		var reasons []string
		for _, sk := range page.Skipped {
			reasons = append(reasons, sk.Reason)
		}
		if len(page.Skipped) != 2 || !strings.Contains(reasons[0]+reasons[1], "/broken.xml: malformed feed") ||
			!strings.Contains(reasons[0]+reasons[1], "entry without guid") {
			t.Fatalf("skipped %q", reasons)
		}
	})
	t.Run("platform_ids_are_stable_and_per_brand", func(t *testing.T) {
		again, err := rss.New(srv.Client()).Poll(ctx, src, "")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, it := range again.Items {
			ids[it.ID] = true
		}
		for _, it := range page.Items {
			if !ids[it.ID] {
				t.Fatalf("%s changed between two reads", it.ID)
			}
		}
		rival := src
		rival.Brand = "rival"
		other, err := rss.New(srv.Client()).Poll(ctx, rival, "")
		if err != nil || len(other.Items) != len(page.Items) {
			t.Fatalf("%+v %v", other, err)
		}
		for _, it := range other.Items {
			if ids[it.ID] {
				t.Fatalf("two brands share %s: the stream would drop one as a duplicate", it.ID)
			}
		}
	})
	t.Run("next_poll_is_conditional_and_yields_only_new_entries", func(t *testing.T) {
		next, err := r.Poll(ctx, src, page.Cursor)
		if err != nil || len(next.Items) != 0 {
			t.Fatalf("%+v %v", next.Items, err)
		}
		if f.notMod != 1 || f.lastIMS != blogLastModified {
			t.Fatalf("blog: %d not-modified answers, If-Modified-Since %q", f.notMod, f.lastIMS)
		}
		f.addItem("Café Lumière : la carte d'hiver", "https://cafeologue.example.fr/2026/11/hiver/")
		f.addItem("Sans rapport", "https://cafeologue.example.fr/2026/11/autre/")
		next, err = r.Poll(ctx, src, next.Cursor)
		if err != nil || len(next.Items) != 1 || !strings.HasPrefix(next.Items[0].Text, "Café Lumière : la carte d'hiver") {
			t.Fatalf("%+v %v", next.Items, err)
		}
		page = next
	})
	t.Run("waits_poll_interval_between_fetches_of_a_feed", func(t *testing.T) {
		quiet := rssSource(srv.URL, "/blog.xml")
		delete(quiet.Settings, connector.SettingPollInterval) // default: 10 minutes
		first, err := r.Poll(ctx, quiet, "")
		if err != nil {
			t.Fatal(err)
		}
		before := f.count("/blog.xml")
		if next, err := r.Poll(ctx, quiet, first.Cursor); err != nil || len(next.Items) != 0 || f.count("/blog.xml") != before {
			t.Fatalf("fetched again within the interval: %v", err)
		}
	})
	t.Run("honours_retry_after_per_feed", func(t *testing.T) {
		mixed := rssSource(srv.URL, "/blog.xml", "/limited.xml", "/down.xml")
		p, err := r.Poll(ctx, mixed, "")
		if err != nil || len(p.Items) != 4 || len(p.Skipped) != 3 { // limited, down, the blog's empty entry
			t.Fatalf("%d items, skipped %+v, %v", len(p.Items), p.Skipped, err)
		}
		limited := f.count("/limited.xml")
		if _, err := r.Poll(ctx, mixed, p.Cursor); err != nil || f.count("/limited.xml") != limited || f.count("/down.xml") != 2 {
			t.Fatalf("%v: limited fetched %d more times, down %d times", err, f.count("/limited.xml")-limited, f.count("/down.xml"))
		}
	})
	errCases := []struct {
		name  string
		feeds []string
		check func(error) bool
	}{
		{"every_feed_malformed", []string{"/broken.xml"}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "malformed feed")
		}},
		{"every_feed_rate_limited", []string{"/limited.xml"}, func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait == 2*time.Minute
		}},
		{"a_private_feed_does_not_park_the_source", []string{"/private.xml"}, func(err error) bool {
			return err != nil && !errors.Is(err, connector.ErrUnauthorized)
		}},
		{"every_feed_down", []string{"/down.xml", "/nowhere.xml"}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "502")
		}},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.Poll(ctx, rssSource(srv.URL, tc.feeds...), ""); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("a_feed_that_hangs_times_out_and_the_others_are_kept", func(t *testing.T) {
		tctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		p, err := rss.New(srv.Client()).Poll(tctx, rssSource(srv.URL, "/slow.xml", "/news.atom"), "")
		if err != nil || len(p.Items) != 1 || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0].Reason, "slow.xml") {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("an_unreadable_cursor_starts_again_from_the_newest", func(t *testing.T) {
		p, err := rss.New(srv.Client()).Poll(ctx, rssSource(srv.URL, "/news.atom"), "{not json")
		if err != nil || len(p.Items) != 1 || len(p.Skipped) != 1 || p.Skipped[0].Index != -1 {
			t.Fatalf("%+v %v", p, err)
		}
	})
}

func TestRSSBackfill(t *testing.T) {
	f, srv := newFakeFeeds(t)
	r := rss.New(srv.Client())
	src := rssSource(srv.URL, "/blog.xml", "/news.atom")
	ctx := context.Background()
	page, err := r.Poll(ctx, src, "")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var want []string
	for _, it := range page.Items {
		if !it.CreatedAt.Before(since) {
			want = append(want, it.ID)
		}
	}
	if len(want) == 0 || len(want) == len(page.Items) {
		t.Fatalf("the fixture must hold entries on both sides of %s: %d of %d", since, len(want), len(page.Items))
	}
	before := f.count("/blog.xml")
	got, pages := ingesttest.BackfillAll(t, ctx, r, src, since)
	t.Run("re_reads_the_entries_already_delivered_since_the_time", func(t *testing.T) {
		var ids []string
		for _, it := range got {
			ids = append(ids, it.ID)
		}
		slices.Sort(ids)
		slices.Sort(want)
		if pages != 1 || !slices.Equal(ids, want) {
			t.Fatalf("backfill = %v in %d pages, want %v", ids, pages, want)
		}
	})
	t.Run("fetches_without_validators", func(t *testing.T) {
		if f.count("/blog.xml") != before+1 || f.notMod != 0 {
			t.Fatalf("blog fetched %d times, %d not modified", f.count("/blog.xml")-before, f.notMod)
		}
	})
}

func TestRSSValidateSource(t *testing.T) {
	many := make([]string, rss.MaxFeeds+1)
	for i := range many {
		many[i] = fmt.Sprintf("https://blog%d.example.com/feed", i)
	}
	cases := []struct {
		name     string
		feeds    string
		keywords string
		ok       bool
	}{
		{"comma_and_newline_separated", "https://a.example.com/feed, https://b.example.com/rss\nhttps://c.example.com/atom", "Café Lumière", true},
		{"no_feed", "", "Café Lumière", false},
		{"not_http", "ftp://a.example.com/feed", "Café Lumière", false},
		{"relative_url", "/feed.xml", "Café Lumière", false},
		{"too_many_feeds", strings.Join(many, ","), "Café Lumière", false},
		{"no_keyword", "https://a.example.com/feed", " , ;", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := connector.Source{Brand: "demo", Network: "rss", Settings: map[string]string{rss.SettingFeeds: tc.feeds, rss.SettingKeywords: tc.keywords}}
			if err := rss.New(http.DefaultClient).ValidateSource(src); (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestKeywords(t *testing.T) {
	kws := rss.ParseKeywords(`Café Lumière, "cafetière X2"` + "\nBrûlerie Rivale; Œuvre")
	cases := []struct {
		name string
		text string
		want string
	}{
		{"exact", "Le Café Lumière ouvre", "Café Lumière"},
		{"no_accents_upper_case", "CAFE LUMIERE", "Café Lumière"},
		{"hyphen_and_punctuation", "«Café-Lumière», enfin !", "Café Lumière"},
		{"across_a_line_break", "café\nlumière", "Café Lumière"},
		{"decomposed_accents", "cafe\u0301 lumie\u0300re", "Café Lumière"},
		{"quoted_keyword", "la cafetière X2 fuit", "cafetière X2"},
		{"ligature", "une oeuvre", "Œuvre"},
		{"two_keywords", "Café Lumière ou Brûlerie Rivale ?", "Café Lumière,Brûlerie Rivale"},
		{"plural_is_another_word", "les cafés lumières", ""},
		{"words_in_another_order", "la lumière du café", ""},
		{"part_of_a_word", "cafetière X20", ""},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(kws.Match(tc.text), ","); got != tc.want {
				t.Fatalf("Match(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func FuzzRSSFeed(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "rss_blog.xml"))
	f.Add(ingesttest.ReadFile(f, "atom_news.xml"))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1","title":"Café Lumière","date_published":"2026-11-23T08:00:00Z"}]}`))
	src := rssSource("https://feeds.example.com", "/a.xml")
	kws := rss.ParseKeywords(src.Settings[rss.SettingKeywords])
	f.Fuzz(func(t *testing.T, body []byte) {
		items, _, err := rss.ParseFeed(body, "https://feeds.example.com/a.xml", src, kws, ingesttest.ReceivedAt)
		if err != nil {
			return
		}
		for _, r := range items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand || r.Kind != v1.KindListeningHit {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
	})
}

// FuzzKeywords checks that matching never panics and that every keyword
// matches its own text.
func FuzzKeywords(f *testing.F) {
	f.Add("Café Lumière, cafetière X2", "le café lumière")
	f.Add("Œuvre;\"l'Oréal\"", "L’ORÉAL")
	f.Fuzz(func(t *testing.T, keywords, text string) {
		kws := rss.ParseKeywords(keywords)
		_ = kws.Match(text)
		if got := kws.Match(keywords); len(got) != len(kws) {
			t.Fatalf("keywords %q: only %q match their own text", keywords, got)
		}
	})
}
