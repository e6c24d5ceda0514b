// Package rss is e-reputation listening: the entries of feeds (blogs, news,
// forums) that match a brand's keywords.
package rss

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// RSS listening source settings.
const (
	// RSSFeeds is the setting holding the feed URLs (RSS, Atom or JSON
	// Feed), comma- or newline-separated: blogs, news, forums.
	SettingFeeds = "feeds"
	// RSSKeywords is the setting holding the brand's queries, comma- or
	// newline-separated (see Keywords).
	SettingKeywords = "keywords"
	// RSSDefaultInterval is the least time between two fetches of a feed
	// unless the source's poll_interval says otherwise: polite to blogs
	// and forums.
	DefaultInterval = 10 * time.Minute
	// RSSMaxFeeds bounds the feeds of one source.
	MaxFeeds   = 50
	rssMaxBody = 10 << 20
	// rssFeedTimeout bounds one feed's fetch, within the poll's timeout.
	rssFeedTimeout = 20 * time.Second
	rssParallel    = 4
	// rssSeenMax bounds the items a feed's cursor remembers.
	rssSeenMax = 500
	// rssSummaryMax bounds the summary kept in an interaction's text.
	rssSummaryMax = 4 << 10
	rssUserAgent  = "Ruche-Listening/1 (+https://github.com/ruche-project/ruche)"
)

// Connector is e-reputation listening: it reads feeds (blogs, news, forums) and
// turns each entry that matches one of the brand's keywords into a
// listening_hit interaction. Fetches are conditional (ETag,
// Last-Modified), no more often than the source's interval, and a 429 or
// 503 with Retry-After keeps that feed quiet as long as asked. A feed that
// fails (unreachable, malformed) is reported in Page.Skipped (Index is
// then the feed's position in the setting) and the other feeds are still
// read; the poll fails only when every feed does.
//
// The cursor maps each feed URL to what was seen of it: validators, when
// it was fetched, and short hashes of the entries it held (an entry is new
// when its hash is not there).
type Connector struct {
	client *http.Client
	now    func() time.Time
}

// New returns a poller using client (an outbound-guarded client in
// production).
func New(client *http.Client) *Connector {
	return &Connector{client: client, now: time.Now}
}

// Name implements connector.Poller.
func (*Connector) Name() string { return "rss" }

// RequiredSecrets implements connector.Poller: feeds are public.
func (*Connector) RequiredSecrets() []string { return nil }

// ValidateSource checks the feeds, keywords and poll_interval settings.
func (*Connector) ValidateSource(src connector.Source) error {
	_, _, _, err := rssSettings(src)
	return err
}

func rssSettings(src connector.Source) (feeds []string, kws Keywords, every time.Duration, err error) {
	for _, f := range strings.FieldsFunc(src.Settings[SettingFeeds], func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\t' || r == '\r' }) {
		u, perr := url.Parse(f)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, nil, 0, fmt.Errorf("settings.%s: %q is not an http(s) URL", SettingFeeds, f)
		}
		if !slices.Contains(feeds, f) {
			feeds = append(feeds, f)
		}
	}
	if len(feeds) == 0 || len(feeds) > MaxFeeds {
		return nil, nil, 0, fmt.Errorf("settings.%s must list 1 to %d feed URLs", SettingFeeds, MaxFeeds)
	}
	if kws = ParseKeywords(src.Settings[SettingKeywords]); len(kws) == 0 {
		return nil, nil, 0, fmt.Errorf("settings.%s must hold at least one keyword (brand name, products, competitors)", SettingKeywords)
	}
	every, err = connector.IntervalSetting(src, DefaultInterval)
	return feeds, kws, every, err
}

// rssFeedState is what the cursor keeps of one feed.
type rssFeedState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lm,omitempty"`
	Checked      time.Time `json:"checked,omitzero"`
	RetryAt      time.Time `json:"retry_at,omitzero"`
	Newest       time.Time `json:"newest,omitzero"`
	Seen         []string  `json:"seen,omitempty"`
}

// Poll implements connector.Poller: the new matching entries of every feed due.
func (r *Connector) Poll(ctx context.Context, src connector.Source, cursor string) (connector.Page, error) {
	feeds, kws, every, err := rssSettings(src)
	if err != nil {
		return connector.Page{}, err
	}
	state := map[string]rssFeedState{}
	out := connector.Page{Skipped: connector.DecodeCursor(cursor, &state)}
	now := r.now().UTC()
	type result struct {
		items   []v1.Received
		skipped []connector.Skipped
		state   rssFeedState
		err     error
	}
	results := make([]*result, len(feeds))
	var wg sync.WaitGroup
	sem := make(chan struct{}, rssParallel)
	for i, f := range feeds {
		st := state[f]
		if now.Before(st.RetryAt) || !st.Checked.IsZero() && now.Sub(st.Checked) < every {
			continue
		}
		results[i] = &result{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res := results[i]
			res.items, res.skipped, res.state, res.err = r.feed(ctx, src, f, st, kws, now)
		}()
	}
	wg.Wait()
	next := map[string]rssFeedState{}
	var failed, tried int
	var firstErr error
	var firstFeed string
	var limited *connector.RateLimitedError
	for i, f := range feeds {
		res := results[i]
		if res == nil {
			if st, ok := state[f]; ok {
				next[f] = st
			}
			continue
		}
		tried++
		next[f] = res.state
		if res.err != nil {
			failed++
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: fmt.Sprintf("feed %s: %v", f, res.err)})
			var rl *connector.RateLimitedError
			if errors.As(res.err, &rl) && (limited == nil || rl.Wait < limited.Wait) {
				limited = rl
			} else if !errors.As(res.err, &rl) && firstErr == nil {
				firstErr, firstFeed = res.err, f
			}
			continue
		}
		out.Items = append(out.Items, res.items...)
		out.Skipped = append(out.Skipped, res.skipped...)
	}
	if tried > 0 && failed == tried && tried == len(feeds) {
		// Nothing could be read: the source is failing. Errors are
		// flattened (%v) so that a feed's 401 does not park the source.
		if firstErr == nil && limited != nil {
			return connector.Page{}, limited
		}
		return connector.Page{}, fmt.Errorf("rss: all %d feeds failed, e.g. %s: %v", tried, firstFeed, firstErr)
	}
	out.Cursor = connector.EncodeCursor(next)
	return out, nil
}

// Backfill implements connector.Backfiller: a feed carries its recent
// entries (the last ten to a few hundred), so history is what the feeds
// hold now. Every feed is fetched again, unconditionally, and its matching
// entries since the given time come back, those already delivered too
// (first-seen makes them no-ops); the poll's cursor is left as it was.
func (r *Connector) Backfill(ctx context.Context, src connector.Source, since time.Time, _ string) (connector.Page, error) {
	p, err := r.Poll(ctx, src, "")
	if err != nil {
		return connector.Page{}, err
	}
	p.Items = slices.DeleteFunc(p.Items, func(it v1.Received) bool { return it.CreatedAt.Before(since) })
	p.Cursor, p.More = "", false
	return p, nil
}

// feed fetches and reads one feed; the state returned is the feed's next
// one, also when it failed (so a failing feed waits for the interval too).
func (r *Connector) feed(ctx context.Context, src connector.Source, feedURL string, st rssFeedState, kws Keywords, now time.Time) ([]v1.Received, []connector.Skipped, rssFeedState, error) {
	ctx, cancel := context.WithTimeout(ctx, rssFeedTimeout)
	defer cancel()
	next := st
	next.Checked = now
	body, resp, err := r.fetch(ctx, feedURL, st)
	if err != nil {
		var rl *connector.RateLimitedError
		if errors.As(err, &rl) {
			next.RetryAt = now.Add(rl.Wait)
		}
		return nil, nil, next, err
	}
	if resp.StatusCode == http.StatusNotModified {
		return nil, nil, next, nil
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, next, fmt.Errorf("malformed feed: %w", err)
	}
	items, skipped, seen, newest := rssItems(feed, feedURL, st, kws, src, now)
	next.ETag, next.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	next.Seen, next.Newest = seen, newest
	return items, skipped, next, nil
}

// fetch GETs a feed, conditionally when validators are known.
func (r *Connector) fetch(ctx context.Context, feedURL string, st rssFeedState) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feedURL, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", rssUserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5")
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, resp, nil
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return nil, nil, &connector.RateLimitedError{Wait: connector.RetryWait(resp.Header, r.now())}
	}
	if err := connector.StatusError(resp, r.now()); err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, rssMaxBody+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > rssMaxBody {
		return nil, nil, fmt.Errorf("feed larger than %d MB", rssMaxBody>>20)
	}
	return body, resp, nil
}

// rssItems picks the new entries of a feed that match a keyword. It
// returns them, the entries it could not read, and the feed's seen hashes
// (this fetch's first, then older ones, up to rssSeenMax) and newest date.
func rssItems(feed *gofeed.Feed, feedURL string, st rssFeedState, kws Keywords, src connector.Source, now time.Time) ([]v1.Received, []connector.Skipped, []string, time.Time) {
	seen := map[string]bool{}
	for _, h := range st.Seen {
		seen[h] = true
	}
	var items []v1.Received
	var skipped []connector.Skipped
	var current []string
	newest := st.Newest
	site := connector.HostOf(feedURL)
	if u, err := url.Parse(feed.Link); err == nil && u.Host != "" {
		site = u.Host
	}
	for i, it := range feed.Items {
		if it == nil {
			continue
		}
		key := rssItemKey(feedURL, it)
		if key == "" {
			skipped = append(skipped, connector.Skipped{Index: i, Reason: fmt.Sprintf("feed %s: entry without guid, link, title or description", feedURL)})
			continue
		}
		h := shortHash(key)
		if slices.Contains(current, h) {
			continue // the same entry twice in a feed
		}
		current = append(current, h)
		at := rssItemTime(it, now)
		if at.After(newest) && at.Before(now.Add(time.Minute)) {
			newest = at
		}
		if seen[h] {
			continue
		}
		summary := it.Description
		if strings.TrimSpace(connector.HTMLText(summary)) == "" {
			summary = it.Content
		}
		title, plain := rssPlain(it.Title), rssPlain(summary)
		if kws.Match(title+"\n"+plain+"\n"+rssPlain(it.Content)) == nil {
			continue
		}
		rec := rssInteraction(feed, it, key, title, plain, at, site, src, now)
		if err := rec.Validate(); err != nil {
			skipped = append(skipped, connector.Skipped{Index: i, Reason: fmt.Sprintf("feed %s: %v", feedURL, err)})
			continue
		}
		items = append(items, rec)
	}
	all := current
	for _, h := range st.Seen {
		if len(all) >= max(rssSeenMax, len(current)) {
			break
		}
		if !slices.Contains(current, h) {
			all = append(all, h)
		}
	}
	if len(all) > rssSeenMax {
		all = all[:rssSeenMax]
	}
	return items, skipped, all, newest
}

func rssInteraction(feed *gofeed.Feed, it *gofeed.Item, key, title, summary string, at time.Time, site string, src connector.Source, now time.Time) v1.Received {
	text := title
	if summary != "" {
		text += "\n\n" + connector.TruncateUTF8(summary, rssSummaryMax)
	}
	r := v1.Received{
		Brand: src.Brand, Network: "rss", Account: src.Account, Kind: v1.KindListeningHit,
		// The brand is in the hash: two brands listening to the same
		// article are two interactions (an event id is also the stream's
		// dedup key).
		PlatformID: rssPlatformID(src.Brand, key), Text: text, CreatedAt: at, ReceivedAt: now,
		Source: v1.SourcePoll, SourceID: src.ID, Lang: rssLang(feed.Language),
		Author: v1.Author{ID: site, DisplayName: strings.TrimSpace(feed.Title)},
	}
	r.ID = v1.InteractionID(r.Network, r.PlatformID)
	if name := rssAuthor(it); name != "" {
		r.Author.ID, r.Author.DisplayName = site+"/"+name, name
	}
	if r.Author.DisplayName == "" {
		r.Author.DisplayName = site
	}
	if u, err := url.Parse(it.Link); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		r.URL = it.Link
	}
	for _, e := range it.Enclosures {
		if e == nil {
			continue
		}
		if kind, _, _ := strings.Cut(e.Type, "/"); (kind == "image" || kind == "video") && strings.HasPrefix(e.URL, "http") {
			r.Media = append(r.Media, v1.Media{Type: kind, URL: e.URL})
		}
	}
	return r
}

// rssItemKey names an entry: its guid when it is global (a URL, a tag: or
// urn: URI), else its link, else its guid, title or description within the
// feed; "" when it has none of them.
func rssItemKey(feedURL string, it *gofeed.Item) string {
	guid, link := strings.TrimSpace(it.GUID), strings.TrimSpace(it.Link)
	switch {
	case strings.Contains(guid, ":") || strings.Contains(guid, "/"):
		return guid
	case link != "":
		return link
	case guid != "":
		return feedURL + "#" + guid
	case strings.TrimSpace(it.Title) != "":
		return feedURL + "#" + strings.TrimSpace(it.Title) + "#" + it.Published
	case strings.TrimSpace(it.Description) != "": // RSS allows an item of a description alone
		return feedURL + "#" + shortHash(it.Description) + "#" + it.Published
	}
	return ""
}

func rssPlatformID(brand, key string) string {
	sum := sha256.Sum256([]byte(brand + "\n" + key))
	return hex.EncodeToString(sum[:16])
}

func shortHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// rssItemTime is the entry's publication (or update) date; an entry
// without one, or dated in the future, is dated now.
func rssItemTime(it *gofeed.Item, now time.Time) time.Time {
	for _, t := range []*time.Time{it.PublishedParsed, it.UpdatedParsed} {
		if t != nil && !t.IsZero() && t.Year() > 1970 && !t.After(now.Add(24*time.Hour)) {
			return t.UTC()
		}
	}
	return now
}

func rssAuthor(it *gofeed.Item) string {
	for _, p := range it.Authors {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			return strings.TrimSpace(p.Name)
		}
	}
	if it.Author != nil {
		return strings.TrimSpace(it.Author.Name)
	}
	return ""
}

var langRe = regexp.MustCompile(`^[a-z]{2,3}$`)

// rssLang is the primary subtag of the feed's language ("fr-FR" → "fr").
func rssLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s, _, _ = strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	if langRe.MatchString(s) {
		return s
	}
	return ""
}

var (
	spacesRe = regexp.MustCompile(`[ \t\r\f\v\x{a0}]+`)
	blanksRe = regexp.MustCompile(`\s*\n\s*\n\s*`)
)

// rssPlain turns a feed's HTML (or plain text) into tidy plain text.
func rssPlain(s string) string {
	s = spacesRe.ReplaceAllString(connector.HTMLText(s), " ")
	s = blanksRe.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}
