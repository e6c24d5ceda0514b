package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

func (p *platform) api(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.gateway+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// checkDrafting: a question sent to the demo brand gets a draft citing
// the demo knowledge base; approving it publishes one reply request whose
// text hashes to the approval record's content hash.
func checkDrafting(t *testing.T, p *platform, sign func(string) string) {
	t.Run("a_question_gets_a_cited_draft_and_its_approval_one_reply_request", func(t *testing.T) {
		body := `{"id":"e2e-draft","author":{"id":"u9","display_name":"Inès Diallo"},"text":"Bonjour, comment on résilie l'abonnement ? Je ne trouve pas le bouton dans l'appli.","lang":"fr","created_at":"2026-11-23T08:00:00Z"}`
		if code, resp := p.webhook(t, body, sign(body)); code != 200 {
			t.Fatalf("webhook = %d %s", code, resp)
		}
		path := "/drafts/" + url.PathEscape("generic:e2e-draft") + "?brand=demo"
		var d query.Draft
		eventually(t, "the draft", func() bool {
			code, b := p.api(t, "GET", path, "")
			return code == 200 && json.Unmarshal(b, &d) == nil
		})
		c := d.Current
		if len(c.Citations) != 1 || c.Citations[0].EntryID != "resiliation-abonnement" || c.Flagged || c.Lang != "fr" || !strings.Contains(c.Text, "Inès") {
			t.Fatalf("draft = %+v", c)
		}
		code, b := p.api(t, "POST", "/drafts/"+url.PathEscape("generic:e2e-draft")+"/approve?brand=demo", `{"version":1}`)
		if code != 200 || json.Unmarshal(b, &d) != nil || d.Approval == nil {
			t.Fatalf("approve = %d %s", code, b)
		}
		if code, _ := p.api(t, "POST", "/drafts/"+url.PathEscape("generic:e2e-draft")+"/approve?brand=demo", `{"version":1}`); code != 200 {
			t.Fatalf("approving again = %d", code)
		}
		stored := replyRequests(t, p)
		if len(stored) != 1 {
			t.Fatalf("%d reply requests stored, want 1", len(stored))
		}
		req := stored[0]
		if req.Kind != publishv1.KindReply || req.ApprovalID != d.Approval.ID || draftv1.ContentHash(req.Text) != d.Approval.ContentHash || req.InteractionID != "generic:e2e-draft" {
			t.Fatalf("request %+v for approval %+v", req, d.Approval)
		}
	})
}

// replyRequests reads the reply publish requests stored in JetStream (a
// duplicate the stream dropped is not there, as publishing would see it).
func replyRequests(t *testing.T, p *platform) []publishv1.Requested {
	t.Helper()
	var out []publishv1.Requested
	for _, r := range storedEvents[publishv1.Requested](t, p, "RUCHE_PUBLISH", "ruche.publish.requested.v1.demo") {
		if r.Kind == publishv1.KindReply {
			out = append(out, r)
		}
	}
	return out
}

// storedEvents reads the events of subject stored in stream (at most 100).
func storedEvents[E any](t *testing.T, p *platform, stream, subject string) []E {
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
	return storedIn[E](t, js, stream, subject)
}

// TestDraftingWithTheFakeModel: under RUCHE_LLM_FAKE=1 the draft of a
// question is the fake model's, streamed from the endpoint ruche up serves,
// and cites the demo knowledge base, found by the fake's embeddings.
func TestDraftingWithTheFakeModel(t *testing.T) {
	p := startPlatformOn(t, testkit.ClickHouse(t), "RUCHE_LLM_FAKE=1")
	body := `{"id":"e2e-fake","author":{"id":"u10","display_name":"Sam"},"text":"Are your pods compostable? Trying to cut down on waste at home.","lang":"en","created_at":"2026-11-23T08:00:00Z"}`
	if code, resp := p.webhook(t, body, connector.Sign([]byte(webhookSecret), []byte(body))); code != 200 {
		t.Fatalf("webhook = %d %s", code, resp)
	}
	var d query.Draft
	eventually(t, "the draft", func() bool {
		code, b := p.api(t, "GET", "/drafts/"+url.PathEscape("generic:e2e-fake")+"?brand=demo", "")
		return code == 200 && json.Unmarshal(b, &d) == nil
	})
	c := d.Current
	if c.Drafter != "model:ruche-fake" || len(c.Citations) != 1 || c.Citations[0].EntryID != "compostable-pods" || c.Flagged ||
		!slices.Contains(c.Reasons, "knowledge found by embeddings (ruche-fake-embed)") {
		t.Fatalf("draft = %+v", c)
	}
	code, b := p.api(t, "GET", "/drafts/settings?brand=demo", "")
	var s query.BrandSettings
	if code != 200 || json.Unmarshal(b, &s) != nil || s.TokensUsed == 0 {
		t.Fatalf("settings = %d %s", code, b)
	}
}
