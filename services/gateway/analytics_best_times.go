package gateway

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// bestTimes serves GET /api/v1/best-times?brand=&tz=&network=&days=&as_of=&limit=:
// the weekday × hour slots (in the brand's zone tz) where the brand's posts
// get the most engagement, with the evidence.
func (s *Service) bestTimes(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.BestTimesRequest{Brand: brand, TZ: c.QueryParam("tz"), Network: c.QueryParam("network")}
	if req.TZ == "" {
		return httpx.BadRequest("tz", "tz is required: the brand's IANA time zone (e.g. Europe/Paris)")
	}
	loc, err := time.LoadLocation(req.TZ)
	if err != nil {
		return httpx.BadRequest("tz", "%q is not an IANA time zone (e.g. Europe/Paris)", req.TZ)
	}
	if req.Days, err = intParam(c, "days", 7, query.BestTimesMaxDays); err != nil {
		return err
	}
	if req.Limit, err = intParam(c, "limit", 1, 7*24); err != nil {
		return err
	}
	if asOf, err := timeParam(c, "as_of", loc); err != nil {
		return err
	} else if asOf != nil {
		req.AsOf = *asOf
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetBestTimes, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
