package main_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
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
}
