package youtube_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/youtube"
)

var youtubeBase = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fakeYouTube speaks the part of the YouTube Data API v3 the poller uses:
// commentThreads.list (newest threads first, a thread carrying its first
// five replies, page tokens) and comments.list (parentId), API keys or
// bearer tokens, and Google's error bodies (quotaExceeded, API_KEY_INVALID,
// forbidden, commentsDisabled...).
type fakeYouTube struct {
	mu      sync.Mutex
	threads map[string]*fakeThread
	key     string
	token   string
	mode    string
	calls   map[string]int
	last    map[string]string // last query of each method
}

type fakeThread struct {
	id, video string
	at        time.Time
	top       string // comment resource JSON
	replies   []string
}

func newFakeYouTube(t *testing.T) (*fakeYouTube, *httptest.Server) {
	f := &fakeYouTube{threads: map[string]*fakeThread{}, key: "key-123", token: "oauth-tok", calls: map[string]int{}, last: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func ytComment(id, parent, author string, at time.Time, text string) string {
	p := ""
	if parent != "" {
		p = fmt.Sprintf(`"parentId":%q,`, parent)
	}
	return fmt.Sprintf(`{"kind":"youtube#comment","etag":"e-%s","id":%q,"snippet":{"channelId":"UCcafe","videoId":"vid1",%s
	  "textDisplay":%q,"textOriginal":%q,"authorDisplayName":"@%s","authorProfileImageUrl":"https://yt3.ggpht.com/x",
	  "authorChannelUrl":"http://www.youtube.com/@%s","authorChannelId":{"value":"UC%s"},"canRate":true,"viewerRating":"none",
	  "likeCount":0,"publishedAt":%q,"updatedAt":%q}}`, id, id, p, text, text, author, author, author, at.Format(time.RFC3339), at.Format(time.RFC3339))
}

// thread adds a thread whose top-level comment is published at minute min.
func (f *fakeYouTube) thread(id string, min int, author, text string) *fakeThread {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := youtubeBase.Add(time.Duration(min) * time.Minute)
	th := &fakeThread{id: id, video: "vid1", at: at, top: ytComment(id, "", author, at, text)}
	f.threads[id] = th
	return th
}

// reply adds a reply to a thread at minute min.
func (f *fakeYouTube) reply(thread string, min int, author, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	th := f.threads[thread]
	id := fmt.Sprintf("%s.r%d", thread, len(th.replies))
	th.replies = append(th.replies, ytComment(id, thread, author, youtubeBase.Add(time.Duration(min)*time.Minute), text))
}

func (f *fakeYouTube) set(fn func(f *fakeYouTube)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeYouTube) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func googleError(w http.ResponseWriter, status int, reason, domain, msg, detail string) {
	details := ""
	if detail != "" {
		details = fmt.Sprintf(`,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":%q,"domain":"googleapis.com","metadata":{"service":"youtube.googleapis.com"}}]`, detail)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"errors":[{"message":%q,"domain":%q,"reason":%q}]%s}}`, status, msg, msg, domain, reason, details)
}

func (f *fakeYouTube) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	method := strings.TrimPrefix(r.URL.Path, "/youtube/v3/")
	f.calls[method]++
	q := r.URL.Query()
	f.last[method] = r.URL.RawQuery
	switch {
	case q.Get("key") != "" && q.Get("key") != f.key:
		googleError(w, 400, "badRequest", "global", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
		return
	case q.Get("key") == "" && r.Header.Get("Authorization") != "Bearer "+f.token:
		googleError(w, 401, "authError", "global", "Invalid Credentials", "")
		return
	}
	switch f.mode {
	case "quota":
		googleError(w, 403, "quotaExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your quota.", "")
		return
	case "forbidden":
		googleError(w, 403, "forbidden", "youtube.commentThread", "The request is not properly authorized.", "")
		return
	case "commentsDisabled":
		googleError(w, 403, "commentsDisabled", "youtube.commentThread", "The video identified by the videoId parameter has disabled comments.", "")
		return
	case "429":
		w.Header().Set("Retry-After", "30")
		googleError(w, 429, "rateLimitExceeded", "youtube.quota", "Too many requests", "")
		return
	case "500":
		googleError(w, 503, "backendError", "global", "Backend Error", "")
		return
	case "garbage":
		fmt.Fprint(w, `<html><body>502 Bad Gateway`)
		return
	}
	max, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || max < 1 || max > 100 {
		googleError(w, 400, "invalidParameter", "youtube.parameter", "maxResults", "")
		return
	}
	offset := 0
	if tok := q.Get("pageToken"); tok != "" {
		if offset, err = strconv.Atoi(strings.TrimPrefix(tok, "tok")); err != nil || !strings.HasPrefix(tok, "tok") {
			googleError(w, 400, "invalidPageToken", "youtube.parameter", "The request specifies an invalid page token.", "")
			return
		}
	}
	var items []string
	switch method {
	case "commentThreads":
		if (q.Get("allThreadsRelatedToChannelId") == "") == (q.Get("videoId") == "") || q.Get("order") != "time" || !strings.Contains(q.Get("part"), "snippet") {
			googleError(w, 400, "incompatibleParameters", "youtube.parameter", "bad filters", "")
			return
		}
		var ths []*fakeThread
		for _, th := range f.threads {
			ths = append(ths, th)
		}
		sort.Slice(ths, func(i, j int) bool {
			if !ths[i].at.Equal(ths[j].at) {
				return ths[i].at.After(ths[j].at)
			}
			return ths[i].id > ths[j].id
		})
		for _, th := range ths {
			replies := ""
			if strings.Contains(q.Get("part"), "replies") && len(th.replies) > 0 {
				replies = fmt.Sprintf(`,"replies":{"comments":[%s]}`, strings.Join(th.replies[:min(5, len(th.replies))], ","))
			}
			items = append(items, fmt.Sprintf(`{"kind":"youtube#commentThread","etag":"t","id":%q,"snippet":{"channelId":"UCcafe","videoId":%q,
			  "topLevelComment":%s,"canReply":true,"totalReplyCount":%d,"isPublic":true}%s}`, th.id, th.video, th.top, len(th.replies), replies))
		}
	case "comments":
		th := f.threads[q.Get("parentId")]
		if th == nil {
			googleError(w, 404, "commentNotFound", "youtube.comment", "parent not found", "")
			return
		}
		items = th.replies
	default:
		googleError(w, 404, "notFound", "global", "Not Found", "")
		return
	}
	next := ""
	if offset+max < len(items) {
		next = fmt.Sprintf(`"nextPageToken":"tok%d",`, offset+max)
	}
	items = items[min(offset, len(items)):min(offset+max, len(items))]
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	fmt.Fprintf(w, `{"kind":"youtube#commentThreadListResponse","etag":"x",%s"pageInfo":{"totalResults":%d,"resultsPerPage":%d},"items":[%s]}`,
		next, len(items), max, strings.Join(items, ","))
}

func youtubeSource() connector.Source {
	return connector.Source{ID: "yt", Brand: "demo", Network: "youtube", Account: "UCcafe",
		Settings: map[string]string{youtube.SettingChannel: "UCcafe", connector.SettingPollInterval: "0s"},
		Secrets:  map[string]string{youtube.APIKey: "key-123"}}
}

func newYouTube(srv *httptest.Server) *youtube.Connector {
	y := youtube.New(srv.Client())
	y.Endpoint = srv.URL + "/youtube/v3"
	return y
}

func TestYouTubePoll(t *testing.T) {
	f, srv := newFakeYouTube(t)
	y := newYouTube(srv)
	src := youtubeSource()
	ctx := context.Background()
	f.thread("A", 1, "lea", "Vous livrez à Lyon ?")
	f.reply("A", 2, "cafe", "Oui, dès lundi !") // the brand's own reply
	f.reply("A", 3, "marc", "Moi aussi je veux savoir")
	f.set(func(f *fakeYouTube) {
		f.threads["A"].replies = append(f.threads["A"].replies, `{"id":"A.bad","snippet":"oops"}`)
	})
	f.thread("B", 4, "sam", "Super vidéo")
	for i := range 7 {
		f.reply("B", 5+i, "fan", fmt.Sprintf("réponse %d", i))
	}
	f.set(func(f *fakeYouTube) {
		f.threads["C"] = &fakeThread{id: "C", at: youtubeBase.Add(6 * time.Minute), top: `{"id":"C","snippet":{"publishedAt":"hier"}}`}
	})

	page, err := y.Poll(ctx, src, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("maps_comments_and_replies", func(t *testing.T) {
		byID := map[string]v1.Received{}
		for _, r := range page.Items {
			byID[r.PlatformID] = r
		}
		a := byID["A"]
		if a.ID != "youtube:A" || a.Kind != v1.KindComment || a.ThreadID != "A" || a.Text != "Vous livrez à Lyon ?" ||
			a.Author != (v1.Author{ID: "UClea", Handle: "@lea", DisplayName: "@lea"}) || !a.CreatedAt.Equal(youtubeBase.Add(time.Minute)) ||
			a.URL != "https://www.youtube.com/watch?lc=A&v=vid1" || a.Account != "UCcafe" || a.Source != v1.SourcePoll {
			t.Fatalf("comment %+v", a)
		}
		if r := byID["A.r1"]; r.Kind != v1.KindReply || r.ParentID != "A" || r.ThreadID != "A" || r.Author.ID != "UCmarc" {
			t.Fatalf("reply %+v", r)
		}
		if _, own := byID["A.r0"]; own {
			t.Fatal("the brand's own reply was ingested")
		}
	})
	t.Run("reads_every_reply_of_a_thread_beyond_the_five_it_carries", func(t *testing.T) {
		var b int
		for _, r := range page.Items {
			if r.ThreadID == "B" && r.Kind == v1.KindReply {
				b++
			}
		}
		if b != 7 || f.count("comments") != 1 || !strings.Contains(f.last["comments"], "parentId=B") {
			t.Fatalf("%d replies of B, %d comments.list calls (%s)", b, f.count("comments"), f.last["comments"])
		}
		if len(page.Items) != 10 {
			t.Fatalf("%d items: %+v", len(page.Items), page.Items)
		}
	})
	t.Run("skips_malformed_comments_and_keeps_the_rest", func(t *testing.T) {
		if len(page.Skipped) != 2 {
			t.Fatalf("skipped %+v", page.Skipped)
		}
	})
	t.Run("asks_the_documented_parameters", func(t *testing.T) {
		for _, p := range []string{"part=snippet%2Creplies", "allThreadsRelatedToChannelId=UCcafe", "order=time", "maxResults=100", "key=key-123"} {
			if !strings.Contains(f.last["commentThreads"], p) {
				t.Fatalf("query %s lacks %s", f.last["commentThreads"], p)
			}
		}
	})
	t.Run("next_poll_yields_only_new_comments_and_replies", func(t *testing.T) {
		next, err := y.Poll(ctx, src, page.Cursor)
		if err != nil || len(next.Items) != 0 || f.count("comments") != 1 {
			t.Fatalf("nothing new: %+v %v (%d comments.list)", next.Items, err, f.count("comments"))
		}
		if len(next.Skipped) != 1 { // thread C cannot be dated; A's bad reply was reported already
			t.Fatalf("skipped again: %+v", next.Skipped)
		}
		f.reply("A", 20, "lea", "merci !")     // an older thread, within its five
		f.reply("B", 21, "sam", "et la suite") // beyond the five B carries
		f.thread("E", 22, "zoe", "Première !")
		next, err = y.Poll(ctx, src, next.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range next.Items {
			got = append(got, r.Text)
		}
		sort.Strings(got)
		if strings.Join(got, "|") != "Première !|et la suite|merci !" || f.count("comments") != 2 {
			t.Fatalf("got %q, %d comments.list", got, f.count("comments"))
		}
		page = next
	})
	t.Run("pages_through_a_backlog_then_stops_at_the_cursor", func(t *testing.T) {
		for i := range 250 {
			f.thread(fmt.Sprintf("N%03d", i), 100+i, "fan", "rafale")
		}
		got := map[string]bool{}
		cursor, polls := page.Cursor, 0
		for {
			p, err := y.Poll(ctx, src, cursor)
			if err != nil {
				t.Fatal(err)
			}
			polls++
			for _, r := range p.Items {
				if got[r.ID] {
					t.Fatalf("%s twice", r.ID)
				}
				got[r.ID] = true
			}
			if cursor = p.Cursor; !p.More {
				break
			}
		}
		if len(got) != 250 || polls != 3 {
			t.Fatalf("%d items in %d polls", len(got), polls)
		}
		if p, err := y.Poll(ctx, src, cursor); err != nil || len(p.Items) != 0 {
			t.Fatalf("after the backlog: %d items, %v", len(p.Items), err)
		}
		page.Cursor = cursor
	})
	t.Run("waits_poll_interval_between_reads_for_the_quota", func(t *testing.T) {
		quiet := youtubeSource()
		delete(quiet.Settings, connector.SettingPollInterval) // default: 5 minutes
		before := f.count("commentThreads")
		p, err := y.Poll(ctx, quiet, "")
		if err != nil || f.count("commentThreads") != before+1 {
			t.Fatalf("first read: %v", err)
		}
		if again, err := y.Poll(ctx, quiet, p.Cursor); err != nil || again.Cursor != p.Cursor || len(again.Items) != 0 || f.count("commentThreads") != before+1 {
			t.Fatalf("read again within the interval: %v, %d calls", err, f.count("commentThreads")-before)
		}
	})
	pacific, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		pacific = time.FixedZone("PST", -8*3600)
	}
	untilMidnight := func() time.Duration {
		n := time.Now().In(pacific)
		return time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, pacific).Sub(time.Now())
	}
	errCases := []struct {
		mode  string
		check func(error) bool
	}{
		{"quota", func(err error) bool {
			var rl *connector.RateLimitedError
			want := untilMidnight() + time.Minute
			return errors.As(err, &rl) && (rl.Wait-want).Abs() < 5*time.Second
		}},
		{"forbidden", func(err error) bool { return errors.Is(err, connector.ErrUnauthorized) }},
		{"commentsDisabled", func(err error) bool {
			return err != nil && !errors.Is(err, connector.ErrUnauthorized) && strings.Contains(err.Error(), "commentsDisabled")
		}},
		{"429", func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait == 30*time.Second
		}},
		{"500", func(err error) bool {
			var rl *connector.RateLimitedError
			return err != nil && strings.Contains(err.Error(), "503") && !errors.Is(err, connector.ErrUnauthorized) && !errors.As(err, &rl)
		}},
		{"garbage", func(err error) bool { return err != nil && strings.Contains(err.Error(), "malformed") }},
	}
	for _, tc := range errCases {
		t.Run("reports_"+tc.mode, func(t *testing.T) {
			f.set(func(f *fakeYouTube) { f.mode = tc.mode })
			defer f.set(func(f *fakeYouTube) { f.mode = "" })
			if _, err := y.Poll(ctx, src, page.Cursor); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("invalid_api_key_is_unauthorized", func(t *testing.T) {
		bad := youtubeSource()
		bad.Secrets[youtube.APIKey] = "revoked"
		_, err := y.Poll(ctx, bad, page.Cursor)
		if !errors.Is(err, connector.ErrUnauthorized) || !strings.Contains(err.Error(), "API_KEY_INVALID") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("oauth_token_instead_of_a_key", func(t *testing.T) {
		oauth := youtubeSource()
		oauth.Secrets = map[string]string{youtube.AccessToken: "oauth-tok"}
		if _, err := y.Poll(ctx, oauth, page.Cursor); err != nil {
			t.Fatal(err)
		}
		oauth.Secrets[youtube.AccessToken] = "expired"
		if _, err := y.Poll(ctx, oauth, page.Cursor); !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("expired token: %v", err)
		}
	})
	t.Run("one_video", func(t *testing.T) {
		video := youtubeSource()
		video.Settings = map[string]string{youtube.SettingVideo: "vid1", connector.SettingPollInterval: "0s"}
		if _, err := y.Poll(ctx, video, ""); err != nil || !strings.Contains(f.last["commentThreads"], "videoId=vid1") {
			t.Fatalf("%v, query %s", err, f.last["commentThreads"])
		}
	})
	t.Run("backfill_pages_back_to_since", func(t *testing.T) {
		since := youtubeBase.Add(200 * time.Minute) // threads N100..N249
		got, pages := ingesttest.BackfillAll(t, ctx, y, src, since)
		if pages != 2 || len(got) != 150 {
			t.Fatalf("%d pages, %d items", pages, len(got))
		}
	})
	t.Run("times_out_without_leaking_the_key", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
		defer slow.Close()
		ys := newYouTube(slow)
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := ys.Poll(tctx, src, "")
		if err == nil || strings.Contains(err.Error(), "key-123") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestYouTubeValidateSource(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*connector.Source)
		ok     bool
	}{
		{"channel_and_key", func(*connector.Source) {}, true},
		{"video_and_token", func(s *connector.Source) {
			s.Settings = map[string]string{youtube.SettingVideo: "vid1"}
			s.Secrets = map[string]string{youtube.AccessToken: "t"}
		}, true},
		{"both_channel_and_video", func(s *connector.Source) { s.Settings[youtube.SettingVideo] = "vid1" }, false},
		{"neither_channel_nor_video", func(s *connector.Source) { delete(s.Settings, youtube.SettingChannel) }, false},
		{"no_credential", func(s *connector.Source) { s.Secrets = nil }, false},
		{"bad_poll_interval", func(s *connector.Source) { s.Settings[connector.SettingPollInterval] = "souvent" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := youtubeSource()
			tc.mutate(&src)
			if err := youtube.New(http.DefaultClient).ValidateSource(src); (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func FuzzYouTubeThreads(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "youtube_comment_threads.json"))
	f.Add([]byte(`{"items":[{"id":"x","snippet":{"topLevelComment":{"id":"x","snippet":{"publishedAt":"2026-11-23T08:00:00Z","authorChannelId":{"value":"UC"}}}},"replies":{"comments":[{}]}}]}`))
	src := youtubeSource()
	f.Fuzz(func(t *testing.T, body []byte) {
		items, _, err := youtube.ParseThreads(body, src, ingesttest.ReceivedAt)
		if err != nil {
			return
		}
		for _, r := range items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand || r.Author.ID == src.Account {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
	})
}
