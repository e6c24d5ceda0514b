package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestScheduledPostAppearsOnTheSandbox runs `ruche up` with the sandbox: a
// post created, approved and scheduled through the API appears on the
// sandbox network once, at its time, and the post ends published.
func TestScheduledPostAppearsOnTheSandbox(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=5",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s", "RUCHE_PUBLISHING_METRICS_EVERY=1s")
	text := "Nouveau : le menu d'hiver arrive lundi ☕ " + strconv.FormatInt(time.Now().UnixNano(), 36)
	post, step := p.approvedPost(t, `{"variants":[{"network":"sandbox","text":"`+text+`","lang":"fr"}],"campaign":"hiver","labels":["menu"]}`)
	id := post.ID
	if post.State != "approved" || post.ApprovalID == "" {
		t.Fatalf("after approval: %+v", post)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	due := time.Now().Add(6 * time.Second).Truncate(time.Second)
	step("PUT", "/posts/"+id+"/schedule?brand=demo", `{"revision":`+strconv.Itoa(post.Revision)+`,"wall":"`+due.In(paris).Format("2006-01-02T15:04:05")+`","zone":"Europe/Paris"}`, 200)
	if code, b := p.api(t, "PUT", "/posts/"+id+"/schedule?brand=demo", `{"revision":1,"wall":"2027-06-01T09:00","zone":"Europe/Paris"}`); code != 409 {
		t.Fatalf("a stale reschedule = %d %s, want 409", code, b)
	}
	var report sandbox.ReceivedReport
	eventually(t, "the post on the sandbox", func() bool {
		resp, err := http.Get("http://" + addr + "/api/v1/sandbox/received")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&report) == nil && report.PostsByText[text] > 0
	})
	if time.Now().Before(due) {
		t.Fatalf("published before its time %s", due)
	}
	for deadline := time.Now().Add(15 * time.Second); post.State != "published"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("post not published: %+v", post)
		}
		if code, b := p.api(t, "GET", "/posts/"+id+"?brand=demo", ""); code != 200 || json.Unmarshal(b, post) != nil {
			t.Fatalf("get post = %d %s", code, b)
		}
	}
	if n := report.PostsByText[text]; n != 1 || len(post.Outcomes) != 1 || !strings.HasPrefix(post.RequestID, "post:demo:"+id) {
		t.Fatalf("sandbox has the text %d times; post %+v", n, post)
	}
	code, b := p.api(t, "GET", "/calendar?brand=demo&view=day&from="+due.In(paris).Format(time.DateOnly)+"&zone=Europe/Paris", "")
	if code != 200 || !strings.Contains(string(b), id) {
		t.Fatalf("calendar = %d %s", code, b)
	}
	// Its readings flow into the dashboard's posts.
	day := due.UTC().Format(time.DateOnly)
	var perf query.PostPerformance
	measured := func() bool {
		code, b := p.api(t, "GET", "/kpis/posts?brand=demo&from="+day+"&to="+day+"&tz=UTC", "")
		if code != 200 || json.Unmarshal(b, &perf) != nil {
			t.Fatalf("kpis/posts = %d %s", code, b)
		}
		return slices.ContainsFunc(perf.Posts, func(s query.PostStats) bool {
			return s.RequestID == post.RequestID && s.Readings > 0 && s.Impressions != nil
		})
	}
	// A reading a second after the outcome, then the sink's batch into
	// ClickHouse: a minute leaves room for a loaded machine.
	for deadline := time.Now().Add(time.Minute); !measured(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no reading of post %s in the dashboard's posts: %+v", post.RequestID, perf.Posts)
		}
	}
}

// TestCrisisBurstHoldsTheQueue runs `ruche up` with the sandbox and starts
// its crisis_burst scenario, as `make run` shows it: moderation opens a
// crisis, scheduling holds the brand's queue. Posts falling due meanwhile
// are held (none reaches the network) and listed in time order; when a
// manager resumes they go out once each, in that order.
func TestCrisisBurstHoldsTheQueue(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=14",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=30", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	posts := make([]query.Post, 3)
	texts := make([]string, len(posts))
	for i := range posts {
		texts[i] = fmt.Sprintf("Notre semaine n°%d %s", i, suffix)
		posts[i] = *p.approvedSandboxPost(t, texts[i])
	}
	resp, err := http.Post("http://"+addr+"/api/v1/scenarios/crisis_burst", "application/json", strings.NewReader(`{"lang":"fr"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start crisis_burst: %d", resp.StatusCode)
	}
	var held query.HeldPosts
	readHeld := func() {
		t.Helper()
		code, b := p.api(t, "GET", "/posts/held?brand=demo", "")
		if code != 200 || json.Unmarshal(b, &held) != nil {
			t.Fatalf("held posts = %d %s", code, b)
		}
	}
	// The burst opens a crisis within a couple of minutes of its start.
	for deadline := time.Now().Add(4 * time.Minute); held.Hold == nil; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("no crisis held the queue within four minutes of the burst")
		}
		readHeld()
	}
	// Scheduled out of order, due in a few seconds: each falls due into
	// the hold.
	paris, _ := time.LoadLocation("Europe/Paris")
	base := time.Now().Add(3 * time.Second).Truncate(time.Second)
	for _, i := range []int{2, 0, 1} {
		wall := base.Add(time.Duration(i) * time.Second).In(paris).Format("2006-01-02T15:04:05")
		code, b := p.api(t, "PUT", "/posts/"+posts[i].ID+"/schedule?brand=demo", `{"revision":`+strconv.Itoa(posts[i].Revision)+`,"wall":"`+wall+`","zone":"Europe/Paris"}`)
		if code != 200 {
			t.Fatalf("schedule %s = %d %s", posts[i].ID, code, b)
		}
	}
	want := []string{posts[0].ID, posts[1].ID, posts[2].ID}
	eventually(t, "three posts held", func() bool { readHeld(); return len(held.Posts) == 3 })
	if got := []string{held.Posts[0].ID, held.Posts[1].ID, held.Posts[2].ID}; !slices.Equal(got, want) {
		t.Fatalf("held %v, want %v (time order)", got, want)
	}
	received := func() map[string]int {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/api/v1/sandbox/received")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var report sandbox.ReceivedReport
		if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
			t.Fatal(err)
		}
		return report.PostsByText
	}
	for _, text := range texts {
		if n := received()[text]; n != 0 {
			t.Fatalf("a held post reached the network (%d times): %s", n, text)
		}
	}

	// A manager resumes: the held posts go out in time order, once each.
	code, b := p.api(t, "POST", "/posts/resume?brand=demo", "")
	var res query.ResumeResult
	if code != 200 || json.Unmarshal(b, &res) != nil || !slices.Equal(res.Released, want) {
		t.Fatalf("resume = %d %s, want %v released", code, b, want)
	}
	eventually(t, "the held posts on the sandbox", func() bool {
		got := received()
		return got[texts[0]] > 0 && got[texts[1]] > 0 && got[texts[2]] > 0
	})
	for i, post := range posts {
		eventually(t, "post "+post.ID+" published", func() bool {
			code, b := p.api(t, "GET", "/posts/"+post.ID+"?brand=demo", "")
			return code == 200 && json.Unmarshal(b, &posts[i]) == nil && posts[i].State == postv1.StatePublished
		})
		if n := received()[texts[i]]; n != 1 {
			t.Fatalf("post %s on the sandbox %d times, want once", post.ID, n)
		}
	}
}

// approvedSandboxPost creates a post on the sandbox network through the
// API and takes it through review (the demo key is an owner).
func (p *platform) approvedSandboxPost(t *testing.T, text string) *query.Post {
	t.Helper()
	post, _ := p.approvedPost(t, `{"variants":[{"network":"sandbox","text":"`+text+`","lang":"fr"}],"campaign":"hiver","labels":["menu"]}`)
	if post.State != postv1.StateApproved || post.ApprovalID == "" {
		t.Fatalf("after approval: %+v", post)
	}
	return post
}
