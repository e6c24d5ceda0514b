package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	replyv1 "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestApprovedReplyReachesTheSandbox runs `ruche up` with the sandbox
// network: a question posted there is read by ingest, drafted by drafting,
// approved through the API, published once by publishing
// as a reply on the sandbox, and reply.sent says so; approving again sends
// nothing more.
func TestApprovedReplyReachesTheSandbox(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=7",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
	// Questions the sandbox generates (real items of its feed, which its
	// reply endpoint knows); the first whose draft passes its checks.
	var questions []string
	for _, it := range generateOnSandbox(t, addr, 40) {
		if it.GroundTruth != nil && it.GroundTruth.Category == sandbox.CategoryQuestion && it.Type == sandbox.TypeComment {
			questions = append(questions, "sandbox:"+it.ID)
		}
	}
	if len(questions) == 0 {
		t.Fatal("the sandbox generated no question")
	}
	var interaction, path string
	var d query.Draft
	eventually(t, "a checked draft of a sandbox question", func() bool {
		for _, q := range questions {
			code, b := p.api(t, "GET", "/drafts/"+url.PathEscape(q)+"?brand=demo", "")
			if code == 200 && json.Unmarshal(b, &d) == nil && !d.Current.Flagged {
				interaction, path = q, "/drafts/"+url.PathEscape(q)
				return true
			}
		}
		return false
	})
	for range 2 {
		code, b := p.api(t, "POST", path+"/approve?brand=demo", fmt.Sprintf(`{"version":%d}`, d.Current.Version))
		if code != 200 || json.Unmarshal(b, &d) != nil || d.Approval == nil {
			t.Fatalf("approve = %d %s", code, b)
		}
	}
	requestID := d.Approval.PublishRequestID
	var pub query.Publication
	eventually(t, "the reply published", func() bool {
		code, b := p.api(t, "GET", "/publications/"+url.PathEscape(requestID)+"?brand=demo", "")
		if code != 200 || json.Unmarshal(b, &pub) != nil {
			return false
		}
		if pub.State == query.PublicationFailed {
			t.Fatalf("publication %s: %s", requestID, b)
		}
		return pub.State == query.PublicationPublished
	})
	var sent []replyv1.Sent
	eventually(t, "reply.sent", func() bool {
		sent = repliesSent(t, p, interaction)
		return len(sent) > 0
	})
	var rep sandbox.ReceivedReport
	eventually(t, "the reply on the sandbox", func() bool {
		resp, err := http.Get("http://" + addr + "/api/v1/sandbox/received")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&rep) == nil && rep.PostsByText[d.Current.Text] > 0
	})
	// Settle, then count: one reply on the network, one reply.sent.
	time.Sleep(2 * time.Second)
	resp, err := http.Get("http://" + addr + "/api/v1/sandbox/received")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if n := rep.PostsByText[d.Current.Text]; n != 1 {
		t.Fatalf("the approved text was published %d times on the sandbox, want 1", n)
	}
	if sent = repliesSent(t, p, interaction); len(sent) != 1 || sent[0].Network != "sandbox" || sent[0].PlatformID == "" {
		t.Fatalf("reply.sent = %+v, want one on the sandbox", sent)
	}
}

// repliesSent reads the reply.sent events of the demo brand for one
// interaction.
func repliesSent(t *testing.T, p *platform, interaction string) []replyv1.Sent {
	t.Helper()
	var out []replyv1.Sent
	for _, s := range storedEvents[replyv1.Sent](t, p, "RUCHE_REPLY", "ruche.reply.sent.v1.demo") {
		if s.InteractionID == interaction {
			out = append(out, s)
		}
	}
	return out
}
