package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// drawContest serves POST /api/v1/contests/draw?brand= with a
// ContestDrawRequest body; the draw is recorded under the caller's key id.
// The brand is the query parameter, as on every route; a brand in the body
// (the first form of this route) must agree with it, or stand alone.
func (s *Service) drawContest(c echo.Context) error {
	var req query.ContestDrawRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return httpx.BadRequest("body", "a contest draw request as JSON is expected: %v", err)
	}
	switch q := c.QueryParam("brand"); {
	case q != "" && req.Brand != "" && q != req.Brand:
		return httpx.BadRequest("brand", "the body's brand %q is not the brand parameter %q", req.Brand, q)
	case q != "":
		req.Brand = q
	case req.Brand == "":
		return httpx.BadRequest("brand", "the brand query parameter is required")
	}
	if err := events.ValidateBrand(req.Brand); err != nil {
		return httpx.BadRequest("brand", "%v", err)
	}
	if err := authorize(c, req.Brand); err != nil {
		return err
	}
	req.DrawnBy = principal(c).ID
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.DrawContest, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// getContest serves GET /api/v1/contests/:id?brand=[&format=csv].
func (s *Service) getContest(c echo.Context) error {
	csvOut, err := wantsCSV(c)
	if err != nil {
		return err
	}
	if !csvOut {
		return contestRef(c, s, query.GetContest)
	}
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetContest, query.ContestRef{Brand: brand, ID: c.Param("id")})
	if err != nil {
		return err
	}
	return s.exportContest(c, d)
}

// verifyContest serves POST /api/v1/contests/:id/verify?brand=.
func (s *Service) verifyContest(c echo.Context) error {
	return contestRef(c, s, query.VerifyContest)
}

func contestRef[Resp any](c echo.Context, s *Service, ep query.Endpoint[query.ContestRef, Resp]) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, ep, query.ContestRef{Brand: brand, ID: c.Param("id")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
