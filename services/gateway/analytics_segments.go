package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// segment serves GET /api/v1/segments/:segment?brand=&network=&as_of=&limit=&cursor=.
func (s *Service) segment(c echo.Context) error {
	req, err := segmentRequest(c)
	if err != nil {
		return err
	}
	if csvOut, err := wantsCSV(c); err != nil {
		return err
	} else if csvOut {
		return s.exportSegment(c, req)
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListSegment, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func segmentRequest(c echo.Context) (query.SegmentRequest, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.SegmentRequest{}, err
	}
	req := query.SegmentRequest{Brand: brand, Segment: c.Param("segment"), Network: c.QueryParam("network"), Cursor: c.QueryParam("cursor")}
	if req.Limit, err = intParam(c, "limit", 1, query.MaxListLimit); err != nil {
		return req, err
	}
	asOf, err := timeParam(c, "as_of", nil)
	if err != nil {
		return req, err
	}
	if asOf != nil {
		req.AsOf = *asOf
	}
	return req, nil
}
