package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

func TestPostsAPI(t *testing.T) {
	conn := testkit.NATS(t)
	// A stand-in for scheduling on the real bus.
	svc, err := micro.AddService(conn.NC, micro.Config{Name: query.SchedulingService, Version: "0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	var mu sync.Mutex
	var approvals []query.PostActionRequest
	var schedules []query.SchedulePostRequest
	add := func(subject string, fn func(r micro.Request)) {
		if err := svc.AddEndpoint(strings.ReplaceAll(subject, ".", "_"), micro.HandlerFunc(fn), micro.WithEndpointSubject(subject)); err != nil {
			t.Fatal(err)
		}
	}
	add(query.ApprovePost.Subject(), func(r micro.Request) {
		var req query.PostActionRequest
		_ = json.Unmarshal(r.Data(), &req)
		mu.Lock()
		approvals = append(approvals, req)
		mu.Unlock()
		_ = r.RespondJSON(query.Post{ID: req.ID, State: "approved", Revision: req.Revision + 1})
	})
	add(query.SchedulePost.Subject(), func(r micro.Request) {
		var req query.SchedulePostRequest
		_ = json.Unmarshal(r.Data(), &req)
		mu.Lock()
		schedules = append(schedules, req)
		mu.Unlock()
		if req.Revision != 4 {
			_ = r.Error(query.CodeConflict, "post p-1 is at revision 4, not 3: read it again", nil)
			return
		}
		_ = r.RespondJSON(query.Post{ID: req.ID, State: "scheduled", Revision: 5})
	})
	add(query.GetCalendar.Subject(), func(r micro.Request) {
		var req query.CalendarRequest
		_ = json.Unmarshal(r.Data(), &req)
		_ = r.RespondJSON(query.Calendar{View: req.View, Zone: req.Zone})
	})
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: demoKey + ":demo", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"approves_with_the_callers_role", "POST", "/api/v1/posts/p-1/approve?brand=demo", `{"revision":2}`, 200, `"state":"approved"`},
		{"a_missing_revision_is_400", "POST", "/api/v1/posts/p-1/approve?brand=demo", `{}`, 400, `"field":"revision"`},
		{"an_unknown_field_is_400", "POST", "/api/v1/posts/p-1/approve?brand=demo", `{"revision":2,"by":"someone"}`, 400, "by"},
		{"schedules_a_wall_time", "PUT", "/api/v1/posts/p-1/schedule?brand=demo", `{"revision":4,"wall":"2027-03-28T02:30","zone":"Europe/Paris"}`, 200, `"state":"scheduled"`},
		{"a_stale_drag_is_409", "PUT", "/api/v1/posts/p-1/schedule?brand=demo", `{"revision":3,"wall":"2027-03-28T09:30","zone":"Europe/Paris"}`, 409, `"code":"conflict"`},
		{"cancel_needs_a_revision", "DELETE", "/api/v1/posts/p-1/schedule?brand=demo", ``, 400, `"field":"revision"`},
		{"a_bad_state_filter_is_400", "GET", "/api/v1/calendar?brand=demo&view=week&state=sent", ``, 400, `"field":"state"`},
		{"calendar_in_a_zone", "GET", "/api/v1/calendar?brand=demo&view=week&from=2027-03-22&zone=Asia/Kolkata", ``, 200, `"zone":"Asia/Kolkata"`},
		{"a_bad_post_id_is_400", "GET", "/api/v1/posts/a.b?brand=demo", ``, 400, `"field":"id"`},
		{"other_brand_is_403", "POST", "/api/v1/posts/p-1/approve?brand=cafe", `{"revision":2}`, 403, "forbidden"},
		{"scheduling_down_is_503", "GET", "/api/v1/posts/held?brand=demo", ``, 503, "unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+demoKey)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			gw.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(approvals) != 1 || approvals[0].Role != "owner" || !strings.HasPrefix(approvals[0].By, "key-") || approvals[0].Brand != "demo" {
		t.Fatalf("approvals %+v", approvals)
	}
	if len(schedules) != 2 || schedules[0].Wall != "2027-03-28T02:30" || schedules[0].Zone != "Europe/Paris" {
		t.Fatalf("schedules %+v", schedules)
	}
}
