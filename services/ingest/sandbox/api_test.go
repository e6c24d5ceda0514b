package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

type sandboxServer struct {
	net *sandbox.Network
	srv *httptest.Server
	clk *testkit.Clock
}

func newSandbox(t *testing.T, mutate func(*sandbox.Config)) *sandboxServer {
	t.Helper()
	return newWrappedSandbox(t, mutate, nil)
}

// newWrappedSandbox serves the network's API through wrap, when not nil.
func newWrappedSandbox(t *testing.T, mutate func(*sandbox.Config), wrap func(http.Handler) http.Handler) *sandboxServer {
	t.Helper()
	s := &sandboxServer{clk: testkit.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	var h http.Handler
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.srv.Close)
	cfg := sandbox.Config{Account: "demo", BaseURL: s.srv.URL, Seed: 7, Now: s.clk.Now, Registerer: prometheus.NewRegistry()}
	if mutate != nil {
		mutate(&cfg)
	}
	n, err := sandbox.New(cfg, testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	s.net, h = n, n.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	return s
}

func (s *sandboxServer) do(t *testing.T, method, path, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func items(t *testing.T, p sandbox.Page) []sandbox.Item {
	t.Helper()
	out := make([]sandbox.Item, len(p.Items))
	for i, raw := range p.Items {
		out[i] = decode[sandbox.Item](t, raw)
	}
	return out
}

func TestActivityPaging(t *testing.T) {
	s := newSandbox(t, nil)
	generated := s.net.Generate(45)

	t.Run("pages_follow_the_cursor_oldest_first", func(t *testing.T) {
		var got []sandbox.Item
		since, pages := "0", 0
		for {
			resp, body := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=20&since_id="+since, "")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			page := decode[sandbox.Page](t, body)
			link := resp.Header.Get("Link")
			if !strings.Contains(link, "since_id="+page.NextSinceID) || !strings.Contains(link, `rel="next"`) {
				t.Fatalf("Link %q does not point after %s", link, page.NextSinceID)
			}
			got = append(got, items(t, page)...)
			pages++
			since = page.NextSinceID
			if !page.HasMore {
				break
			}
		}
		if pages != 3 || len(got) != 45 {
			t.Fatalf("%d items in %d pages, want 45 in 3", len(got), pages)
		}
		for i, it := range got {
			if it.ID != generated[i].ID {
				t.Fatalf("item %d is %s, want %s", i, it.ID, generated[i].ID)
			}
		}
	})
	t.Run("caught_up_page_is_empty_and_keeps_the_cursor", func(t *testing.T) {
		last := generated[len(generated)-1].ID
		_, body := s.do(t, "GET", "/api/v1/accounts/demo/activity?since_id="+last, "")
		page := decode[sandbox.Page](t, body)
		if len(page.Items) != 0 || page.HasMore || page.NextSinceID != last {
			t.Fatalf("page %+v", page)
		}
	})
	t.Run("items_carry_what_a_connector_needs", func(t *testing.T) {
		_, body := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=100", "")
		for _, it := range items(t, decode[sandbox.Page](t, body)) {
			if it.ID == "" || it.Author.ID == "" || it.Author.Username == "" || it.Author.CreatedAt.IsZero() || it.Text == "" ||
				it.URL == "" || it.CreatedAt.IsZero() || it.Lang == "" || it.Account != "demo" || it.GroundTruth == nil {
				t.Fatalf("incomplete item %+v", it)
			}
			if it.Type != sandbox.TypeReview && it.ThreadID == "" {
				t.Fatalf("%s without a thread: %+v", it.Type, it)
			}
			if (it.Type == sandbox.TypeComment || it.Type == sandbox.TypeReply) && it.InReplyToID == "" {
				t.Fatalf("%s without a parent: %+v", it.Type, it)
			}
		}
	})
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"unknown_account_is_404", "/api/v1/accounts/someone/activity", 404},
		{"bad_cursor_is_400", "/api/v1/accounts/demo/activity?since_id=abc", 400},
		{"limit_too_large_is_400", "/api/v1/accounts/demo/activity?limit=101", 400},
		{"account_by_username", "/api/v1/accounts/cafelumiere/activity?limit=1", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, body := s.do(t, "GET", tc.path, ""); resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
		})
	}
}

func TestActivityIsBounded(t *testing.T) {
	s := newSandbox(t, func(c *sandbox.Config) { c.MaxItems = 100 })
	s.net.Generate(250)
	if st := s.net.Stats(); st.Items > 100 || st.Items < 90 {
		t.Fatalf("%d items kept, want at most 100", st.Items)
	}
	_, body := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=100", "")
	if page := decode[sandbox.Page](t, body); len(page.Items) == 0 || page.HasMore {
		t.Fatalf("page of %d items, more %v", len(page.Items), page.HasMore)
	}
}

func TestPublish(t *testing.T) {
	s := newSandbox(t, nil)
	comment := s.net.Generate(1)[0]
	post := func(path, body, key string) (int, sandbox.Item, string) {
		var h []string
		if key != "" {
			h = []string{sandbox.IdempotencyKeyHeader, key}
		}
		resp, b := s.do(t, "POST", path, body, h...)
		var it sandbox.Item
		_ = json.Unmarshal(b, &it)
		return resp.StatusCode, it, string(b)
	}

	t.Run("retry_with_the_same_key_returns_the_same_post", func(t *testing.T) {
		st1, a, _ := post("/api/v1/posts", `{"text":"Bonne semaine à tous ☕","lang":"fr"}`, "k-1")
		st2, b, _ := post("/api/v1/posts", `{"text":"Bonne semaine à tous ☕","lang":"fr"}`, "k-1")
		if st1 != 201 || st2 != 201 || a.ID == "" || a.ID != b.ID || a.Type != sandbox.TypePost {
			t.Fatalf("%d %+v / %d %+v", st1, a, st2, b)
		}
	})
	t.Run("same_key_other_body_is_422", func(t *testing.T) {
		if st, _, body := post("/api/v1/posts", `{"text":"Autre chose"}`, "k-1"); st != 422 {
			t.Fatalf("status %d %s", st, body)
		}
	})
	t.Run("no_key_publishes_twice", func(t *testing.T) {
		_, a, _ := post("/api/v1/posts", `{"text":"Hello"}`, "")
		_, b, _ := post("/api/v1/posts", `{"text":"Hello"}`, "")
		if a.ID == b.ID {
			t.Fatal("two publishes without a key got one id")
		}
	})
	t.Run("reply_joins_the_thread", func(t *testing.T) {
		st, r, body := post("/api/v1/replies", `{"in_reply_to_id":"`+comment.ID+`","text":"Bonjour, nous regardons ça tout de suite."}`, "r-1")
		if st != 201 || r.InReplyToID != comment.ID || r.ThreadID != comment.ThreadID || r.Author.Username != "cafelumiere" {
			t.Fatalf("%d %s", st, body)
		}
		_, again, _ := post("/api/v1/replies", `{"in_reply_to_id":"`+comment.ID+`","text":"Bonjour, nous regardons ça tout de suite."}`, "r-1")
		if again.ID != r.ID {
			t.Fatalf("retried reply got id %s, want %s", again.ID, r.ID)
		}
		_, b := s.do(t, "GET", "/api/v1/accounts/demo/posts?limit=1", "")
		if !strings.Contains(string(b), r.ID) {
			t.Fatalf("reply not listed in the brand's posts: %s", b)
		}
	})
	t.Run("reply_to_unknown_item_is_404", func(t *testing.T) {
		if st, _, body := post("/api/v1/replies", `{"in_reply_to_id":"404","text":"x"}`, ""); st != 404 {
			t.Fatalf("status %d %s", st, body)
		}
	})
	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"empty_text_is_422", "/api/v1/posts", `{"text":"  "}`, 422},
		{"reply_without_parent_is_422", "/api/v1/replies", `{"text":"x"}`, 422},
		{"unknown_field_is_400", "/api/v1/posts", `{"text":"x","colour":"red"}`, 400},
		{"malformed_json_is_400", "/api/v1/posts", `{"text":`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, _, body := post(tc.path, tc.body, ""); st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
		})
	}
}

func TestBrandReplyGetsAnAnswer(t *testing.T) {
	s := newSandbox(t, nil)
	var parent sandbox.Item
	for _, it := range s.net.Generate(300) {
		gt := it.GroundTruth
		if (gt.Category == sandbox.CategoryQuestion || gt.Category == sandbox.CategoryComplaint) && it.Type == sandbox.TypeComment {
			parent = it
			break
		}
	}
	if parent.ID == "" {
		t.Skip("no public question in the sample")
	}
	resp, body := s.do(t, "POST", "/api/v1/replies", `{"in_reply_to_id":"`+parent.ID+`","text":"Bonjour, pouvez-vous nous écrire en privé ?"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	reply := decode[sandbox.Item](t, body)
	before := s.net.Stats().Items
	s.net.Step(s.clk.Advance(2 * time.Minute))
	if after := s.net.Stats().Items; after != before+1 {
		t.Fatalf("%d new items after the reply, want the customer's answer", after-before)
	}
	_, b := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=1&since_id="+reply.ID, "")
	got := items(t, decode[sandbox.Page](t, b))
	if len(got) != 1 || got[0].InReplyToID != reply.ID || got[0].Author.ID != parent.Author.ID {
		t.Fatalf("answer %+v", got)
	}
}

func TestHide(t *testing.T) {
	s := newSandbox(t, nil)
	var comment, dm sandbox.Item
	for _, it := range s.net.Generate(200) {
		switch it.Type {
		case sandbox.TypeComment:
			comment = it
		case sandbox.TypeDM:
			dm = it
		}
	}
	cases := []struct {
		name   string
		id     string
		status int
	}{
		{"comment_is_hidden", comment.ID, 200},
		{"hiding_again_is_harmless", comment.ID, 200},
		{"dm_cannot_be_hidden", dm.ID, 422},
		{"unknown_comment_is_404", "12345", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.do(t, "POST", "/api/v1/comments/"+tc.id+"/hide", "")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 && !decode[sandbox.Item](t, body).Hidden {
				t.Fatalf("not hidden: %s", body)
			}
		})
	}
	_, body := s.do(t, "GET", "/api/v1/items/"+comment.ID, "")
	if !decode[sandbox.Item](t, body).Hidden {
		t.Fatalf("item not hidden: %s", body)
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name   string
		fault  string
		status int
		check  func(t *testing.T, resp *http.Response, elapsed time.Duration)
	}{
		{"unauthorized_is_401_with_challenge", `{"mode":"unauthorized","count":1}`, 401, func(t *testing.T, resp *http.Response, _ time.Duration) {
			if !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
				t.Fatalf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
		}},
		{"rate_limited_is_429_with_retry_after", `{"mode":"rate_limited","count":1,"retry_after_seconds":7}`, 429, func(t *testing.T, resp *http.Response, _ time.Duration) {
			reset, _ := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
			if resp.Header.Get("Retry-After") != "7" || reset == 0 {
				t.Fatalf("headers %v", resp.Header)
			}
		}},
		{"server_error_has_the_asked_status", `{"mode":"server_error","count":1,"status":503}`, 503, nil},
		{"slow_answers_late", `{"mode":"slow","count":1,"delay_ms":300}`, 200, func(t *testing.T, _ *http.Response, elapsed time.Duration) {
			if elapsed < 300*time.Millisecond {
				t.Fatalf("answered in %s", elapsed)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, nil)
			if resp, body := s.do(t, "PUT", "/api/v1/sandbox/fault", tc.fault); resp.StatusCode != 200 {
				t.Fatalf("set fault: %d %s", resp.StatusCode, body)
			}
			// Control routes keep working whatever the fault.
			if resp, _ := s.do(t, "GET", "/api/v1/sandbox/stats", ""); resp.StatusCode != 200 {
				t.Fatalf("stats = %d during a fault", resp.StatusCode)
			}
			start := time.Now()
			resp, body := s.do(t, "GET", "/api/v1/accounts/demo/activity", "")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.check != nil {
				tc.check(t, resp, time.Since(start))
			}
			if resp, _ := s.do(t, "GET", "/api/v1/accounts/demo/activity", ""); resp.StatusCode != 200 {
				t.Fatalf("after count=1, status %d", resp.StatusCode)
			}
		})
	}
	t.Run("fault_until_cleared", func(t *testing.T) {
		s := newSandbox(t, nil)
		s.do(t, "PUT", "/api/v1/sandbox/fault", `{"mode":"server_error"}`)
		for range 3 {
			if resp, _ := s.do(t, "GET", "/api/v1/accounts/demo/activity", ""); resp.StatusCode != 500 {
				t.Fatalf("status %d, want 500", resp.StatusCode)
			}
		}
		if resp, _ := s.do(t, "DELETE", "/api/v1/sandbox/fault", ""); resp.StatusCode != 204 {
			t.Fatalf("clear = %d", resp.StatusCode)
		}
		if resp, _ := s.do(t, "GET", "/api/v1/accounts/demo/activity", ""); resp.StatusCode != 200 {
			t.Fatalf("status %d after clearing", resp.StatusCode)
		}
	})
	t.Run("unknown_mode_is_400", func(t *testing.T) {
		s := newSandbox(t, nil)
		if resp, _ := s.do(t, "PUT", "/api/v1/sandbox/fault", `{"mode":"explode"}`); resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("token_is_required_when_set", func(t *testing.T) {
		s := newSandbox(t, func(c *sandbox.Config) { c.Token = "t0ken" })
		if resp, _ := s.do(t, "GET", "/api/v1/accounts/demo/activity", ""); resp.StatusCode != 401 {
			t.Fatalf("without token: %d", resp.StatusCode)
		}
		if resp, _ := s.do(t, "GET", "/api/v1/accounts/demo/activity", "", "Authorization", "Bearer t0ken"); resp.StatusCode != 200 {
			t.Fatalf("with token: %d", resp.StatusCode)
		}
	})
}

func TestScenarios(t *testing.T) {
	t.Run("crisis_burst_is_a_spike_of_complaints_on_one_topic", func(t *testing.T) {
		s := newSandbox(t, nil)
		resp, body := s.do(t, "POST", "/api/v1/scenarios/crisis_burst", `{"topic":"pods","count":40,"duration":"2m"}`)
		if resp.StatusCode != 202 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		run := decode[sandbox.ScenarioRun](t, body)
		if run.Topic != "pods" || run.Count != 40 || run.EndsAt.Sub(run.StartsAt) != 2*time.Minute {
			t.Fatalf("run %+v", run)
		}
		first := s.net.Step(s.clk.Advance(40 * time.Second))
		rest := s.net.Step(s.clk.Advance(90 * time.Second))
		if first+rest != 40 || first < 15 {
			t.Fatalf("%d items in the first 40s and %d after, want a front-loaded 40", first, rest)
		}
		st := s.net.Stats()
		if st.ByCategory["complaint"] < 30 {
			t.Fatalf("categories %v, want mostly complaints", st.ByCategory)
		}
		_, b := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=100", "")
		for _, it := range items(t, decode[sandbox.Page](t, b)) {
			if it.GroundTruth.Scenario != "crisis_burst" || it.GroundTruth.Topic != "pods" {
				t.Fatalf("item outside the scenario: %+v", it.GroundTruth)
			}
		}
	})
	t.Run("viral_post_gathers_comments_in_its_thread", func(t *testing.T) {
		s := newSandbox(t, nil)
		_, body := s.do(t, "POST", "/api/v1/scenarios/viral_post", `{"count":50,"duration":"1m","lang":"fr"}`)
		run := decode[sandbox.ScenarioRun](t, body)
		if run.PostID == "" {
			t.Fatalf("run %s", body)
		}
		if n := s.net.Step(s.clk.Advance(time.Minute)); n != 50 {
			t.Fatalf("%d items, want 50", n)
		}
		_, b := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=100", "")
		cats := map[sandbox.Category]bool{}
		for _, it := range items(t, decode[sandbox.Page](t, b)) {
			if it.ThreadID != run.PostID || it.Lang != "fr" {
				t.Fatalf("item %s in thread %s (lang %s), want %s", it.ID, it.ThreadID, it.Lang, run.PostID)
			}
			cats[it.GroundTruth.Category] = true
		}
		if len(cats) < 4 {
			t.Fatalf("categories %v, want a mix", cats)
		}
	})
	t.Run("same_seed_same_scenario", func(t *testing.T) {
		texts := func() []string {
			s := newSandbox(t, nil)
			s.net.StartScenario(sandbox.ScenarioCrisisBurst, sandbox.ScenarioOptions{Count: 20})
			s.net.Step(s.clk.Advance(5 * time.Minute))
			_, b := s.do(t, "GET", "/api/v1/accounts/demo/activity?limit=100", "")
			var out []string
			for _, it := range items(t, decode[sandbox.Page](t, b)) {
				out = append(out, it.Text)
			}
			return out
		}
		a, b := texts(), texts()
		if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 20 {
			t.Fatalf("runs differ or are short:\n%v\n%v", a, b)
		}
	})
	for _, tc := range []struct{ name, path, body string }{
		{"unknown_scenario_is_400", "/api/v1/scenarios/meteor", ``},
		{"unknown_topic_is_400", "/api/v1/scenarios/crisis_burst", `{"topic":"weather"}`},
		{"bad_duration_is_400", "/api/v1/scenarios/crisis_burst", `{"duration":"soon"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, nil)
			if resp, body := s.do(t, "POST", tc.path, tc.body); resp.StatusCode != 400 {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestTrafficRate(t *testing.T) {
	s := newSandbox(t, func(c *sandbox.Config) { c.RatePerMinute = 120 })
	s.net.Step(s.clk.Now())
	total := 0
	for range 60 { // ten simulated minutes, ten seconds at a time
		total += s.net.Step(s.clk.Advance(10 * time.Second))
	}
	if total < 1000 || total > 1400 {
		t.Fatalf("%d items in 10 minutes at 120/min", total)
	}
	t.Run("rate_can_be_changed", func(t *testing.T) {
		if resp, body := s.do(t, "PUT", "/api/v1/sandbox/rate", `{"rate_per_minute":0}`); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := s.net.Step(s.clk.Advance(time.Minute)); n != 0 {
			t.Fatalf("%d items at rate 0", n)
		}
	})
}
