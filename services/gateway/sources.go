package gateway

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

func (s *Service) listSources(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListSources, query.ListSourcesRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) putSource(c echo.Context) error {
	var spec query.SourceSpec
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return httpx.BadRequest("body", "a source as JSON is expected: %v", err)
	}
	if err := events.ValidateBrand(spec.Brand); err != nil {
		return httpx.BadRequest("brand", "%v", err)
	}
	if err := authorize(c, spec.Brand); err != nil {
		return err
	}
	view, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutSource, query.PutSourceRequest{Source: spec})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

func (s *Service) deleteSource(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.DeleteSource, query.DeleteSourceRequest{Brand: brand, ID: c.Param("id")}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) backfillSource(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body struct {
		Since time.Time `json:"since"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
		return httpx.BadRequest("since", "an RFC 3339 time is expected: %v", err)
	}
	req := query.BackfillSourceRequest{Brand: brand, ID: c.Param("id"), Since: body.Since}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.BackfillSource, req); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "queued"})
}
