package bluesky_test

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
	"github.com/ruche-project/ruche/services/ingest/bluesky"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

var blueskyBase = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fakeBluesky speaks the part of the AT Protocol the poller uses: sessions
// (createSession, refreshSession with single-use refresh tokens, access
// tokens that expire with 400 ExpiredToken) and listNotifications (newest
// first, keyset cursor "<sortAt ms>::<seq>", the reasons filter), with the
// error modes of a real PDS; getPosts (the AppView's post views, through
// the PDS); and a Jetstream instance (fake_jetstream_test.go).
type fakeBluesky struct {
	mu         sync.Mutex
	notes      map[int]fakeNote // by seq
	identifier string
	password   string
	access     map[string]bool // valid access tokens
	expired    map[string]bool
	refresh    map[string]bool
	issued     int
	mode       string // "", "429", "500", "garbage"
	logins     atomic.Int32
	refreshes  atomic.Int32
	lists      atomic.Int32
	reasons    []string
	posts      map[string]fakePost // by uri: what getPosts serves
	postsDown  bool                // getPosts answers 502
	getPosts   atomic.Int32
	maxURIs    int // the most uris one getPosts asked for
	jet        fakeJetstream
}

// fakePost is a post record as the AppView serves it.
type fakePost struct {
	did, rkey, cid, text string
}

type fakeNote struct {
	at  time.Time
	raw string
}

func newFakeBluesky(t *testing.T) (*fakeBluesky, *httptest.Server) {
	f := &fakeBluesky{notes: map[int]fakeNote{}, identifier: "cafe-lumiere.bsky.social", password: "abcd-efgh-ijkl-mnop",
		access: map[string]bool{}, expired: map[string]bool{}, refresh: map[string]bool{}, posts: map[string]fakePost{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

// note adds a notification indexed at blueskyBase + seq seconds.
func (f *fakeBluesky) note(seq int, reason, text string) {
	at := blueskyBase.Add(time.Duration(seq) * time.Second)
	author := fmt.Sprintf("did:plc:fan%d", seq%3)
	uri := fmt.Sprintf("at://%s/app.bsky.feed.post/3lfan%04d", author, seq)
	reply := ""
	if reason == "reply" {
		reply = `,"reply":{"root":{"uri":"at://did:plc:cafe/app.bsky.feed.post/3lroot","cid":"bafyroot"},"parent":{"uri":"at://did:plc:cafe/app.bsky.feed.post/3lparent","cid":"bafyparent"}}`
	}
	f.mu.Lock()
	f.posts[uri] = fakePost{did: author, rkey: fmt.Sprintf("3lfan%04d", seq), cid: fmt.Sprintf("bafy%d", seq), text: text}
	f.mu.Unlock()
	f.add(seq, at, fmt.Sprintf(`{"uri":%q,"cid":"bafy%d","author":{"did":%q,"handle":"fan%d.bsky.social","displayName":"Fan %d","avatar":"https://cdn.bsky.app/a.jpg","labels":[],"createdAt":"2024-01-01T00:00:00.000Z"},
	  "reason":%q,"reasonSubject":"at://did:plc:cafe/app.bsky.feed.post/3lbrand","isRead":false,"indexedAt":%q,"labels":[],
	  "record":{"$type":"app.bsky.feed.post","text":%q,"createdAt":%q,"langs":["fr"]%s}}`,
		uri, seq, author, seq%3, seq%3, reason, at.Format("2006-01-02T15:04:05.000Z"), text, at.Add(-2*time.Second).Format(time.RFC3339Nano), reply))
}

func (f *fakeBluesky) add(seq int, at time.Time, raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes[seq] = fakeNote{at: at, raw: raw}
}

func (f *fakeBluesky) set(fn func(f *fakeBluesky)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeBluesky) issue() map[string]string {
	f.issued++
	a, r := fmt.Sprintf("acc-%d", f.issued), fmt.Sprintf("ref-%d", f.issued)
	f.access[a], f.refresh[r] = true, true
	return map[string]string{"accessJwt": a, "refreshJwt": r, "handle": f.identifier, "did": "did:plc:cafe"}
}

func xrpcError(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"message":%q}`, name, msg)
}

func (f *fakeBluesky) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/subscribe" { // long-lived: it takes the lock itself
		f.serveJetstream(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch r.URL.Path {
	case "/xrpc/com.atproto.server.createSession":
		f.logins.Add(1)
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil {
			xrpcError(w, 400, "InvalidRequest", "Input must be an object")
			return
		}
		if in.Identifier != f.identifier || in.Password != f.password {
			xrpcError(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		_ = json.NewEncoder(w).Encode(f.issue())
	case "/xrpc/com.atproto.server.refreshSession":
		f.refreshes.Add(1)
		if !f.refresh[token] {
			xrpcError(w, 400, "ExpiredToken", "Token has expired")
			return
		}
		delete(f.refresh, token) // single use
		_ = json.NewEncoder(w).Encode(f.issue())
	case "/xrpc/app.bsky.notification.listNotifications":
		f.lists.Add(1)
		switch {
		case f.expired[token]:
			xrpcError(w, 400, "ExpiredToken", "Token has expired")
			return
		case !f.access[token]:
			xrpcError(w, 401, "AuthenticationRequired", "Invalid token")
			return
		case f.mode == "429":
			w.Header().Set("RateLimit-Limit", "3000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(90*time.Second).Unix(), 10))
			xrpcError(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
			return
		case f.mode == "500":
			xrpcError(w, 502, "UpstreamFailure", "upstream failed")
			return
		case f.mode == "garbage":
			fmt.Fprint(w, `{"notifications":[{`)
			return
		}
		f.listNotifications(w, r)
	case "/xrpc/app.bsky.feed.getPosts":
		f.getPosts.Add(1)
		switch {
		case !f.access[token]:
			xrpcError(w, 401, "AuthenticationRequired", "Invalid token")
		case f.postsDown:
			xrpcError(w, 502, "UpstreamFailure", "upstream failed")
		default:
			f.servePosts(w, r)
		}
	default:
		xrpcError(w, 404, "MethodNotImplemented", "Method Not Implemented")
	}
}

func (f *fakeBluesky) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		xrpcError(w, 400, "InvalidRequest", "limit must be between 1 and 100")
		return
	}
	f.reasons = q["reasons"]
	var seqs []int
	for seq, n := range f.notes {
		keep := len(f.reasons) == 0
		for _, reason := range f.reasons {
			keep = keep || strings.Contains(n.raw, `"reason":"`+reason+`"`)
		}
		if keep {
			seqs = append(seqs, seq)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { // newest first: sortAt desc, then seq desc
		a, b := f.notes[seqs[i]].at, f.notes[seqs[j]].at
		if !a.Equal(b) {
			return a.After(b)
		}
		return seqs[i] > seqs[j]
	})
	if c := q.Get("cursor"); c != "" {
		ms, seqStr, ok := strings.Cut(c, "::")
		cms, err1 := strconv.ParseInt(ms, 10, 64)
		cseq, err2 := strconv.Atoi(seqStr)
		if !ok || err1 != nil || err2 != nil {
			xrpcError(w, 400, "InvalidRequest", "malformed cursor")
			return
		}
		var older []int
		for _, s := range seqs {
			at := f.notes[s].at.UnixMilli()
			if at < cms || at == cms && s < cseq {
				older = append(older, s)
			}
		}
		seqs = older
	}
	if len(seqs) > limit {
		seqs = seqs[:limit]
	}
	raws := make([]string, 0, len(seqs))
	for _, s := range seqs {
		raws = append(raws, f.notes[s].raw)
	}
	cursor := ""
	if len(seqs) > 0 { // the appview gives a cursor whenever the page is not empty
		last := seqs[len(seqs)-1]
		cursor = fmt.Sprintf(`,"cursor":"%d::%d"`, f.notes[last].at.UnixMilli(), last)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"notifications":[%s],"priority":false,"seenAt":"2026-11-01T00:00:00.000Z"%s}`, strings.Join(raws, ","), cursor)
}

func blueskySource(url string) connector.Source {
	return connector.Source{ID: "bsky", Brand: "demo", Network: "bluesky", Account: "did:plc:cafe",
		Settings: map[string]string{bluesky.SettingService: url},
		Secrets:  map[string]string{bluesky.Identifier: "cafe-lumiere.bsky.social", bluesky.AppPassword: "abcd-efgh-ijkl-mnop"}}
}

func TestBlueskyPoll(t *testing.T) {
	f, srv := newFakeBluesky(t)
	b := bluesky.New(srv.Client())
	src := blueskySource(srv.URL)
	ctx := context.Background()
	f.note(1, "reply", "Vous livrez à Lyon ?")
	f.note(2, "mention", "@cafe-lumiere.bsky.social meilleur café de Paris")
	f.note(3, "quote", "regardez ça")
	f.note(4, "like", "")
	f.add(5, blueskyBase.Add(5*time.Second), `{"uri":"at://did:plc:x/app.bsky.feed.post/3lbad","reason":"mention","indexedAt":"2026-11-23T08:00:05.000Z","record":{"text":42}}`)
	f.add(6, blueskyBase.Add(6*time.Second), `{"uri":"at://did:plc:x/app.bsky.feed.post/3lnoauthor","reason":"reply","indexedAt":"2026-11-23T08:00:06.000Z","author":{},"record":{"text":"qui suis-je"}}`)

	page, err := b.Poll(ctx, src, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("maps_replies_mentions_and_quotes", func(t *testing.T) {
		if len(page.Items) != 3 {
			t.Fatalf("items %+v skipped %+v", page.Items, page.Skipped)
		}
		byText := map[string]v1.Received{}
		for _, r := range page.Items {
			byText[r.Text] = r
		}
		reply := byText["Vous livrez à Lyon ?"]
		if reply.Kind != v1.KindReply || reply.ID != "bluesky:at://did:plc:fan1/app.bsky.feed.post/3lfan0001" ||
			reply.ParentID != "at://did:plc:cafe/app.bsky.feed.post/3lparent" || reply.ThreadID != "at://did:plc:cafe/app.bsky.feed.post/3lroot" ||
			reply.Author != (v1.Author{ID: "did:plc:fan1", Handle: "@fan1.bsky.social", DisplayName: "Fan 1"}) ||
			reply.Lang != "fr" || reply.URL != "https://bsky.app/profile/did:plc:fan1/post/3lfan0001" ||
			!reply.CreatedAt.Equal(blueskyBase.Add(-time.Second)) || reply.Source != v1.SourcePoll || reply.SourceID != "bsky" {
			t.Fatalf("reply %+v", reply)
		}
		if m := byText["@cafe-lumiere.bsky.social meilleur café de Paris"]; m.Kind != v1.KindMention || m.ParentID != "" {
			t.Fatalf("mention %+v", m)
		}
		if q := byText["regardez ça"]; q.Kind != v1.KindQuote || q.ParentID != "at://did:plc:cafe/app.bsky.feed.post/3lbrand" {
			t.Fatalf("quote %+v", q)
		}
		if strings.Join(f.reasons, ",") != "mention,quote,reply" {
			t.Fatalf("reasons asked: %v", f.reasons)
		}
	})
	t.Run("skips_malformed_notifications_and_keeps_the_rest", func(t *testing.T) {
		if len(page.Skipped) != 2 {
			t.Fatalf("skipped %+v", page.Skipped)
		}
	})
	t.Run("next_poll_yields_only_new_notifications", func(t *testing.T) {
		next, err := b.Poll(ctx, src, page.Cursor)
		if err != nil || len(next.Items) != 0 || len(next.Skipped) != 0 || next.More {
			t.Fatalf("next %+v %v", next, err) // the malformed ones were reported once
		}
		f.note(7, "mention", "nouveau")
		f.note(8, "reply", "encore")
		next, err = b.Poll(ctx, src, next.Cursor)
		if err != nil || len(next.Items) != 2 || next.More {
			t.Fatalf("after two new: %+v %v", next, err)
		}
		page = next
	})
	t.Run("same_instant_notifications_are_not_lost", func(t *testing.T) {
		// Two notifications indexed in the same millisecond, the second
		// arriving after a poll read the first.
		at := blueskyBase.Add(9 * time.Second)
		raw := func(rkey string) string {
			return fmt.Sprintf(`{"uri":"at://did:plc:fan0/app.bsky.feed.post/%s","author":{"did":"did:plc:fan0","handle":"fan0.bsky.social"},"reason":"mention","indexedAt":%q,"record":{"text":%q,"createdAt":%q}}`,
				rkey, at.Format(time.RFC3339Nano), rkey, at.Format(time.RFC3339Nano))
		}
		f.add(9, at, raw("3ltie1"))
		first, err := b.Poll(ctx, src, page.Cursor)
		if err != nil || len(first.Items) != 1 {
			t.Fatalf("first %+v %v", first, err)
		}
		f.add(10, at, raw("3ltie2"))
		second, err := b.Poll(ctx, src, first.Cursor)
		if err != nil || len(second.Items) != 1 || second.Items[0].Text != "3ltie2" {
			t.Fatalf("second %+v %v", second, err)
		}
		page = second
	})
	t.Run("pages_through_a_backlog_then_stops_at_the_cursor", func(t *testing.T) {
		for seq := 100; seq < 220; seq++ {
			f.note(seq, "mention", fmt.Sprintf("rafale %d", seq))
		}
		got := map[string]bool{}
		cursor, polls := page.Cursor, 0
		for {
			p, err := b.Poll(ctx, src, cursor)
			if err != nil {
				t.Fatal(err)
			}
			polls++
			for _, r := range p.Items {
				if got[r.ID] {
					t.Fatalf("%s delivered twice", r.ID)
				}
				got[r.ID] = true
			}
			cursor = p.Cursor
			if !p.More {
				break
			}
		}
		if len(got) != 120 || polls != 3 {
			t.Fatalf("%d items in %d polls", len(got), polls)
		}
		again, err := b.Poll(ctx, src, cursor)
		if err != nil || len(again.Items) != 0 {
			t.Fatalf("after the backlog: %+v %v", again, err)
		}
		page = again
	})
	t.Run("refreshes_an_expired_access_token_and_retries", func(t *testing.T) {
		logins, refreshes := f.logins.Load(), f.refreshes.Load()
		f.set(func(f *fakeBluesky) { f.expired, f.access = f.access, map[string]bool{} })
		f.note(300, "mention", "après expiration")
		p, err := b.Poll(ctx, src, page.Cursor)
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("%+v %v", p, err)
		}
		if f.refreshes.Load() != refreshes+1 || f.logins.Load() != logins {
			t.Fatalf("refreshes %d→%d, logins %d→%d", refreshes, f.refreshes.Load(), logins, f.logins.Load())
		}
		page = p
	})
	t.Run("logs_in_again_when_the_refresh_token_is_refused_too", func(t *testing.T) {
		logins := f.logins.Load()
		f.set(func(f *fakeBluesky) { f.expired, f.access, f.refresh = f.access, map[string]bool{}, map[string]bool{} })
		p, err := b.Poll(ctx, src, page.Cursor)
		if err != nil || f.logins.Load() != logins+1 {
			t.Fatalf("%+v %v, logins %d→%d", p, err, logins, f.logins.Load())
		}
		page = p
	})
	t.Run("revoked_app_password_is_unauthorized", func(t *testing.T) {
		f.set(func(f *fakeBluesky) {
			f.password = "revoked"
			f.access, f.refresh = map[string]bool{}, map[string]bool{}
		})
		defer f.set(func(f *fakeBluesky) { f.password = "abcd-efgh-ijkl-mnop" })
		if _, err := b.Poll(ctx, src, page.Cursor); !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("err = %v", err)
		}
		fresh := bluesky.New(srv.Client())
		if _, err := fresh.Poll(ctx, src, ""); !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("first login: err = %v", err)
		}
	})
	errCases := []struct {
		mode  string
		check func(error) bool
	}{
		{"429", func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait > 80*time.Second && rl.Wait <= 90*time.Second
		}},
		{"500", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "502") && !errors.Is(err, connector.ErrUnauthorized)
		}},
		{"garbage", func(err error) bool { return err != nil && strings.Contains(err.Error(), "malformed") }},
	}
	for _, tc := range errCases {
		t.Run("reports_"+tc.mode, func(t *testing.T) {
			f.set(func(f *fakeBluesky) { f.mode = tc.mode })
			defer f.set(func(f *fakeBluesky) { f.mode = "" })
			if _, err := b.Poll(ctx, src, page.Cursor); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("backfill_pages_back_to_since", func(t *testing.T) {
		// Records are created 2 s before they are indexed: since 150 s keeps
		// 152..219 and 300; the second page reaches notifications indexed
		// before since, and the backfill stops there.
		since := blueskyBase.Add(150 * time.Second)
		got, pages := ingesttest.BackfillAll(t, ctx, b, src, since)
		if pages != 2 || len(got) != 69 {
			t.Fatalf("%d pages, %d items", pages, len(got))
		}
	})
	t.Run("times_out", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
		defer slow.Close()
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if _, err := b.Poll(tctx, blueskySource(slow.URL), ""); err == nil || errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBlueskyKinds(t *testing.T) {
	src := blueskySource("https://pds.example")
	note := func(uri, reason, parent string) string {
		reply := ""
		if parent != "" {
			reply = fmt.Sprintf(`,"reply":{"root":{"uri":"at://did:plc:cafe/app.bsky.feed.post/3lroot"},"parent":{"uri":%q}}`, parent)
		}
		return fmt.Sprintf(`{"uri":%q,"author":{"did":"did:plc:fan","handle":"fan.bsky.social"},"reason":%q,"reasonSubject":"at://did:plc:cafe/app.bsky.feed.post/3lbrand",
		  "indexedAt":"2026-11-23T08:00:00.000Z","record":{"text":"@cafe-lumiere.bsky.social bonjour","createdAt":"2026-11-23T07:59:59.000Z"%s}}`, uri, reason, reply)
	}
	cases := []struct {
		name, reason, parent string
		want                 v1.Kind
	}{
		{"reply_to_the_brand_that_mentions_it_is_a_reply", "mention", "at://did:plc:cafe/app.bsky.feed.post/3lparent", v1.KindReply},
		{"reply_notified_as_reply_is_a_reply", "reply", "at://did:plc:cafe/app.bsky.feed.post/3lparent", v1.KindReply},
		{"mention_in_a_reply_to_someone_else_is_a_mention", "mention", "at://did:plc:other/app.bsky.feed.post/3lx", v1.KindMention},
		{"plain_mention_is_a_mention", "mention", "", v1.KindMention},
		{"quote_is_a_quote", "quote", "", v1.KindQuote},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"notifications":[` + note("at://did:plc:fan/app.bsky.feed.post/3lfan", tc.reason, tc.parent) + `]}`
			items, skipped, err := bluesky.ParsePage([]byte(body), src, ingesttest.ReceivedAt)
			if err != nil || len(items) != 1 || len(skipped) != 0 {
				t.Fatalf("items %+v skipped %+v: %v", items, skipped, err)
			}
			if r := items[0]; r.Kind != tc.want || tc.parent != "" && (r.ParentID != tc.parent || r.ThreadID != "at://did:plc:cafe/app.bsky.feed.post/3lroot") {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestBlueskySessions(t *testing.T) {
	f, srv := newFakeBluesky(t)
	f.note(1, "mention", "bonjour")
	b := bluesky.New(srv.Client())
	t.Run("one_session_per_source_reused_across_polls", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 4 {
			src := blueskySource(srv.URL)
			src.ID = fmt.Sprintf("bsky-%d", i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if p, err := b.Poll(context.Background(), src, ""); err != nil || len(p.Items) != 1 {
						t.Errorf("%s: %+v %v", src.ID, p, err)
					}
				}
			}()
		}
		wg.Wait()
		if n := f.logins.Load(); n != 4 {
			t.Fatalf("%d logins for 4 sources", n)
		}
	})
	t.Run("new_credentials_open_a_new_session", func(t *testing.T) {
		src := blueskySource(srv.URL)
		src.ID = "bsky-0"
		f.set(func(f *fakeBluesky) { f.password = "nouveau-mot-de-passe" })
		src.Secrets[bluesky.AppPassword] = "nouveau-mot-de-passe"
		before := f.logins.Load()
		if _, err := b.Poll(context.Background(), src, ""); err != nil || f.logins.Load() != before+1 {
			t.Fatalf("%v, logins %d→%d", err, before, f.logins.Load())
		}
	})
	t.Run("a_refused_app_password_says_to_create_a_new_one", func(t *testing.T) {
		src := blueskySource(srv.URL)
		src.ID = "bsky-revoked"
		src.Secrets[bluesky.AppPassword] = "revoked-password"
		_, err := b.Poll(context.Background(), src, "")
		var refused *connector.RefusedError
		if !errors.Is(err, connector.ErrUnauthorized) || !errors.As(err, &refused) ||
			!strings.Contains(err.Error(), "the app password was refused; create a new one") || strings.Contains(err.Error(), "expired") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an_appview_as_service_says_to_use_the_pds", func(t *testing.T) {
		appview := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
		}))
		defer appview.Close()
		src := blueskySource(appview.URL)
		src.ID = "bsky-appview"
		_, err := bluesky.New(appview.Client()).Poll(context.Background(), src, "")
		if !errors.Is(err, connector.ErrUnauthorized) || !strings.Contains(err.Error(), "settings.service must be the account's PDS") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("validates_the_service_setting", func(t *testing.T) {
		src := blueskySource("ftp://bsky.social/x")
		if err := b.ValidateSource(src); err == nil {
			t.Fatal("ftp URL accepted")
		}
		delete(src.Settings, bluesky.SettingService)
		if err := b.ValidateSource(src); err != nil {
			t.Fatalf("default service refused: %v", err)
		}
	})
}

func FuzzBlueskyPage(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "bluesky_notifications.json"))
	f.Add([]byte(`{"notifications":[{"uri":"at://x","reason":"reply","indexedAt":"2026-11-23T08:00:00Z","author":{"did":"d"},"record":{"createdAt":"9999-01-01T00:00:00Z","langs":[]}}]}`))
	src := blueskySource("https://bsky.social")
	f.Fuzz(func(t *testing.T, body []byte) {
		items, _, err := bluesky.ParsePage(body, src, ingesttest.ReceivedAt)
		if err != nil {
			return
		}
		for _, r := range items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand || r.CreatedAt.IsZero() {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
	})
}
