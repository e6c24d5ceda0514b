package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// xssCorpus are hostile interaction texts: each must show as written and
// run nothing (the browser test listens for dialogs and CSP violations).
var xssCorpus = []string{
	`<script>alert('xss-script')</script>`,
	`<img src=x onerror="alert('xss-img')">`,
	`<svg onload=alert('xss-svg')><circle r=10 /></svg>`,
	`<a href="javascript:alert('xss-link')">prix cassés</a>`,
	`"><script>alert('xss-attr')</script><"`,
	`</textarea><script>alert('xss-textarea')</script>`,
	`<iframe srcdoc="<script>alert('xss-iframe')</script>"></iframe>`,
	`<math><mtext></p><img src=x onerror=alert('xss-math')></mtext></math>`,
	`<div hx-get="/signout" hx-trigger="load">htmx</div>`,
	`&lt;script&gt;alert('xss-entities')&lt;/script&gt; %3Cscript%3Ealert(1)%3C/script%3E \u003cscript\u003e`,
	"broken: \ufffd\ufffd caf\u00c3\u00a9 \u00ad\u200b end",
	"RTL \u202egnp.exe\u202c and \u2066isolate\u2069 override",
	`<style>body{display:none}</style><link rel=stylesheet href=//evil.example/x.css>`,
}

// TestWorkspaceInTheBrowser runs `ruche up` with the sandbox network,
// seeds users and interactions (sandbox comments, the XSS corpus through
// the signed webhook), and runs the browser tests of the workspace
// (services/gateway/ui/web/tests, node --test with playwright-core and
// Debian's chromium). Screenshots land in var/ui-artifacts.
func TestWorkspaceInTheBrowser(t *testing.T) {
	browser := newBrowserHarness(t)

	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=7",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s")

	type user struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	users := []user{
		{"camille@demo.example", "correct horse battery staple", "Camille Martin"},
		{"dominique@demo.example", "correct horse battery staple", "Dominique Petit"},
	}
	for _, u := range users {
		var link gateway.LinkView
		code, b := p.api(t, "POST", "/invitations?brand=demo", `{"role":"moderator","email":"`+u.Email+`"}`)
		if code != 201 || json.Unmarshal(b, &link) != nil {
			t.Fatalf("invite %s: %d %s", u.Email, code, b)
		}
		body, _ := json.Marshal(map[string]string{"name": u.Name, "password": u.Password})
		if code, b := p.api(t, "POST", "/auth/invitations/"+link.Token+"/accept", string(body)); code != 200 {
			t.Fatalf("accept %s: %d %s", u.Email, code, b)
		}
	}

	// Sandbox comments to triage, answer and claim.
	resp, err := http.Post("http://"+addr+"/api/v1/sandbox/generate?count=16", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var generated struct {
		Items []sandbox.Item `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&generated)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var comments []string
	for _, it := range generated.Items {
		if it.Type == sandbox.TypeComment {
			comments = append(comments, "sandbox:"+it.ID)
		}
	}
	if len(comments) < 2 {
		t.Fatalf("only %d comments generated", len(comments))
	}
	// The XSS corpus, through the signed webhook (author names too).
	var xssIDs []string
	now := time.Now().UTC()
	for i, text := range xssCorpus {
		id := fmt.Sprintf("xss-%d", i)
		body, _ := json.Marshal(map[string]any{"id": id, "text": text, "lang": "fr",
			"author": map[string]string{"id": "x" + id, "display_name": xssCorpus[(i+1)%len(xssCorpus)]},
			"url":    "https://example.com/" + id, "created_at": now.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339)})
		if code, b := p.webhook(t, string(body), connector.Sign([]byte(webhookSecret), body)); code != 200 {
			t.Fatalf("webhook %s: %d %s", id, code, b)
		}
		xssIDs = append(xssIDs, "generic:"+id)
	}
	// A link from a network that is not http(s) is never a link.
	body := `{"id":"xss-url","author":{"id":"x-url"},"text":"see my link","url":"javascript:alert('xss-url')","created_at":"` + now.Format(time.RFC3339) + `"}`
	if code, b := p.webhook(t, body, connector.Sign([]byte(webhookSecret), []byte(body))); code == 200 {
		xssIDs = append(xssIDs, "generic:xss-url")
	} else {
		t.Logf("a javascript: URL is refused at ingest: %d %s", code, b)
	}
	want := append(append([]string{}, xssIDs...), comments...)
	eventually(t, "the seeded interactions moderated in the API", func() bool {
		seen := map[string]bool{}
		for _, it := range p.list(t).Items {
			seen[it.ID] = it.Verdict != ""
		}
		for _, id := range want {
			if !seen[id] {
				return false
			}
		}
		return true
	})

	claimID, draftID := comments[0], comments[1]
	usersJSON, _ := json.Marshal(users)
	seeded, _ := json.Marshal(map[string]any{"claim": claimID, "draft": draftID, "xss": xssIDs, "xssTexts": xssCorpus})
	browser.run(t, p.gateway, "tests/", "RUCHE_USERS="+string(usersJSON), "RUCHE_SEEDED="+string(seeded),
		"RUCHE_WEBHOOK=http://"+p.ingest+"/v1/webhooks/generic/demo-webhook", "RUCHE_WEBHOOK_SECRET="+webhookSecret)

	// What the browser did, seen through the API: ten decisions, and the
	// approved reply published on the sandbox network.
	var d query.Draft
	if code, b := p.api(t, "GET", "/drafts/"+url.PathEscape(draftID)+"?brand=demo", ""); code != 200 || json.Unmarshal(b, &d) != nil || d.Approval == nil {
		t.Fatalf("the draft approved in the browser: %d %s", code, b)
	}
	var pub query.Publication
	if code, b := p.api(t, "GET", "/publications/"+url.PathEscape(d.Approval.PublishRequestID)+"?brand=demo", ""); code != 200 || json.Unmarshal(b, &pub) != nil || pub.State != query.PublicationPublished {
		t.Fatalf("the reply's publication: %d %s", code, b)
	}
}
