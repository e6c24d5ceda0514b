package gateway

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// planningRoutes exposes scheduling's queues, CSV import and calendar
// feed. The feed itself (/ical/{brand}/{token}.ics) is public: calendar
// applications send no credentials, so its token is the credential.
func (s *Service) planningRoutes(e *echo.Echo, api *echo.Group) {
	api.GET("/slots", s.getSlots)
	api.PUT("/slots", s.putSlots)
	api.POST("/queue", s.addToQueue)
	api.POST("/queue/recycle", s.recycleEvergreen)
	api.POST("/posts/import", s.importPosts)
	api.GET("/calendar/feed-token", brandRead(s, query.GetFeedToken))
	api.POST("/calendar/feed-token", s.createFeedToken)
	api.DELETE("/calendar/feed-token", s.revokeFeedToken)
	e.GET("/ical/:brand/:file", s.icalFeed)
}

func queueRef(c echo.Context) (query.QueueRef, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.QueueRef{}, err
	}
	network := c.QueryParam("network")
	if network == "" {
		return query.QueueRef{}, httpx.BadRequest("network", "network is required: a queue is per network")
	}
	return query.QueueRef{Brand: brand, Network: network}, nil
}

// getSlots serves GET /api/v1/slots?brand=&network=: the queue's weekly
// slots and its next free ones.
func (s *Service) getSlots(c echo.Context) error {
	ref, err := queueRef(c)
	if err != nil {
		return err
	}
	return forward(c, s, query.GetQueue, ref, http.StatusOK)
}

// SlotsBody is the body of PUT /api/v1/slots.
type SlotsBody struct {
	Zone             string            `json:"zone"`
	Slots            []query.QueueSlot `json:"slots"`
	EvergreenGapDays int               `json:"evergreen_gap_days"`
	// EvergreenMaxReposts bounds the copies of one post (0: no bound);
	// EvergreenAheadDays is how many days ahead the recycler fills the
	// queue on its own (0: on request only).
	EvergreenMaxReposts int `json:"evergreen_max_reposts"`
	EvergreenAheadDays  int `json:"evergreen_ahead_days"`
	// Revision is the queue's as read (0 for a queue never saved).
	Revision int `json:"revision"`
}

// putSlots serves PUT /api/v1/slots?brand=&network=.
func (s *Service) putSlots(c echo.Context) error {
	ref, err := queueRef(c)
	if err != nil {
		return err
	}
	var body SlotsBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	q := query.Queue{Brand: ref.Brand, Network: ref.Network, Zone: body.Zone, Slots: body.Slots, EvergreenGapDays: body.EvergreenGapDays,
		EvergreenMaxReposts: body.EvergreenMaxReposts, EvergreenAheadDays: body.EvergreenAheadDays, Revision: body.Revision}
	return forward(c, s, query.PutQueue, query.PutQueueRequest{Queue: q, By: principal(c).ID}, http.StatusOK)
}

// QueueBody is the body of POST /api/v1/queue.
type QueueBody struct {
	PostID   string `json:"post_id"`
	Revision int    `json:"revision"`
	// Network names the queue (default: the post's first network).
	Network string `json:"network,omitempty"`
}

// addToQueue serves POST /api/v1/queue?brand=: an approved post goes to
// the next free slot of its network's queue.
func (s *Service) addToQueue(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body QueueBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if body.PostID == "" || strings.ContainsAny(body.PostID, ".*> :") {
		return httpx.BadRequest("post_id", "%q is not a post id", body.PostID)
	}
	if err := revisionOK(body.Revision); err != nil {
		return err
	}
	return forward(c, s, query.AddToQueue, query.AddToQueueRequest{PostRef: query.PostRef{Brand: brand, ID: body.PostID},
		Revision: body.Revision, By: principal(c).ID, Network: body.Network}, http.StatusOK)
}

// RecycleBody is the body of POST /api/v1/queue/recycle.
type RecycleBody struct {
	// Count is how many free slots to fill (1 by default).
	Count int `json:"count,omitempty"`
}

// recycleEvergreen serves POST /api/v1/queue/recycle?brand=&network=: the
// next free slots get drafts copied from the brand's evergreen posts.
func (s *Service) recycleEvergreen(c echo.Context) error {
	ref, err := queueRef(c)
	if err != nil {
		return err
	}
	var body RecycleBody
	if c.Request().ContentLength != 0 {
		if err := bindStrict(c, &body); err != nil {
			return err
		}
	}
	return forward(c, s, query.RecycleEvergreen, query.RecycleRequest{QueueRef: ref, By: principal(c).ID, Count: body.Count}, http.StatusOK)
}

// importPosts serves POST /api/v1/posts/import?brand=&zone=&dry_run=: the
// CSV file as the body (text/csv) or as the "file" part of a multipart
// form. The answer lists every row's problems; nothing is created while
// there is one, nor in a dry run.
func (s *Service) importPosts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	dry := false
	if v := c.QueryParam("dry_run"); v != "" {
		if dry, err = strconv.ParseBool(v); err != nil {
			return httpx.BadRequest("dry_run", "%q is not true or false", v)
		}
	}
	file, err := csvBody(c)
	if err != nil {
		return err
	}
	req := query.ImportPostsRequest{Brand: brand, By: principal(c).ID, Zone: c.QueryParam("zone"), CSV: file, DryRun: dry}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ImportPosts, req)
	if err != nil {
		return err
	}
	status := http.StatusOK
	switch {
	case len(resp.Problems) > 0:
		status = http.StatusUnprocessableEntity
	case len(resp.Created) > 0:
		status = http.StatusCreated
	}
	return c.JSON(status, resp)
}

// csvBody reads the uploaded file: a multipart form's "file" part, or the
// body itself.
func csvBody(c echo.Context) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var r io.Reader = c.Request().Body
	if ct == "multipart/form-data" {
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, httpx.BadRequest("file", "the CSV file is required as the form's \"file\" part")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, httpx.BadRequest("file", "unreadable upload: %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(r)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, echo.ErrStatusRequestEntityTooLarge
	case err != nil:
		return nil, httpx.BadRequest("body", "unreadable body: %v", err)
	case len(b) == 0:
		return nil, httpx.BadRequest("file", "the CSV file is empty")
	}
	return b, nil
}

// createFeedToken serves POST /api/v1/calendar/feed-token?brand=: a new
// feed URL (the previous one stops working), shown once.
func (s *Service) createFeedToken(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	return forward(c, s, query.CreateFeedToken, query.FeedTokenRequest{Brand: brand, By: principal(c).ID}, http.StatusCreated)
}

func (s *Service) revokeFeedToken(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.RevokeFeedToken, query.FeedTokenRequest{Brand: brand, By: principal(c).ID}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// icalFeed serves GET /ical/{brand}/{token}.ics, read-only: any token but
// the brand's is the same 404 as a brand without a feed.
func (s *Service) icalFeed(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || token == "" {
		return echo.ErrNotFound
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetFeed, query.FeedRequest{Brand: c.Param("brand"), Token: token})
	if e := rpc.AsError(err); e != nil && e.Code == query.CodeNotFound {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("Referrer-Policy", "no-referrer")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", []byte(resp.Calendar))
}
