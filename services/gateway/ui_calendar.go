package gateway

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// calendarRoutes serve the editorial calendar screen over scheduling's
// endpoints (the same as /api/v1/posts* and /api/v1/calendar):
//
//	GET  /calendar?brand=&view=&from=&zone=&network=&state=&campaign=&label=
//	GET  /calendar/grid?<the calendar's query>     the days (fragment, after an action)
//	GET  /calendar/post?brand=&id=&zone=           the open post (fragment)
//	POST /calendar/post/:verb?brand=&id=&zone=     submit, approve, request-changes,
//	                                               schedule, queue, cancel (revision in the form)
//	POST /calendar/move?<the calendar's query>     a drag: id, revision, wall
//	POST /calendar/create?<the calendar's query>   a new draft
//	POST /calendar/resume?brand=                   lift the crisis hold
func (s *Service) calendarRoutes(g *echo.Group) {
	g.GET("/calendar", s.calendarPage)
	g.GET("/calendar/grid", s.calendarGrid)
	g.GET("/calendar/post", s.calendarPost)
	for _, verb := range postVerbs {
		g.POST("/calendar/post/"+verb, s.calendarAction(verb))
	}
	g.POST("/calendar/move", s.calendarMove)
	g.POST("/calendar/create", s.calendarCreate)
	g.POST("/calendar/resume", s.calendarResume)
}

// postVerbs are the open post's actions (each with its access in
// routeRules).
var postVerbs = []string{"submit", "approve", "request-changes", "schedule", "queue", "cancel"}

func calendarRights(c echo.Context, brand string) ui.CalendarRights {
	p := principal(c)
	return ui.CalendarRights{Write: p.Allowed(brand, access.PostsWrite), Approve: p.Allowed(brand, access.PostsApprove),
		Schedule: p.Allowed(brand, access.PostsSchedule), Resume: p.Allowed(brand, access.PostsResume)}
}

// calendarQuery reads the calendar's URL: the view (month by default),
// its day (today in the zone), the zone (the brand's unless chosen) and
// the filters, parsed as the API parses them.
func (s *Service) calendarQuery(c echo.Context, brand string) (ui.CalendarQuery, query.PostFilter, error) {
	q := ui.CalendarQuery{Brand: brand, View: c.QueryParam("view"), From: c.QueryParam("from"), Zone: c.QueryParam("zone"),
		Network: c.QueryParam("network"), State: c.QueryParam("state"), Campaign: c.QueryParam("campaign"), Label: c.QueryParam("label")}
	f, err := postFilter(c)
	if err != nil {
		return q, f, err
	}
	switch q.View {
	case "":
		q.View = "month"
	case "month", "week", "day":
	default:
		return q, f, httpx.BadRequest("view", "%q, want month, week or day", q.View)
	}
	if q.Zone == "" {
		q.Zone = s.brandZone(c.Request().Context(), brand).String()
	}
	loc, err := time.LoadLocation(q.Zone)
	if err != nil {
		return q, f, httpx.BadRequest("zone", "%q is not an IANA time zone", q.Zone)
	}
	if q.From == "" {
		q.From = s.now().In(loc).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, q.From); err != nil {
		return q, f, httpx.BadRequest("from", "%q is not a date (2006-01-02)", q.From)
	}
	return q, f, nil
}

// fragmentQuery is the calendar's query of a fragment, whose URL names
// the brand.
func (s *Service) fragmentQuery(c echo.Context) (ui.CalendarQuery, query.PostFilter, error) {
	brand, err := brandParam(c)
	if err != nil {
		return ui.CalendarQuery{}, query.PostFilter{}, err
	}
	return s.calendarQuery(c, brand)
}

func (s *Service) calendarPage(c echo.Context) error {
	brand, err := s.pageBrand(c)
	if err != nil {
		return err
	}
	q, f, err := s.calendarQuery(c, brand)
	if err != nil {
		return err
	}
	ctx := s.uiContext(c)
	v := ui.Calendar{Page: s.page(c, "calendar", ui.T(ctx, "cal.title"), brand), Query: q, Rights: calendarRights(c, brand)}
	var wg sync.WaitGroup
	if q.View == "week" {
		wg.Go(func() {
			best, err := rpc.Ask(ctx, s.rpc, query.GetBestTimes, query.BestTimesRequest{Brand: brand, TZ: q.Zone, Network: q.Network})
			if err != nil {
				v.BestProblem = ui.T(ctx, "cal.best_failed", describe(err))
				return
			}
			v.Best = &best
		})
	}
	wg.Go(func() {
		if held, err := rpc.Ask(ctx, s.rpc, query.ListHeldPosts, query.BrandRef{Brand: brand}); err == nil {
			v.Held = held
		}
	})
	s.readCalendar(c, &v, f)
	wg.Wait()
	return s.render(c, http.StatusOK, ui.CalendarPage(v))
}

// calendarGrid answers the days again (an action changed them).
func (s *Service) calendarGrid(c echo.Context) error {
	q, f, err := s.fragmentQuery(c)
	if err != nil {
		return err
	}
	brand := q.Brand
	v := ui.Calendar{Query: q, Rights: calendarRights(c, brand)}
	s.readCalendar(c, &v, f)
	return s.render(c, http.StatusOK, ui.CalendarGrid(v))
}

// readCalendar fills the grid, or says why it could not.
func (s *Service) readCalendar(c echo.Context, v *ui.Calendar, f query.PostFilter) {
	ctx := s.uiContext(c)
	q := v.Query
	cal, err := rpc.Ask(ctx, s.rpc, query.GetCalendar, query.CalendarRequest{Brand: q.Brand, View: q.View, From: q.From, Zone: q.Zone, PostFilter: f})
	if err != nil {
		v.Problem = ui.T(ctx, "cal.read_failed", describe(err))
		return
	}
	v.Cal = cal
}

// panelRef is the post a fragment names, and the zone it is shown in.
func panelRef(c echo.Context) (query.PostRef, string, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.PostRef{}, "", err
	}
	id := c.QueryParam("id")
	if id == "" || strings.ContainsAny(id, ".*> :") {
		return query.PostRef{}, "", httpx.BadRequest("id", "%q is not a post id", id)
	}
	zone := c.QueryParam("zone")
	if _, err := time.LoadLocation(zone); err != nil || zone == "" {
		return query.PostRef{}, "", httpx.BadRequest("zone", "%q is not an IANA time zone", zone)
	}
	return query.PostRef{Brand: brand, ID: id}, zone, nil
}

func (s *Service) calendarPost(c echo.Context) error {
	ref, zone, err := panelRef(c)
	if err != nil {
		return err
	}
	post, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPost, ref)
	if err != nil {
		return err
	}
	s.namePosts(c, &post)
	return s.render(c, http.StatusOK, ui.PostView(ui.PostPanel{Brand: ref.Brand, Zone: zone, Post: post, Rights: calendarRights(c, ref.Brand)}))
}

// formRevision is the revision the form was read at.
func formRevision(c echo.Context) (int, error) {
	rev, err := strconv.Atoi(c.FormValue("revision"))
	if err != nil || rev < 1 {
		return 0, httpx.BadRequest("revision", "the post's revision as read (1 or more) is required")
	}
	return rev, nil
}

// calendarAction runs one action of the open post and answers the post
// again: done, refused with the reason, or — when someone changed it
// since it was read — reloaded with a message saying so.
func (s *Service) calendarAction(verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, zone, err := panelRef(c)
		if err != nil {
			return err
		}
		rev, err := formRevision(c)
		if err != nil {
			return err
		}
		ctx := s.uiContext(c)
		p := principal(c)
		act := query.PostActionRequest{PostRef: ref, Revision: rev, By: p.ID, Role: string(p.Role(ref.Brand)), Comment: c.FormValue("comment")}
		var post query.Post
		switch verb {
		case "submit":
			post, err = rpc.Ask(ctx, s.rpc, query.SubmitPost, act)
		case "approve":
			post, err = rpc.Ask(ctx, s.rpc, query.ApprovePost, act)
		case "request-changes":
			post, err = rpc.Ask(ctx, s.rpc, query.RequestPostChanges, act)
		case "cancel":
			post, err = rpc.Ask(ctx, s.rpc, query.CancelPost, act)
		case "queue":
			post, err = rpc.Ask(ctx, s.rpc, query.AddToQueue, query.AddToQueueRequest{PostRef: ref, Revision: rev, By: p.ID})
		case "schedule":
			post, err = rpc.Ask(ctx, s.rpc, query.SchedulePost, query.SchedulePostRequest{PostRef: ref, Revision: rev, By: p.ID,
				Wall: c.FormValue("wall"), Zone: zone})
		}
		panel := ui.PostPanel{Brand: ref.Brand, Zone: zone, Post: post, Rights: calendarRights(c, ref.Brand), Message: ui.T(ctx, "cal.done")}
		if err != nil {
			if panel.Post, err = s.actionFailed(c, ref, err, &panel.Message); err != nil {
				return err
			}
			panel.Failed = true
		} else {
			c.Response().Header().Set("HX-Trigger", "ruche:calendar")
		}
		s.namePosts(c, &panel.Post)
		return s.render(c, http.StatusOK, ui.PostView(panel))
	}
}

// actionFailed turns a refused action into the post read again and the
// reason: a stale revision says so; another refusal (a bad time, a state
// that does not allow it) gives scheduling's message. A failure to read
// the post again is the answer's error.
func (s *Service) actionFailed(c echo.Context, ref query.PostRef, cause error, message *string) (query.Post, error) {
	ctx := s.uiContext(c)
	e, known := httpx.Describe(cause)
	if !known || e.Status >= 500 {
		return query.Post{}, cause
	}
	*message = ui.T(ctx, "cal.failed", e.Message)
	if e.Status == http.StatusConflict {
		*message = ui.T(ctx, "cal.stale")
	}
	return rpc.Ask(ctx, s.rpc, query.GetPost, ref)
}

// calendarMove reschedules a dragged post: the same hour on the day it
// was dropped on, at the revision the grid showed; the grid answers again
// (with a message when the post had changed: the grid is then fresh).
func (s *Service) calendarMove(c echo.Context) error {
	q, f, err := s.fragmentQuery(c)
	if err != nil {
		return err
	}
	brand := q.Brand
	rev, err := formRevision(c)
	if err != nil {
		return err
	}
	ref := query.PostRef{Brand: brand, ID: c.FormValue("id")}
	if ref.ID == "" || strings.ContainsAny(ref.ID, ".*> :") {
		return httpx.BadRequest("id", "%q is not a post id", ref.ID)
	}
	wall := c.FormValue("wall")
	ctx := s.uiContext(c)
	v := ui.Calendar{Query: q, Rights: calendarRights(c, brand)}
	p := principal(c)
	_, err = rpc.Ask(ctx, s.rpc, query.SchedulePost, query.SchedulePostRequest{PostRef: ref, Revision: rev, By: p.ID, Wall: wall, Zone: q.Zone})
	switch e, known := httpx.Describe(err); {
	case err == nil:
		v.Message = ui.T(ctx, "cal.moved", wall)
	case known && e.Status == http.StatusConflict:
		v.Message = ui.T(ctx, "cal.stale")
	case known && e.Status < 500:
		v.Message = ui.T(ctx, "cal.failed", e.Message)
	default:
		return err
	}
	s.readCalendar(c, &v, f)
	// The side panel showing the post is stale now (its time, its
	// revision): it comes back with the grid, out of band.
	if c.FormValue("open") != ref.ID {
		return s.render(c, http.StatusOK, ui.CalendarGrid(v))
	}
	post, err := rpc.Ask(ctx, s.rpc, query.GetPost, ref)
	if err != nil {
		return err
	}
	s.namePosts(c, &post)
	return s.render(c, http.StatusOK, ui.Moved(v, ui.PostPanel{Brand: brand, Zone: q.Zone, Post: post, Rights: v.Rights, Message: v.Message}))
}

// variantField is a scheduling field error on a variant:
// variants[<i>].<field>.
var variantField = regexp.MustCompile(`^variants\[(\d+)\]\.([a-z_]+)`)

// calendarCreate creates a draft from the form: a variant for each network
// whose text is filled. Scheduling's limit errors come back beside their
// field; the form keeps what was typed.
func (s *Service) calendarCreate(c echo.Context) error {
	q, _, err := s.fragmentQuery(c)
	if err != nil {
		return err
	}
	brand := q.Brand
	ctx := s.uiContext(c)
	form := ui.PostForm{Campaign: c.FormValue("campaign"), Labels: c.FormValue("labels"),
		Text: map[string]string{}, Link: map[string]string{}, Errors: map[string]string{}}
	content := query.PostContent{Campaign: strings.TrimSpace(form.Campaign), Labels: splitList(form.Labels)}
	for _, n := range ui.PostNetworksOffered {
		form.Text[n], form.Link[n] = c.FormValue("text_"+n), c.FormValue("link_"+n)
		if strings.TrimSpace(form.Text[n]) != "" || strings.TrimSpace(form.Link[n]) != "" {
			content.Variants = append(content.Variants, query.PostVariant{Network: n, Text: form.Text[n], Link: strings.TrimSpace(form.Link[n])})
		}
	}
	if len(content.Variants) == 0 {
		form.Problem = ui.T(ctx, "cal.no_variant")
		return s.render(c, http.StatusOK, ui.CreateForm(q, form))
	}
	post, err := rpc.Ask(ctx, s.rpc, query.CreatePost, query.CreatePostRequest{Brand: brand, By: principal(c).ID, PostContent: content})
	if err != nil {
		e, known := httpx.Describe(err)
		if !known || e.Status >= 500 {
			return err
		}
		form.Errors[createField(e.Field, content)] = e.Message
		if createField(e.Field, content) == "" {
			form.Problem = e.Message
		}
		return s.render(c, http.StatusOK, ui.CreateForm(q, form))
	}
	c.Response().Header().Set("HX-Trigger", "ruche:calendar")
	panel := ui.PostPanel{Brand: brand, Zone: q.Zone, Post: post, Rights: calendarRights(c, brand), Message: ui.T(ctx, "cal.created")}
	return s.render(c, http.StatusOK, ui.Created(q, panel))
}

// createField is the form's field of a scheduling field error: the
// variant's network and field ("x.text"), campaign or labels; "" when the
// form has no such field.
func createField(field string, content query.PostContent) string {
	if m := variantField.FindStringSubmatch(field); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i < len(content.Variants) && (m[2] == "text" || m[2] == "link") {
			return content.Variants[i].Network + "." + m[2]
		}
		return ""
	}
	if field == "campaign" || strings.HasPrefix(field, "labels") {
		return strings.SplitN(field, "[", 2)[0]
	}
	return ""
}

// calendarResume lifts the brand's crisis hold and says how many posts
// went out again.
func (s *Service) calendarResume(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	res, err := rpc.Ask(c.Request().Context(), s.rpc, query.ResumePosts, query.ResumePostsRequest{Brand: brand, By: principal(c).ID})
	if err != nil {
		return err
	}
	c.Response().Header().Set("HX-Trigger", "ruche:calendar")
	return s.render(c, http.StatusOK, ui.HeldResult(len(res.Released)))
}
