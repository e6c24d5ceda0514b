package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// postRoutes exposes scheduling: the editorial calendar's posts, their
// review, their time, the crisis hold and the calendar views. Who acts is
// the caller; their role on the brand goes along, for the brand's approval
// policy.
func (s *Service) postRoutes(api *echo.Group) {
	api.GET("/posts", s.listPosts)
	api.POST("/posts", s.createPost)
	api.GET("/posts/held", s.heldPosts)
	api.POST("/posts/resume", s.resumePosts)
	api.GET("/posts/settings/approval", brandRead(s, query.GetApprovalPolicy))
	api.PUT("/posts/settings/approval", s.putApprovalPolicy)
	api.GET("/posts/:id", s.getPost)
	api.PUT("/posts/:id", s.editPost)
	api.POST("/posts/:id/submit", s.postAction(query.SubmitPost))
	api.POST("/posts/:id/comments", s.postAction(query.CommentPost))
	api.POST("/posts/:id/approve", s.postAction(query.ApprovePost))
	api.POST("/posts/:id/request-changes", s.postAction(query.RequestPostChanges))
	api.PUT("/posts/:id/schedule", s.schedulePost)
	api.DELETE("/posts/:id/schedule", s.cancelPost)
	api.GET("/calendar", s.calendar)
}

// EditPostBody is the body of PUT /api/v1/posts/{id}.
type EditPostBody struct {
	Revision int `json:"revision"`
	query.PostContent
}

// PostActionBody is the body of submit, comments, approve and
// request-changes.
type PostActionBody struct {
	Revision int    `json:"revision"`
	Comment  string `json:"comment,omitempty"`
}

// SchedulePostBody is the body of PUT /api/v1/posts/{id}/schedule: a wall
// time in an IANA zone, at the revision read (a drag on the calendar
// sends the same).
type SchedulePostBody struct {
	Revision int    `json:"revision"`
	Wall     string `json:"wall"`
	Zone     string `json:"zone"`
}

func postRef(c echo.Context) (query.PostRef, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.PostRef{}, err
	}
	id := c.Param("id")
	if id == "" || strings.ContainsAny(id, ".*> :") {
		return query.PostRef{}, httpx.BadRequest("id", "%q is not a post id", id)
	}
	return query.PostRef{Brand: brand, ID: id}, nil
}

func revisionOK(rev int) error {
	if rev < 1 {
		return httpx.BadRequest("revision", "the post's revision as read (1 or more) is required")
	}
	return nil
}

func (s *Service) createPost(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body query.PostContent
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	return forwardPost(c, s, query.CreatePost, query.CreatePostRequest{Brand: brand, By: principal(c).ID, PostContent: body}, http.StatusCreated)
}

func (s *Service) getPost(c echo.Context) error {
	ref, err := postRef(c)
	if err != nil {
		return err
	}
	return forwardPost(c, s, query.GetPost, ref, http.StatusOK)
}

func (s *Service) editPost(c echo.Context) error {
	ref, err := postRef(c)
	if err != nil {
		return err
	}
	var body EditPostBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if err := revisionOK(body.Revision); err != nil {
		return err
	}
	return forwardPost(c, s, query.EditPost, query.EditPostRequest{PostRef: ref, Revision: body.Revision, By: principal(c).ID, PostContent: body.PostContent}, http.StatusOK)
}

func (s *Service) postAction(ep query.Endpoint[query.PostActionRequest, query.Post]) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, err := postRef(c)
		if err != nil {
			return err
		}
		var body PostActionBody
		if err := bindStrict(c, &body); err != nil {
			return err
		}
		if err := revisionOK(body.Revision); err != nil {
			return err
		}
		p := principal(c)
		return forwardPost(c, s, ep, query.PostActionRequest{PostRef: ref, Revision: body.Revision, By: p.ID, Role: string(p.Role(ref.Brand)), Comment: body.Comment}, http.StatusOK)
	}
}

func (s *Service) schedulePost(c echo.Context) error {
	ref, err := postRef(c)
	if err != nil {
		return err
	}
	var body SchedulePostBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if err := revisionOK(body.Revision); err != nil {
		return err
	}
	return forwardPost(c, s, query.SchedulePost, query.SchedulePostRequest{PostRef: ref, Revision: body.Revision, By: principal(c).ID, Wall: body.Wall, Zone: body.Zone}, http.StatusOK)
}

func (s *Service) cancelPost(c echo.Context) error {
	ref, err := postRef(c)
	if err != nil {
		return err
	}
	rev, err := strconv.Atoi(c.QueryParam("revision"))
	if err != nil {
		return httpx.BadRequest("revision", "the post's revision as read is required (?revision=)")
	}
	if err := revisionOK(rev); err != nil {
		return err
	}
	p := principal(c)
	return forwardPost(c, s, query.CancelPost, query.PostActionRequest{PostRef: ref, Revision: rev, By: p.ID, Role: string(p.Role(ref.Brand))}, http.StatusOK)
}

// postFilter reads the calendar and listing filters.
func postFilter(c echo.Context) (query.PostFilter, error) {
	f := query.PostFilter{Network: c.QueryParam("network"), Campaign: c.QueryParam("campaign"), Label: c.QueryParam("label")}
	if v := c.QueryParam("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !postv1.State(st).Valid() {
				return f, httpx.BadRequest("state", "%q is not one of %v", st, postv1.States)
			}
			f.States = append(f.States, postv1.State(st))
		}
	}
	return f, nil
}

func (s *Service) listPosts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f, err := postFilter(c)
	if err != nil {
		return err
	}
	req := query.ListPostsRequest{Brand: brand, PostFilter: f}
	for name, into := range map[string]*time.Time{"from": &req.From, "to": &req.To} {
		if v := c.QueryParam(name); v != "" {
			if *into, err = time.Parse(time.RFC3339, v); err != nil {
				return httpx.BadRequest(name, "%q is not an RFC 3339 time", v)
			}
		}
	}
	if v := c.QueryParam("limit"); v != "" {
		if req.Limit, err = strconv.Atoi(v); err != nil || req.Limit < 1 || req.Limit > query.MaxListLimit {
			return httpx.BadRequest("limit", "must be a number from 1 to %d", query.MaxListLimit)
		}
	}
	list, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListPosts, req)
	if err != nil {
		return err
	}
	s.namePosts(c, pointers(list.Posts)...)
	return c.JSON(http.StatusOK, list)
}

// forwardPost forwards a request answered by a post, with the names of the
// people who approved and commented it.
func forwardPost[Req any](c echo.Context, s *Service, ep query.Endpoint[Req, query.Post], req Req, status int) error {
	p, err := rpc.Ask(c.Request().Context(), s.rpc, ep, req)
	if err != nil {
		return err
	}
	s.namePosts(c, &p)
	return c.JSON(status, p)
}

// namePosts fills the display names of the posts' approvers and
// commenters (scheduling keeps ids), one lookup per person.
func (s *Service) namePosts(c echo.Context, posts ...*query.Post) {
	names := map[string]string{}
	name := func(id string) string {
		n, ok := names[id]
		if !ok {
			n = s.displayName(c, id)
			names[id] = n
		}
		return n
	}
	for _, p := range posts {
		for i := range p.Approvals {
			p.Approvals[i].ByName = name(p.Approvals[i].By)
		}
		for i := range p.Comments {
			p.Comments[i].ByName = name(p.Comments[i].By)
		}
	}
}

func (s *Service) calendar(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f, err := postFilter(c)
	if err != nil {
		return err
	}
	req := query.CalendarRequest{Brand: brand, View: c.QueryParam("view"), From: c.QueryParam("from"), Zone: c.QueryParam("zone"), PostFilter: f}
	if req.View == "" {
		req.View = "month"
	}
	if req.From == "" {
		req.From = s.now().UTC().Format(time.DateOnly)
	}
	cal, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetCalendar, req)
	if err != nil {
		return err
	}
	var ps []*query.Post
	for d := range cal.Days {
		for i := range cal.Days[d].Posts {
			ps = append(ps, &cal.Days[d].Posts[i].Post)
		}
	}
	s.namePosts(c, ps...)
	return c.JSON(http.StatusOK, cal)
}

// heldPosts serves GET /api/v1/posts/held: the brand's crisis hold and the
// posts it holds, their approvers named.
func (s *Service) heldPosts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	held, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListHeldPosts, query.BrandRef{Brand: brand})
	if err != nil {
		return err
	}
	s.namePosts(c, pointers(held.Posts)...)
	return c.JSON(http.StatusOK, held)
}

// pointers are pointers to each of posts.
func pointers(posts []query.Post) []*query.Post {
	out := make([]*query.Post, len(posts))
	for i := range posts {
		out[i] = &posts[i]
	}
	return out
}

// brandRead forwards a read whose request is the brand alone.
func brandRead[Resp any](s *Service, ep query.Endpoint[query.BrandRef, Resp]) echo.HandlerFunc {
	return func(c echo.Context) error {
		brand, err := brandParam(c)
		if err != nil {
			return err
		}
		return forward(c, s, ep, query.BrandRef{Brand: brand}, http.StatusOK)
	}
}

func (s *Service) resumePosts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	return forward(c, s, query.ResumePosts, query.ResumePostsRequest{Brand: brand, By: principal(c).ID}, http.StatusOK)
}

func (s *Service) putApprovalPolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body query.ApprovalPolicy
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if body.Brand != "" && body.Brand != brand {
		return httpx.BadRequest("brand", "the body's brand %q differs from the query's %q", body.Brand, brand)
	}
	body.Brand = brand
	return forward(c, s, query.PutApprovalPolicy, body, http.StatusOK)
}
