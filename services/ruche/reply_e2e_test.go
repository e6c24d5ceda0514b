package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	replyv1 "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestApprovedReplyReachesTheSandbox runs `ruche up` with the sandbox
// network: a question posted there is read by ingest, drafted by drafting
// with a citation, approved through the API, published once by publishing
// as a reply on the sandbox, and reply.sent says so; approving again sends
// nothing more.
func TestApprovedReplyReachesTheSandbox(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=7",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
	item := map[string]any{
		"type": sandbox.TypeComment, "account": "demo", "lang": "fr", "created_at": time.Now().UTC().Format(time.RFC3339),
		"text":   "Bonjour, comment on résilie l'abonnement ? Je ne trouve pas le bouton dans l'appli.",
		"author": map[string]any{"id": "u-e2e-reply", "username": "ines", "display_name": "Inès Diallo", "followers_count": 12},
		"url":    "http://" + addr + "/items/e2e",
	}
	body, _ := json.Marshal(item)
	resp, err := http.Post("http://"+addr+"/api/v1/sandbox/items", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var injected struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&injected)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || injected.ID == "" {
		t.Fatalf("inject = %d %+v", resp.StatusCode, injected)
	}
	interaction := "sandbox:" + injected.ID
	path := "/drafts/" + url.PathEscape(interaction)
	var d query.Draft
	eventually(t, "the draft of the sandbox question", func() bool {
		code, b := p.api(t, "GET", path+"?brand=demo", "")
		return code == 200 && json.Unmarshal(b, &d) == nil
	})
	if c := d.Current; len(c.Citations) != 1 || c.Citations[0].EntryID != "resiliation-abonnement" || c.Flagged || !strings.Contains(c.Text, "Inès") {
		t.Fatalf("draft = %+v", c)
	}
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
		if pub.State != query.PublicationPublished {
			t.Logf("publication %s: %s", requestID, b)
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
	resp, err = http.Get("http://" + addr + "/api/v1/sandbox/received")
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
	nc, err := nats.Connect(p.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "RUCHE_REPLY", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"ruche.reply.sent.v1.demo"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []replyv1.Sent
	for m := range batch.Messages() {
		var s replyv1.Sent
		if json.Unmarshal(m.Data(), &s) == nil && s.InteractionID == interaction {
			out = append(out, s)
		}
	}
	return out
}
