package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// TestCalendarInTheBrowser runs `ruche up`, signs a manager in and runs
// the calendar's browser test (services/gateway/ui/web/tests/
// calendar.test.mjs): a post created (a limit error shown first), sent to
// review, approved, scheduled with the keyboard, dragged to another day;
// no CSP violation. Then the API says the post is scheduled on the day it
// was dropped on. Screenshots land in var/ui-artifacts.
func TestCalendarInTheBrowser(t *testing.T) {
	browser := newBrowserHarness(t)
	p := startPlatformOn(t, testkit.ClickHouse(t))

	manager := map[string]string{"email": "chloe@demo.example", "password": "correct horse battery staple"}
	var link gateway.LinkView
	if code, b := p.api(t, "POST", "/invitations?brand=demo", `{"role":"manager","email":"`+manager["email"]+`"}`); code != 201 || json.Unmarshal(b, &link) != nil {
		t.Fatalf("invite the manager: %d %s", code, b)
	}
	body, _ := json.Marshal(map[string]string{"name": "Chloé", "password": manager["password"]})
	if code, b := p.api(t, "POST", "/auth/invitations/"+link.Token+"/accept", string(body)); code != 200 {
		t.Fatalf("accept: %d %s", code, b)
	}
	managerJSON, _ := json.Marshal(manager)
	browser.run(t, p.gateway, "tests/calendar.test.mjs", "RUCHE_CALENDAR_MANAGER="+string(managerJSON))
	artifacts, _ := filepath.Abs(filepath.Join("..", "..", "var", "ui-artifacts"))

	var moved struct{ ID, To string }
	if b, err := os.ReadFile(filepath.Join(artifacts, "calendar-moved.json")); err != nil || json.Unmarshal(b, &moved) != nil {
		t.Fatalf("the browser test left no result: %v", err)
	}
	var post query.Post
	if code, b := p.api(t, "GET", "/posts/"+moved.ID+"?brand=demo", ""); code != 200 || json.Unmarshal(b, &post) != nil {
		t.Fatalf("the post: %d %s", code, b)
	}
	if post.State != "scheduled" || post.Time == nil || !strings.HasPrefix(post.Time.Wall, moved.To+"T10:30") || len(post.Approvals) != 1 {
		t.Fatalf("after the drag: %s %+v", post.State, post.Time)
	}
}
