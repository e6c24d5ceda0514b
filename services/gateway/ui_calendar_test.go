package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// fakeScheduling answers scheduling's endpoints on the real bus with
// posts kept in memory: revisions checked as scheduling checks them
// (CodeConflict when stale), x's 280 characters, one held post.
type fakeScheduling struct {
	mu      sync.Mutex
	posts   map[string]*query.Post
	next    int
	held    bool
	resumed int
}

func startFakeScheduling(t *testing.T, g *testGateway) *fakeScheduling {
	t.Helper()
	f := &fakeScheduling{posts: map[string]*query.Post{}, held: true}
	srv, err := rpc.NewServer(g.js.Conn(), query.SchedulingService, "0.0.1", "stand-in", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	f.posts["held-1"] = &query.Post{ID: "held-1", Brand: "a", State: postv1.StateHeld, Revision: 3, HeldBy: "crisis-7",
		PostContent: query.PostContent{Variants: []query.PostVariant{{Network: "sandbox", Text: "Held by the crisis"}}},
		Time:        &query.PostTime{Wall: "2026-12-09T10:00", Zone: "Europe/Paris", At: time.Date(2026, 12, 9, 10, 0, 0, 0, paris)}}
	// change applies fn to the post read at rev.
	change := func(ref query.PostRef, rev int, fn func(p *query.Post) error) (query.Post, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := f.posts[ref.ID]
		if !ok || p.Brand != ref.Brand {
			return query.Post{}, rpc.NotFound("no post %s", ref.ID)
		}
		if p.Revision != rev {
			return query.Post{}, rpc.Conflict("post %s is at revision %d, not %d: read it again", p.ID, p.Revision, rev)
		}
		if err := fn(p); err != nil {
			return query.Post{}, err
		}
		p.Revision++
		return *p, nil
	}
	must(rpc.Handle(srv, query.CreatePost, func(_ context.Context, r query.CreatePostRequest) (query.Post, error) {
		for i, v := range r.Variants {
			if v.Network == "x" && len([]rune(v.Text)) > 280 {
				return query.Post{}, rpc.BadRequest(fmt.Sprintf("variants[%d].text", i), "%d characters, x allows 280", len([]rune(v.Text)))
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.next++
		p := &query.Post{ID: fmt.Sprintf("p-%d", f.next), Brand: r.Brand, Owner: r.By, State: postv1.StateDraft, Revision: 1, PostContent: r.PostContent}
		f.posts[p.ID] = p
		return *p, nil
	}))
	must(rpc.Handle(srv, query.GetPost, func(_ context.Context, r query.PostRef) (query.Post, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if p, ok := f.posts[r.ID]; ok {
			return *p, nil
		}
		return query.Post{}, rpc.NotFound("no post %s", r.ID)
	}))
	must(rpc.Handle(srv, query.SubmitPost, func(_ context.Context, r query.PostActionRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error { p.State = postv1.StateInReview; return nil })
	}))
	must(rpc.Handle(srv, query.ApprovePost, func(_ context.Context, r query.PostActionRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error {
			if r.Role != "manager" {
				return rpc.Forbidden("a %s does not approve", r.Role)
			}
			p.State = postv1.StateApproved
			p.Approvals = append(p.Approvals, query.PostApproval{By: r.By, Role: r.Role, At: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)})
			return nil
		})
	}))
	must(rpc.Handle(srv, query.RequestPostChanges, func(_ context.Context, r query.PostActionRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error {
			p.State = postv1.StateDraft
			p.Comments = append(p.Comments, query.PostComment{By: r.By, Kind: "changes_requested", Text: r.Comment})
			return nil
		})
	}))
	must(rpc.Handle(srv, query.SchedulePost, func(_ context.Context, r query.SchedulePostRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error {
			loc, err := time.LoadLocation(r.Zone)
			if err != nil {
				return rpc.BadRequest("zone", "%q", r.Zone)
			}
			at, err := time.ParseInLocation("2006-01-02T15:04", r.Wall, loc)
			if err != nil {
				return rpc.BadRequest("wall", "%q is not a wall time", r.Wall)
			}
			p.State, p.Time = postv1.StateScheduled, &query.PostTime{Wall: r.Wall, Zone: r.Zone, At: at}
			return nil
		})
	}))
	must(rpc.Handle(srv, query.AddToQueue, func(_ context.Context, r query.AddToQueueRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error {
			p.State, p.Time = postv1.StateScheduled, &query.PostTime{Wall: "2026-12-08T09:00", Zone: "Europe/Paris", At: time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)}
			return nil
		})
	}))
	must(rpc.Handle(srv, query.CancelPost, func(_ context.Context, r query.PostActionRequest) (query.Post, error) {
		return change(r.PostRef, r.Revision, func(p *query.Post) error { p.State, p.Time = postv1.StateApproved, nil; return nil })
	}))
	must(rpc.Handle(srv, query.GetCalendar, func(_ context.Context, r query.CalendarRequest) (query.Calendar, error) {
		loc, _ := time.LoadLocation(r.Zone)
		from, _ := time.ParseInLocation(time.DateOnly, r.From, loc)
		days := map[string]int{"month": 31, "week": 7, "day": 1}[r.View]
		cal := query.Calendar{View: r.View, Zone: r.Zone, From: from, To: from.AddDate(0, 0, days)}
		f.mu.Lock()
		defer f.mu.Unlock()
		for i := range days {
			d := query.CalendarDay{Date: from.AddDate(0, 0, i).Format(time.DateOnly)}
			for _, p := range f.posts {
				if p.Time != nil && p.Time.At.In(loc).Format(time.DateOnly) == d.Date && (len(r.States) == 0 || r.States[0] == p.State) {
					d.Posts = append(d.Posts, query.CalendarEntry{Time: p.Time.At.In(loc).Format("15:04"), Post: *p})
				}
			}
			cal.Days = append(cal.Days, d)
		}
		return cal, nil
	}))
	must(rpc.Handle(srv, query.ListHeldPosts, func(_ context.Context, r query.BrandRef) (query.HeldPosts, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.held {
			return query.HeldPosts{}, nil
		}
		return query.HeldPosts{Hold: &query.CrisisHold{Crises: []string{"crisis-7"}}, Posts: []query.Post{*f.posts["held-1"]}}, nil
	}))
	must(rpc.Handle(srv, query.ResumePosts, func(_ context.Context, r query.ResumePostsRequest) (query.ResumeResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.held, f.resumed = false, f.resumed+1
		f.posts["held-1"].State = postv1.StateScheduled
		return query.ResumeResult{Released: []string{"held-1"}}, nil
	}))
	an, err := rpc.NewServer(g.js.Conn(), query.AnalyticsService, "0.0.1", "stand-in", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(an.Stop)
	must(rpc.Handle(an, query.GetReportSettings, func(_ context.Context, r query.GetReportSettingsRequest) (query.ReportSettingsResponse, error) {
		return query.ReportSettingsResponse{Brand: r.Brand, Settings: query.ReportSettings{TZ: "Europe/Paris"}}, nil
	}))
	must(rpc.Handle(an, query.GetBestTimes, func(_ context.Context, r query.BestTimesRequest) (query.BestTimesToPost, error) {
		return query.BestTimesToPost{Brand: r.Brand, TZ: r.TZ, Measure: query.MeasurePerPost, Posts: 42, Interactions: 1234,
			Reason: query.Localized{EN: "Enough posts of your own.", FR: "Assez de publications à vous."},
			Slots:  []query.PostingSlot{{Weekday: 2, Hour: 18, Posts: 7, Interactions: 300, Score: 42.9}}}, nil
	}))
	return f
}

func (f *fakeScheduling) post(id string) query.Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.posts[id]
}

func TestUICalendar(t *testing.T) {
	g := newTestGateway(t)
	f := startFakeScheduling(t, g)
	manager, managerID := g.join("a", "manager", "lea@a.example")
	guest, _ := g.join("a", "agency_guest", "guest@a.example")
	hx := func(who caller) []string { return []string{"HX-Request", "true", gateway.CSRFHeader, who.csrf} }
	contains := func(t *testing.T, body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("the answer lacks %q", w)
			}
		}
	}

	t.Run("a_month_in_the_brands_zone_with_the_hold", func(t *testing.T) {
		r := g.page(manager, "/calendar?brand=a")
		if r.code != http.StatusOK {
			t.Fatalf("calendar: %d %s", r.code, r.body)
		}
		contains(t, r.body, "Editorial calendar", "Month from 2026-12-07 (Europe/Paris)", `data-date="2026-12-09"`,
			"1 posts held by a crisis", "crisis-7", "Resume the queue", "New post", `id="text-x"`, "calendar.js", `aria-current="page">Calendar`)
		if strings.Contains(r.body, "style=") || strings.Contains(r.body, "<script>") {
			t.Fatal("inline style or script on the calendar")
		}
		if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
			t.Fatalf("CSP %q", got)
		}
	})

	t.Run("a_week_with_the_best_times_and_their_evidence_in_french", func(t *testing.T) {
		r := g.page(manager, "/calendar?brand=a&view=week&from=2026-12-07&zone=America/New_York", "Accept-Language", "fr")
		contains(t, r.body, "Calendrier éditorial", "Meilleurs moments pour publier", "D&#39;après 42 publications et 1234 interactions",
			"Assez de publications à vous.", "mar. 18:00", "America/New_York", "lun. 7")
	})

	t.Run("bad_filters_name_their_field", func(t *testing.T) {
		for path, says := range map[string]string{"view=year": "want month, week or day", "zone=Mars/Base": "is not an IANA time zone",
			"from=07/12/2026": "is not a date", "state=sent": "is not one of"} {
			r := g.page(manager, "/calendar?brand=a&"+path)
			if r.code != http.StatusBadRequest || !strings.Contains(r.body, says) {
				t.Errorf("%s: %d %s", path, r.code, r.body)
			}
		}
	})

	var id string
	t.Run("create_shows_the_limits_error_beside_its_field_then_creates", func(t *testing.T) {
		long := strings.Repeat("é", 281)
		r := g.form(manager, "/calendar/create?brand=a&view=month&from=2026-12-01&zone=Europe/Paris",
			url.Values{"text_x": {long}, "text_sandbox": {"Bonjour"}, "campaign": {"Noël"}}, hx(manager)...)
		contains(t, r.body, `<span id="err-text-x" class="error">281 characters, x allows 280</span>`, `aria-invalid="true"`, long)
		r = g.form(manager, "/calendar/create?brand=a&view=month&from=2026-12-01&zone=Europe/Paris", url.Values{}, hx(manager)...)
		contains(t, r.body, "Write the text of at least one network.")
		r = g.form(manager, "/calendar/create?brand=a&view=month&from=2026-12-01&zone=Europe/Paris",
			url.Values{"text_x": {"<b>Soldes</b> de Noël"}, "text_sandbox": {"Bonjour"}, "campaign": {"Noël"}, "labels": {"promo, hiver"}}, hx(manager)...)
		contains(t, r.body, "Draft created.", `hx-swap-oob="true"`, "&lt;b&gt;Soldes&lt;/b&gt;", "Send to review")
		if r.header.Get("HX-Trigger") != "ruche:calendar" {
			t.Fatalf("no refresh trigger: %v", r.header)
		}
		p := f.post("p-1")
		id = p.ID
		if len(p.Variants) != 2 || p.Campaign != "Noël" || len(p.Labels) != 2 {
			t.Fatalf("created %+v", p)
		}
	})

	act := func(who caller, verb string, values url.Values) reply {
		return g.form(who, "/calendar/post/"+verb+"?brand=a&zone=Europe/Paris&id="+id, values, hx(who)...)
	}
	rev := func() string { return fmt.Sprint(f.post(id).Revision) }

	t.Run("submit_approve_schedule_as_the_role_allows", func(t *testing.T) {
		contains(t, act(manager, "submit", url.Values{"revision": {rev()}}).body, "In review", "Approve", "Request changes")
		// A guest writes but neither approves nor schedules: no button, and the route refuses.
		r := g.browse(guest, "GET", "/calendar/post?brand=a&zone=Europe/Paris&id="+id, nil, hx(guest))
		if r.code != http.StatusOK || strings.Contains(r.body, `data-action="approve"`) {
			t.Fatalf("guest panel: %d %s", r.code, r.body)
		}
		if r := act(guest, "approve", url.Values{"revision": {rev()}}); r.code != http.StatusForbidden {
			t.Fatalf("a guest approved: %d %s", r.code, r.body)
		}
		contains(t, act(manager, "approve", url.Values{"revision": {rev()}}).body, "Approved", "Schedule", `name="wall"`, "Add to queue", "<li>Test, ")
		// The API names the approver too, beside the id scheduling keeps.
		var got query.Post
		g.must(manager, "GET", "/api/v1/posts/"+id+"?brand=a", "", http.StatusOK).decode(t, &got)
		if len(got.Approvals) != 1 || got.Approvals[0].By != managerID || got.Approvals[0].ByName != "Test" {
			t.Fatalf("approvals in the API: %+v", got.Approvals)
		}
		r = act(manager, "schedule", url.Values{"revision": {rev()}, "wall": {"2026-12-10T18:30"}})
		contains(t, r.body, "Done.", "Scheduled for 2026-12-10T18:30 (Europe/Paris)", "Reschedule", `value="2026-12-10T18:30"`, "Cancel the schedule")
		r = g.page(manager, "/calendar/grid?brand=a&view=week&from=2026-12-07&zone=Europe/Paris", hx(manager)...)
		contains(t, r.body, `data-id="p-1"`, `draggable="true"`, `data-time="18:30"`)
	})

	t.Run("a_stale_revision_says_so_and_reloads", func(t *testing.T) {
		r := act(manager, "cancel", url.Values{"revision": {"2"}})
		contains(t, r.body, "This post changed since you read it", `data-revision="`+rev()+`"`, "Cancel the schedule")
		if f.post(id).State != postv1.StateScheduled {
			t.Fatal("a stale cancel changed the post")
		}
	})

	t.Run("drag_to_another_day_keeps_the_hour", func(t *testing.T) {
		path := "/calendar/move?brand=a&view=week&from=2026-12-07&zone=Europe/Paris"
		r := g.form(manager, path, url.Values{"id": {id}, "revision": {rev()}, "wall": {"2026-12-12T18:30"}}, hx(manager)...)
		contains(t, r.body, "Moved to 2026-12-12T18:30.")
		if p := f.post(id); p.Time.Wall != "2026-12-12T18:30" || p.Time.Zone != "Europe/Paris" {
			t.Fatalf("moved to %+v", p.Time)
		}
		// The grid shows it on the 12th.
		day := r.body[strings.Index(r.body, `data-date="2026-12-12"`):]
		day = day[:strings.Index(day, "</li></ul></li>")]
		contains(t, day, `data-id="p-1"`)
		if strings.Contains(r.body, `id="post-panel"`) {
			t.Fatal("the panel came back though it showed no post")
		}
		// With the post open beside the grid, its panel comes back fresh.
		r = g.form(manager, path, url.Values{"id": {id}, "revision": {rev()}, "wall": {"2026-12-11T18:30"}, "open": {id}}, hx(manager)...)
		panel := r.body[strings.Index(r.body, `<aside id="post-panel"`):]
		contains(t, panel, `hx-swap-oob="true"`, `data-revision="`+rev()+`"`, "Scheduled for 2026-12-11T18:30 (Europe/Paris)", `value="2026-12-11T18:30"`)
		// A drag from a stale grid: a message, the grid fresh, the post where it was.
		r = g.form(manager, path, url.Values{"id": {id}, "revision": {"1"}, "wall": {"2026-12-08T18:30"}}, hx(manager)...)
		contains(t, r.body, "This post changed since you read it", `data-revision="`+rev()+`"`)
		if f.post(id).Time.Wall != "2026-12-11T18:30" {
			t.Fatal("a stale drag moved the post")
		}
		if r := g.form(guest, path, url.Values{"id": {id}, "revision": {rev()}, "wall": {"2026-12-08T18:30"}}, hx(guest)...); r.code != http.StatusForbidden {
			t.Fatalf("a guest moved a post: %d", r.code)
		}
	})

	t.Run("cancel_then_add_to_queue", func(t *testing.T) {
		contains(t, act(manager, "cancel", url.Values{"revision": {rev()}}).body, "Approved")
		contains(t, act(manager, "queue", url.Values{"revision": {rev()}}).body, "Scheduled for 2026-12-08T09:00")
	})

	t.Run("request_changes_with_a_comment", func(t *testing.T) {
		r := g.form(manager, "/calendar/create?brand=a&view=month&from=2026-12-01&zone=Europe/Paris", url.Values{"text_mastodon": {"Toot"}}, hx(manager)...)
		contains(t, r.body, "Draft created.")
		id = "p-2"
		act(manager, "submit", url.Values{"revision": {rev()}})
		r = act(manager, "request-changes", url.Values{"revision": {rev()}, "comment": {"Plus court <svp>"}})
		contains(t, r.body, "Draft", "changes_requested", "Plus court &lt;svp&gt;")
	})

	t.Run("resume_releases_the_held_posts", func(t *testing.T) {
		if r := g.form(guest, "/calendar/resume?brand=a", nil, hx(guest)...); r.code != http.StatusForbidden {
			t.Fatalf("a guest resumed: %d", r.code)
		}
		r := g.form(manager, "/calendar/resume?brand=a", nil, hx(manager)...)
		contains(t, r.body, "1 posts released, in order.")
		if f.resumed != 1 {
			t.Fatalf("resumed %d times", f.resumed)
		}
		if strings.Contains(g.page(manager, "/calendar?brand=a").body, "held by a crisis") {
			t.Fatal("the hold is still shown")
		}
	})
}
