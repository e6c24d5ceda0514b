package main_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// complaints are the burst that opens a crisis: more than the cold-start
// floor (60 items in a minute, 35 % negative) of plainly negative texts.
var complaints = []string{
	"Service client nul, je suis furieux, remboursez-moi immédiatement !",
	"Commande jamais reçue, c'est une honte, je suis très déçu.",
	"Produit cassé à l'arrivée, horrible expérience, plus jamais.",
	"Terrible service, my order never arrived and nobody answers. Awful.",
	"Scandaleux : trois semaines d'attente et toujours rien, c'est inadmissible.",
}

// TestDashboardInTheBrowser runs `ruche up`, sends a burst of complaints
// (which opens a crisis and gets drafts written), signs a manager in and
// runs the dashboard's browser tests (services/gateway/ui/web/tests/
// dashboard.test.mjs): the charts drawn with data beside their tables, and
// on a 390×844 phone the crisis, pause and resume of the publishing queue,
// a draft approved and one rejected. Screenshots land in var/ui-artifacts.
func TestDashboardInTheBrowser(t *testing.T) {
	browser := newBrowserHarness(t)
	p := startPlatformOn(t, testkit.ClickHouse(t))

	manager := map[string]string{"email": "lea@demo.example", "password": "correct horse battery staple", "name": "Léa Bernard"}
	var link gateway.LinkView
	if code, b := p.api(t, "POST", "/invitations?brand=demo", `{"role":"manager","email":"`+manager["email"]+`"}`); code != 201 || json.Unmarshal(b, &link) != nil {
		t.Fatalf("invite the manager: %d %s", code, b)
	}
	body, _ := json.Marshal(map[string]string{"name": manager["name"], "password": manager["password"]})
	if code, b := p.api(t, "POST", "/auth/invitations/"+link.Token+"/accept", string(body)); code != 200 {
		t.Fatalf("accept: %d %s", code, b)
	}

	// The burst, within one minute of received time.
	now := time.Now().UTC()
	for i := range 80 {
		text := complaints[i%len(complaints)] + fmt.Sprintf(" (#%d)", i)
		b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("burst-%d", i), "text": text, "lang": "fr", "kind": "comment",
			"author":     map[string]string{"id": fmt.Sprintf("angry-%d", i), "display_name": fmt.Sprintf("Client %d", i)},
			"created_at": now.Add(-time.Duration(i) * time.Second).Format(time.RFC3339)})
		if code, resp := p.webhook(t, string(b), connector.Sign([]byte(webhookSecret), b)); code != 200 {
			t.Fatalf("webhook %d: %d %s", i, code, resp)
		}
	}
	// A crisis opens once its window closed (a minute, plus the detector's
	// grace and flush), and the complaints get drafts.
	waitWithin(t, "an open crisis", 3*time.Minute, func() bool {
		var l query.ListCrisesResponse
		code, b := p.api(t, "GET", "/crises?brand=demo&status=open", "")
		return code == 200 && json.Unmarshal(b, &l) == nil && len(l.Crises) > 0
	})
	waitWithin(t, "two pending drafts", time.Minute, func() bool {
		var l query.DraftList
		code, b := p.api(t, "GET", "/drafts?brand=demo&status=pending", "")
		return code == 200 && json.Unmarshal(b, &l) == nil && len(l.Drafts) >= 2
	})

	managerJSON, _ := json.Marshal(manager)
	browser.run(t, p.gateway, "tests/dashboard.test.mjs", "RUCHE_MANAGER="+string(managerJSON))

	// What the phone did, seen through the API: the queue paused and
	// resumed (audited by publishing), one draft approved, one rejected.
	var pause query.PauseState
	if code, b := p.api(t, "GET", "/publishing/pause?brand=demo", ""); code != 200 || json.Unmarshal(b, &pause) != nil || pause.Paused {
		t.Fatalf("the queue after the phone flow: %d %s", code, b)
	}
	var audit query.AuditLog
	if code, b := p.api(t, "GET", "/publications/audit?brand=demo&limit=500", ""); code != 200 || json.Unmarshal(b, &audit) != nil {
		t.Fatalf("publishing audit: %d %s", code, b)
	}
	actions := map[string]bool{}
	for _, e := range audit.Entries {
		actions[e.Action] = true
	}
	if !actions["paused"] || !actions["resumed"] {
		t.Fatalf("publishing's audit lacks the pause and the resume: %v", actions)
	}
	for status, want := range map[string]int{query.DraftApproved: 1, query.DraftRejected: 1} {
		var l query.DraftList
		if code, b := p.api(t, "GET", "/drafts?brand=demo&status="+status, ""); code != 200 || json.Unmarshal(b, &l) != nil || len(l.Drafts) < want {
			t.Fatalf("%s drafts: %d %s", status, code, b)
		}
	}
}

// waitWithin polls cond until it holds or within passes.
func waitWithin(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
