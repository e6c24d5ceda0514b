package mastodon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/mastodon"
)

// fakeMastodon speaks the part of the Mastodon API the connector uses:
// GET /api/v1/notifications with min_id paging and Link headers,
// verify_credentials, the account's statuses and their threads (context),
// the instance API and the streaming WebSocket (mastodon_stream_test.go),
// bearer tokens, and the error modes of a real server.
type fakeMastodon struct {
	mu       sync.Mutex
	notes    map[int]string // id → raw JSON notification
	token    string
	mode     string // "", "401", "429", "500", "garbage"
	requests atomic.Int32
	minIDs   []string

	statuses    []string            // the brand's statuses, newest first (raw JSON)
	threads     map[string][]string // status id → raw JSON descendants
	threadMode  string              // "", "401", "429", "500": answer of the context endpoint
	threadReads []string            // status ids whose context was read
	statusReads []string            // query of each statuses listing

	stream fakeStream
}

func newFakeMastodon(t *testing.T) (*fakeMastodon, *httptest.Server) {
	f := &fakeMastodon{notes: map[int]string{}, token: "tok-123", threads: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(f.dropStreams)
	return f, srv
}

func (f *fakeMastodon) setMode(field *string, mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*field = mode
}

func (f *fakeMastodon) add(id int, raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes[id] = raw
}

func (f *fakeMastodon) mention(id int, text, visibility string, replyToAccount string) string {
	reply := "null"
	if replyToAccount != "" {
		reply = strconv.Quote(replyToAccount)
	}
	return fmt.Sprintf(`{"id":"%d","type":"mention","created_at":"2026-11-23T08:%02d:00.000Z","account":{"id":"7","acct":"lea@piaille.fr"},
	  "status":{"id":"%d","created_at":"2026-11-23T08:%02d:00.000Z","in_reply_to_id":%s,"in_reply_to_account_id":%s,"visibility":"%s","language":"fr",
	  "url":"https://piaille.fr/@lea/%d","content":%q,"account":{"id":"7","acct":"lea@piaille.fr","display_name":"Léa","followers_count":42},
	  "media_attachments":[]}}`, id, id%60, id*10, id%60, map[bool]string{true: `"555"`, false: "null"}[replyToAccount != ""], reply, visibility, id*10, text)
}

func (f *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	switch r.URL.Path {
	case "/api/v1/streaming":
		f.serveStream(w, r)
		return
	case "/api/v2/instance", "/api/v1/instance": // public
		f.serveInstance(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"The access token is invalid"}`)
		return
	}
	switch path := r.URL.Path; {
	case path == "/api/v1/notifications":
		if errorMode(w, f.mode) {
			return
		}
		f.serveNotifications(w, r)
	case path == "/api/v1/accounts/verify_credentials":
		fmt.Fprint(w, `{"id":"555","acct":"cafe","display_name":"Café Lumière"}`)
	case path == "/api/v1/accounts/555/statuses":
		f.statusReads = append(f.statusReads, r.URL.RawQuery)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		fmt.Fprint(w, "["+strings.Join(f.statuses[:min(limit, len(f.statuses))], ",")+"]")
	case strings.HasPrefix(path, "/api/v1/statuses/") && strings.HasSuffix(path, "/context"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/statuses/"), "/context")
		if errorMode(w, f.threadMode) {
			return
		}
		replies, ok := f.threads[id]
		if !ok {
			// A reply of a thread: its conversation starts at the root.
			if root := f.rootOf(id); root != "" {
				fmt.Fprintf(w, `{"ancestors":[{"id":%q}],"descendants":[]}`, root)
				return
			}
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"Record not found"}`)
			return
		}
		f.threadReads = append(f.threadReads, id)
		fmt.Fprintf(w, `{"ancestors":[],"descendants":[%s]}`, strings.Join(replies, ","))
	default:
		http.NotFound(w, r)
	}
}

// rootOf is the thread (the brand's status) that holds reply id, or "".
func (f *fakeMastodon) rootOf(id string) string {
	for root, replies := range f.threads {
		for _, raw := range replies {
			var s struct {
				ID string `json:"id"`
			}
			if json.Unmarshal([]byte(raw), &s) == nil && s.ID == id {
				return root
			}
		}
	}
	return ""
}

// errorMode answers as a server in trouble would, and reports whether it did.
func errorMode(w http.ResponseWriter, mode string) bool {
	switch mode {
	case "401":
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"The access token was revoked"}`)
	case "429":
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(90*time.Second).UTC().Format(time.RFC3339Nano))
		w.WriteHeader(429)
	case "403":
		w.WriteHeader(403)
		fmt.Fprint(w, `{"error":"This action is outside the authorized scopes"}`)
	case "500":
		w.WriteHeader(503)
	case "garbage":
		fmt.Fprint(w, `<html>oops`)
	default:
		return false
	}
	return true
}

func (f *fakeMastodon) serveNotifications(w http.ResponseWriter, r *http.Request) {
	minID, _ := strconv.Atoi(r.URL.Query().Get("min_id"))
	maxID, _ := strconv.Atoi(r.URL.Query().Get("max_id"))
	f.minIDs = append(f.minIDs, r.URL.Query().Get("min_id"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	var ids []int
	for id := range f.notes {
		if id > minID && (maxID == 0 || id < maxID) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	if minID == 0 && len(ids) > limit { // no min_id: the newest page (below max_id)
		ids = ids[len(ids)-limit:]
	}
	if len(ids) > limit { // min_id: the page just after it
		ids = ids[:limit]
	}
	out := make([]string, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, f.notes[ids[i]])
	}
	if len(ids) > 0 {
		base := "http://" + r.Host + "/api/v1/notifications"
		w.Header().Set("Link", fmt.Sprintf(`<%s?max_id=%d>; rel="next", <%s?min_id=%d>; rel="prev"`, base, ids[0], base, ids[len(ids)-1]))
	}
	fmt.Fprint(w, "["+strings.Join(out, ",")+"]")
}

// minID is the notification id a Mastodon cursor resumes after.
func minID(t *testing.T, cursor string) string {
	t.Helper()
	var c struct {
		MinID string `json:"min_id"`
	}
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		t.Fatalf("cursor %q: %v", cursor, err)
	}
	return c.MinID
}

func mastodonSource(url string) connector.Source {
	return connector.Source{ID: "masto", Brand: "demo", Network: "mastodon", Account: "555",
		Settings: map[string]string{mastodon.SettingServer: url}, Secrets: map[string]string{mastodon.Token: "tok-123"}}
}

func TestMastodonPoll(t *testing.T) {
	f, srv := newFakeMastodon(t)
	m := mastodon.New(srv.Client())
	src := mastodonSource(srv.URL)
	f.add(1, f.mention(1, "<p>Bonjour <span class=\"h-card\"><a href=\"x\">@cafe</a></span>, vous livrez à Lyon&nbsp;?</p><p>Merci</p>", "public", ""))
	f.add(2, f.mention(2, "<p>Oui, merci !</p>", "public", "555"))
	f.add(3, f.mention(3, "<p>mon numéro de commande</p>", "direct", ""))
	f.add(4, `{"id":"4","type":"mention","status":{"id":"40","created_at":"not a date"}}`)
	f.add(5, `{"id":"5","type":"favourite","account":{"id":"9"}}`)

	page, err := m.Poll(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("maps_mentions_replies_and_dms", func(t *testing.T) {
		if len(page.Items) != 3 {
			t.Fatalf("items %+v skipped %+v", page.Items, page.Skipped)
		}
		byKind := map[v1.Kind]v1.Received{}
		for _, r := range page.Items {
			byKind[r.Kind] = r
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		men := byKind[v1.KindMention]
		if men.ID != "mastodon:"+host+"/10" || men.Text != "Bonjour @cafe, vous livrez à Lyon\u00a0?\n\nMerci" || men.Author.Handle != "@lea@piaille.fr" || men.Lang != "fr" || men.Source != v1.SourcePoll {
			t.Fatalf("mention %+v", men)
		}
		if byKind[v1.KindReply].PlatformID != host+"/20" || byKind[v1.KindDM].PlatformID != host+"/30" {
			t.Fatalf("reply/dm %+v", byKind)
		}
	})
	t.Run("skips_a_malformed_item_and_keeps_the_rest", func(t *testing.T) {
		if len(page.Skipped) != 1 {
			t.Fatalf("skipped %+v", page.Skipped)
		}
	})
	t.Run("cursor_is_the_newest_notification", func(t *testing.T) {
		if minID(t, page.Cursor) != "5" || page.More {
			t.Fatalf("cursor %q more %v", page.Cursor, page.More)
		}
		next, err := m.Poll(context.Background(), src, page.Cursor)
		if err != nil || len(next.Items) != 0 || minID(t, next.Cursor) != "5" {
			t.Fatalf("next %+v %v", next, err)
		}
	})
	t.Run("pages_through_a_backlog", func(t *testing.T) {
		for id := 100; id < 150; id++ {
			f.add(id, f.mention(id, "<p>rafale</p>", "public", ""))
		}
		first, err := m.Poll(context.Background(), src, "5") // a cursor stored by an older version
		if err != nil || len(first.Items) != 40 || !first.More || minID(t, first.Cursor) != "139" {
			t.Fatalf("first page: %d items, more %v, cursor %q, %v", len(first.Items), first.More, first.Cursor, err)
		}
		second, err := m.Poll(context.Background(), src, first.Cursor)
		if err != nil || len(second.Items) != 10 || second.More || minID(t, second.Cursor) != "149" {
			t.Fatalf("second page: %d items, more %v, cursor %q, %v", len(second.Items), second.More, second.Cursor, err)
		}
	})
	errCases := []struct {
		mode  string
		check func(error) bool
	}{
		{"401", func(err error) bool { return errors.Is(err, connector.ErrUnauthorized) }},
		{"429", func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait > 80*time.Second && rl.Wait <= 90*time.Second
		}},
		{"500", func(err error) bool { return err != nil && strings.Contains(err.Error(), "503") }},
		{"garbage", func(err error) bool { return err != nil && strings.Contains(err.Error(), "malformed") }},
	}
	for _, tc := range errCases {
		t.Run("reports_"+tc.mode, func(t *testing.T) {
			f.mu.Lock()
			f.mode = tc.mode
			f.mu.Unlock()
			defer func() { f.mu.Lock(); f.mode = ""; f.mu.Unlock() }()
			if _, err := m.Poll(context.Background(), src, "149"); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("backfill_pages_back_to_since", func(t *testing.T) {
		// Ids 1..149 are at minute id%60 of 08:00; since 08:30 keeps minutes >= 30.
		since := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
		got, pages := ingesttest.BackfillAll(t, context.Background(), m, src, since)
		// The first page (ids 110..149) holds minutes 50..59 (kept) and
		// 0..29 (before since): it reaches since, so the notifications stop
		// there; a second step lists the brand's statuses for threads to
		// read (none here).
		if pages != 2 || len(got) != 10 {
			t.Fatalf("%d pages, %d items", pages, len(got))
		}
	})
	t.Run("times_out", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
		defer slow.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if _, err := m.Poll(ctx, mastodonSource(slow.URL), ""); err == nil {
			t.Fatal("no timeout")
		}
	})
}

func TestPollLoop(t *testing.T) {
	f, srv := newFakeMastodon(t)
	for id := 1; id <= 45; id++ {
		f.add(id, f.mention(id, fmt.Sprintf("<p>message %d</p>", id), "public", ""))
	}
	svc, conn := newIngest(t)
	put := func(token string) {
		src := mastodonSource(srv.URL)
		spec := query.SourceSpec{ID: src.ID, Brand: src.Brand, Network: src.Network, Account: src.Account, Settings: src.Settings, Secrets: map[string]string{mastodon.Token: token}}
		if code, body := ingesttest.Request(t, conn.NC, query.PutSourceSubject, query.PutSourceRequest{Source: spec}); code != "" {
			t.Fatalf("put = %s %s", code, body)
		}
	}
	put("tok-123")
	received := func() uint64 { return ingesttest.Count(t, conn) }
	t.Run("publishes_the_newest_page_once_then_new_items", func(t *testing.T) {
		ingesttest.WaitUntil(t, "the first page", func() bool { return received() == 40 })
		f.add(46, f.mention(46, "<p>nouveau</p>", "public", ""))
		ingesttest.WaitUntil(t, "the new item", func() bool { return received() == 41 })
		time.Sleep(1500 * time.Millisecond) // another poll or two: nothing new
		if n := received(); n != 41 {
			t.Fatalf("stream holds %d, want 41", n)
		}
		f.mu.Lock()
		last := f.minIDs[len(f.minIDs)-1]
		f.mu.Unlock()
		if last != "46" {
			t.Fatalf("last poll used min_id %q, want the stored cursor 46", last)
		}
	})
	t.Run("revoked_token_marks_unhealthy_and_stops_polling", func(t *testing.T) {
		f.mu.Lock()
		f.token = "rotated"
		f.mu.Unlock()
		var h query.SourceHealth
		ingesttest.WaitUntil(t, "unhealthy", func() bool {
			svc.FlushHealth(context.Background())
			_, body := ingesttest.Request(t, conn.NC, query.ListSourcesSubject, query.ListSourcesRequest{Brand: "demo"})
			var resp query.ListSourcesResponse
			_ = json.Unmarshal(body, &resp)
			for _, s := range resp.Sources {
				if s.ID == "masto" {
					h = s.Health
				}
			}
			return h.Status == query.HealthUnhealthy
		})
		if !strings.Contains(h.LastErrorText, "credentials refused") {
			t.Fatalf("health %+v", h)
		}
		before := f.requests.Load()
		time.Sleep(2500 * time.Millisecond) // poll interval is 1s: a retry loop would show
		if n := f.requests.Load() - before; n != 0 {
			t.Fatalf("%d requests after a 401", n)
		}
	})
	t.Run("updated_token_resumes_from_the_cursor", func(t *testing.T) {
		f.add(47, f.mention(47, "<p>après rotation</p>", "public", ""))
		put("rotated")
		ingesttest.WaitUntil(t, "the item after rotation", func() bool { return received() == 42 })
	})
	t.Run("backfill_reads_history_once_even_when_run_twice", func(t *testing.T) {
		// Ids 1..5 were never read: the first poll started at the newest 40.
		since := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		for run := 0; run < 2; run++ {
			code, body := ingesttest.Request(t, conn.NC, query.BackfillSourceSubject, query.BackfillSourceRequest{Brand: "demo", ID: "masto", Since: since})
			if code != "" {
				t.Fatalf("backfill = %s %s", code, body)
			}
			ingesttest.WaitUntil(t, "the history", func() bool { return received() == 47 })
		}
		time.Sleep(1500 * time.Millisecond)
		if n := received(); n != 47 {
			t.Fatalf("stream holds %d after two backfills, want 47", n)
		}
	})
	t.Run("backfill_is_refused_for_webhook_sources_and_other_brands", func(t *testing.T) {
		since := time.Now().Add(-time.Hour)
		if code, _ := ingesttest.Request(t, conn.NC, query.BackfillSourceSubject, query.BackfillSourceRequest{Brand: "demo", ID: "site", Since: since}); code != query.CodeBadRequest {
			t.Fatalf("webhook source backfill = %q", code)
		}
		if code, _ := ingesttest.Request(t, conn.NC, query.BackfillSourceSubject, query.BackfillSourceRequest{Brand: "rival", ID: "masto", Since: since}); code != query.CodeNotFound {
			t.Fatalf("other brand's backfill = %q", code)
		}
	})
}
