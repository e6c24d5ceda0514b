package gateway

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// draftMetrics serves GET /api/v1/kpis/drafts?brand=[&from&to&tz]: the
// drafts' acceptance rate, edit distance and time to approve over a period
// (dates in tz, to inclusive; both omitted: the last 7 days, today
// included, as the dashboard).
func (s *Service) draftMetrics(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	loc := time.UTC
	if tz := c.QueryParam("tz"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return httpx.BadRequest("tz", "must be an IANA time zone such as Europe/Paris")
		}
	}
	from, err := timeParam(c, "from", loc)
	if err != nil {
		return err
	}
	to, err := timeParam(c, "to", loc)
	if err != nil {
		return err
	}
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	req := query.DraftMetricsRequest{Brand: brand, From: today.AddDate(0, 0, -6), To: today.AddDate(0, 0, 1)}
	if from != nil {
		req.From = *from
	}
	if to != nil {
		req.To = *to
		if len(c.QueryParam("to")) == len(time.DateOnly) { // a date: inclusive
			req.To = to.AddDate(0, 0, 1)
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetDraftMetrics, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// searchAudit serves GET /api/v1/audit/search?brand=[&actor&action&since&until&limit&cursor]:
// the audit log as analytics indexes it, newest first.
func (s *Service) searchAudit(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.SearchAuditRequest{Brand: brand, Actor: c.QueryParam("actor"), Action: c.QueryParam("action"), Cursor: c.QueryParam("cursor")}
	if req.Since, err = timeParam(c, "since", nil); err != nil {
		return err
	}
	if req.Until, err = timeParam(c, "until", nil); err != nil {
		return err
	}
	if req.Limit, err = intParam(c, "limit", 1, 1000); err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.SearchAudit, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
