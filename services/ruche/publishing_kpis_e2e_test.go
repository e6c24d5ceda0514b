package main_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestSandboxPostReachesTheKPIs runs `ruche up` with the sandbox: a post
// with a link, approved and scheduled through the API, is published with
// its link shortened; a visitor's click on the short link and the
// network's readings of the post's counts reach the post KPIs
// (/api/v1/kpis/posts) from ClickHouse.
func TestSandboxPostReachesTheKPIs(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=11",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s",
		"RUCHE_PUBLISHING_METRICS_EVERY=1s")
	if code, b := p.api(t, "PUT", "/links/settings?brand=demo", `{"shorten":true,"utm":true}`); code != 200 {
		t.Fatalf("links settings = %d %s", code, b)
	}
	target := "https://cafe.example/menu-hiver"
	text := "Le menu d'hiver est en ligne : " + target + " " + strconv.FormatInt(time.Now().UnixNano(), 36)
	post, step := p.approvedPost(t, `{"variants":[{"network":"sandbox","text":"`+text+`","lang":"fr"}]}`)
	id := post.ID
	due := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	step("PUT", "/posts/"+id+"/schedule?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`,"wall":"`+due.Format("2006-01-02T15:04:05")+`","zone":"UTC"}`, 200)
	eventually(t, "the post published", func() bool {
		code, b := p.api(t, "GET", "/posts/"+id+"?brand=demo", "")
		return code == 200 && json.Unmarshal(b, post) == nil && post.State == "published"
	})

	// The text the sandbox received carries a short link, not the target.
	var rep sandbox.ReceivedReport
	resp, err := http.Get("http://" + addr + "/api/v1/sandbox/received")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	short := regexp.MustCompile(`https?://[^ ]+/l/[0-9A-Za-z]{16}`)
	var link string
	for sent, n := range rep.PostsByText {
		if strings.HasPrefix(sent, "Le menu d'hiver est en ligne : ") && strings.HasSuffix(sent, text[strings.LastIndexByte(text, ' '):]) {
			if n != 1 || strings.Contains(sent, target) {
				t.Fatalf("the sandbox received %q %d times", sent, n)
			}
			link = short.FindString(sent)
		}
	}
	if link == "" {
		t.Fatalf("no short link in what the sandbox received: %v", rep.PostsByText)
	}
	// A visitor clicks it (a browser: bots are not counted).
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.gateway+u.Path, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	click, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	click.Body.Close()
	if loc := click.Header.Get("Location"); click.StatusCode != http.StatusFound || !strings.HasPrefix(loc, target) || !strings.Contains(loc, "utm_source=sandbox") {
		t.Fatalf("click = %d, Location %q", click.StatusCode, loc)
	}

	// The readings and the click reach the KPIs.
	day := time.Now().UTC()
	kpis := "/kpis/posts?brand=demo&network=sandbox&from=" + day.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 1).Format(time.DateOnly)
	var perf query.PostPerformance
	var got query.PostStats
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, b := p.api(t, "GET", kpis, "")
		if code != 200 || json.Unmarshal(b, &perf) != nil {
			t.Fatalf("kpis/posts = %d %s", code, b)
		}
		got = query.PostStats{}
		for _, ps := range perf.Posts {
			if ps.RequestID == post.RequestID {
				got = ps
			}
		}
		if got.Readings >= 2 && got.LinkClicks == 1 { // read again as it ages
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the post's KPIs after 90s: %+v (all: %+v)", got, perf.Posts)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The sandbox's counts start at 0 and grow over hours: given, not yet
	// large.
	if got.Impressions == nil || got.Reactions == nil || got.Clicks == nil || got.LinkVisitors != 1 || got.PlatformID == "" ||
		perf.Totals.Posts != 1 || perf.Totals.LinkClicks != 1 {
		t.Fatalf("post KPIs %+v, totals %+v", got, perf.Totals)
	}
}

// approvedPost creates a post with content (JSON), submits and approves
// it through the API; step makes a further call that answers the post
// (its fields updated in place).
func (p *platform) approvedPost(t *testing.T, content string) (*query.Post, func(method, path, body string, want int)) {
	t.Helper()
	post := &query.Post{}
	step := func(method, path, body string, want int) {
		t.Helper()
		code, b := p.api(t, method, path, body)
		if code != want || json.Unmarshal(b, post) != nil {
			t.Fatalf("%s %s = %d %s", method, path, code, b)
		}
	}
	step("POST", "/posts?brand=demo", content, 201)
	step("POST", "/posts/"+post.ID+"/submit?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`}`, 200)
	step("POST", "/posts/"+post.ID+"/approve?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`}`, 200)
	return post, step
}
