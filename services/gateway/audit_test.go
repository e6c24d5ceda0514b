package gateway_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/services/gateway"
)

func TestAuditLog(t *testing.T) {
	g := newTestGateway(t)
	owner, ownerID := g.join("a", "owner", "owner@a.example")
	_, modID := g.join("a", "moderator", "mod@a.example")
	g.join("b", "owner", "owner@b.example")
	g.must(owner, "PUT", "/api/v1/users/"+modID+"/role?brand=a", `{"role":"analyst"}`, 200)
	g.must(owner, "PUT", "/api/v1/teams?brand=a", `{"teams":[{"name":"day","members":["`+ownerID+`"]}]}`, 200)
	g.must(owner, "PUT", "/api/v1/teams?brand=a", `{"teams":[],"revision":99}`, 409)
	g.must(caller{}, "POST", "/api/v1/auth/login", `{"email":"mod@a.example","password":"wrong password!"}`, 401)

	var page gateway.AuditPage
	g.must(owner, "GET", "/api/v1/audit?brand=a", ``, 200).decode(t, &page)
	type row struct {
		action, actor string
		status        int
	}
	var got []row
	for _, r := range page.Items {
		if r.Brand != "a" || r.IP == "" || r.At.IsZero() {
			t.Errorf("record %+v", r)
		}
		if strings.Contains(string(r.After), "correct horse") || strings.Contains(string(r.After), "wrong password") || strings.Contains(r.Path, "inv.") {
			t.Errorf("a secret in the log: %+v", r)
		}
		got = append(got, row{r.Action, r.Actor, r.Status})
	}
	want := []row{
		{"users.manage", "key-", 201}, // invitation of the owner
		{"auth/invitations/:token/accept", ownerID, 200},
		{"users.manage", "key-", 201}, // invitation of the moderator
		{"auth/invitations/:token/accept", modID, 200},
		{"users.manage", ownerID, 200}, // role change
		{"users.manage", ownerID, 200}, // teams
		{"users.manage", ownerID, 409}, // stale teams: refused, recorded
		{"auth/login", modID, 401},     // failed sign-in
	}
	if len(got) != len(want) {
		t.Fatalf("records %+v", got)
	}
	for i := range want {
		if got[i].action != want[i].action || !strings.HasPrefix(got[i].actor, want[i].actor) || got[i].status != want[i].status {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	role := page.Items[4]
	if string(role.Before) != `{"role":"moderator","user":"`+modID+`"}` || string(role.After) != `{"role":"analyst","user":"`+modID+`"}` {
		t.Errorf("before/after %s %s", role.Before, role.After)
	}

	t.Run("filters_and_pages", func(t *testing.T) {
		var p gateway.AuditPage
		g.must(owner, "GET", "/api/v1/audit?brand=a&actor=mod@a.example", ``, 200).decode(t, &p)
		if len(p.Items) != 2 {
			t.Fatalf("by actor: %+v", p.Items)
		}
		g.must(owner, "GET", "/api/v1/audit?brand=a&target=id="+modID, ``, 200).decode(t, &p)
		if len(p.Items) != 1 || p.Items[0].Route != "/api/v1/users/:id/role" {
			t.Fatalf("by target: %+v", p.Items)
		}
		var all []string
		cursor := ""
		for {
			p = gateway.AuditPage{}
			g.must(owner, "GET", "/api/v1/audit?brand=a&limit=3&cursor="+cursor, ``, 200).decode(t, &p)
			for _, r := range p.Items {
				all = append(all, r.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(all) != len(want) {
			t.Fatalf("paged %d records, want %d", len(all), len(want))
		}
	})
	t.Run("csv_export", func(t *testing.T) {
		r := g.must(owner, "GET", "/api/v1/audit?brand=a&format=csv&locale=fr", ``, 200)
		rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
		rd.Comma = ';' // French spreadsheets
		rows, err := rd.ReadAll()
		if err != nil || len(rows) != len(want)+1 || rows[0][1] != "acteur" || rows[len(rows)-1][8] != "401" {
			t.Fatalf("csv %v %q", err, r.body)
		}
		// The export itself is recorded.
		var p gateway.AuditPage
		g.must(owner, "GET", "/api/v1/audit?brand=a&action=audit.export", ``, 200).decode(t, &p)
		if len(p.Items) != 1 || p.Items[0].Actor != ownerID || p.Items[0].Method != "GET" {
			t.Fatalf("export records %+v", p.Items)
		}
	})
	t.Run("append_only", func(t *testing.T) {
		stream, err := g.js.Stream(t.Context(), events.StreamName(events.DomainAudit))
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.DeleteMsg(t.Context(), 1); err == nil {
			t.Fatal("a record was deleted")
		}
		if err := stream.Purge(t.Context()); err == nil {
			t.Fatal("the log was purged")
		}
	})
	t.Run("brands_are_separate", func(t *testing.T) {
		var p gateway.AuditPage
		g.must(caller{key: ownerKeyB}, "GET", "/api/v1/audit?brand=b", ``, 200).decode(t, &p)
		for _, r := range p.Items {
			if r.Brand != "b" || r.Actor == ownerID {
				t.Fatalf("brand b's log holds %+v", r)
			}
		}
		g.must(caller{key: ownerKeyB}, "GET", "/api/v1/audit?brand=a", ``, 403)
	})
	t.Run("who_touched_an_interaction", func(t *testing.T) {
		moderator, _ := g.join("a", "moderator", "mod2@a.example")
		// The case routes reach moderation, absent here: they answer 503,
		// the attempt is recorded all the same.
		g.do(moderator, "POST", "/api/v1/cases/generic:42/claim?brand=a", ``)
		g.do(moderator, "POST", "/api/v1/cases/generic:420/claim?brand=a", ``)
		var p gateway.AuditPage
		g.must(moderator, "GET", "/api/v1/interactions/generic:42/history?brand=a", ``, 200).decode(t, &p)
		if len(p.Items) != 1 || p.Items[0].ActorEmail != "mod2@a.example" || p.Items[0].Action != "cases.work" || p.Items[0].Status != 503 {
			t.Fatalf("history: %+v", p.Items)
		}
		g.must(moderator, "GET", "/api/v1/audit?brand=a", ``, 403)
	})
}
