package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// drawContest serves POST /api/v1/contests/draw with a ContestDrawRequest
// body; the draw is recorded under the caller's key id.
func (s *Service) drawContest(c echo.Context) error {
	var req query.ContestDrawRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return httpx.BadRequest("body", "a contest draw request as JSON is expected: %v", err)
	}
	if err := events.ValidateBrand(req.Brand); err != nil {
		return httpx.BadRequest("brand", "%v", err)
	}
	p, _ := c.Get(principalKey).(Principal)
	if !p.CanSee(req.Brand) {
		return httpx.Forbidden("this API key is not scoped to brand " + req.Brand)
	}
	req.DrawnBy = p.KeyID
	var resp query.ContestDraw
	if err := s.ask(c.Request().Context(), query.ContestDrawSubject, req, &resp); err != nil {
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
		return s.contestRef(c, query.ContestGetSubject, &query.ContestDraw{})
	}
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var d query.ContestDraw
	if err := s.ask(c.Request().Context(), query.ContestGetSubject, query.ContestRef{Brand: brand, ID: c.Param("id")}, &d); err != nil {
		return err
	}
	return s.exportContest(c, d)
}

// verifyContest serves POST /api/v1/contests/:id/verify?brand=.
func (s *Service) verifyContest(c echo.Context) error {
	return s.contestRef(c, query.ContestVerifySubject, &query.ContestVerification{})
}

func (s *Service) contestRef(c echo.Context, subject string, resp any) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	if err := s.ask(c.Request().Context(), subject, query.ContestRef{Brand: brand, ID: c.Param("id")}, resp); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
