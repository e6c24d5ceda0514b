package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// listInteractions serves GET /api/v1/interactions: one page of the
// brand's interactions, narrowed by the filter parameters when there are any.
func (s *Service) listInteractions(c echo.Context) error {
	csvOut, err := wantsCSV(c)
	if err != nil {
		return err
	}
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: brand, Cursor: c.QueryParam("cursor")}}
	if req.Limit, err = intParam(c, "limit", 1, query.MaxListLimit); err != nil {
		return err
	}
	if req.InteractionFilter, err = interactionFilter(c); err != nil {
		return err
	}
	if csvOut {
		return s.exportInteractions(c, req)
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListInteractions, req)
	if err != nil {
		return err
	}
	if resp.Items == nil {
		resp.Items = []query.Interaction{}
	}
	return c.JSON(http.StatusOK, resp)
}

// interactionFilter reads the filter parameters.
func interactionFilter(c echo.Context) (query.InteractionFilter, error) {
	f := query.InteractionFilter{
		Networks: listParam(c, "network"), Kinds: listParam(c, "kind"), Verdicts: listParam(c, "verdict"),
		Statuses: listParam(c, "status"), Sentiments: listParam(c, "sentiment"), Intents: listParam(c, "intent"), Labels: listParam(c, "label"),
		Assignee: c.QueryParam("assignee"), Queue: c.QueryParam("queue"), AuthorID: c.QueryParam("author"),
		Text: c.QueryParam("q"),
	}
	for _, p := range []struct {
		name string
		dst  **int
	}{{"min_priority", &f.MinPriority}, {"max_priority", &f.MaxPriority}} {
		if v := c.QueryParam(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, httpx.BadRequest(p.name, "must be a whole number")
			}
			*p.dst = &n
		}
	}
	var err error
	if f.From, err = timeParam(c, "from", nil); err != nil {
		return f, err
	}
	if f.To, err = timeParam(c, "to", nil); err != nil {
		return f, err
	}
	return f, nil
}

// getInteraction serves GET /api/v1/interactions/:id?brand=...
func (s *Service) getInteraction(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// listParam reads a parameter that may repeat or hold comma-separated values.
func listParam(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// intParam reads an optional whole number from lo to hi (0 when absent).
func intParam(c echo.Context, name string, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, httpx.BadRequest(name, "must be a number from %d to %d", lo, hi)
	}
	return n, nil
}

// timeParam reads an RFC 3339 time or a YYYY-MM-DD date (midnight in loc,
// UTC when loc is nil); nil when absent.
func timeParam(c echo.Context, name string, loc *time.Location) (*time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return &t, nil
	}
	return nil, httpx.BadRequest(name, "must be an RFC 3339 time (2026-11-23T14:05:00Z) or a date (2026-11-23)")
}
