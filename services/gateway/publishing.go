package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// publishingRoutes forwards connected accounts and the publish ledger to
// publishing:
//
//	GET    /api/v1/accounts?brand=            accounts with their health
//	POST   /api/v1/accounts                   connect or update (token write-only)
//	DELETE /api/v1/accounts/:id?brand=
//	GET    /api/v1/publications/:id?brand=    a request's state per network
//	POST   /api/v1/publications/:id/retry?brand=   send the failed targets again
//	GET    /api/v1/publications/dead-letters?brand=
//	GET    /api/v1/publications/audit?brand=&limit=
//	GET    /api/v1/publishing/pause?brand=    whether posts and replies are held
//	PUT    /api/v1/publishing/pause?brand=    hold them ({"reason": ...})
//	DELETE /api/v1/publishing/pause?brand=    resume, sending what was held
func (s *Service) publishingRoutes(api *echo.Group) {
	api.GET("/publishing/pause", s.getPause)
	api.PUT("/publishing/pause", s.pausePublishing)
	api.DELETE("/publishing/pause", s.resumePublishing)
	api.GET("/accounts", s.listAccounts)
	api.POST("/accounts", s.putAccount)
	api.DELETE("/accounts/:id", s.deleteAccount)
	api.GET("/publications/dead-letters", s.deadLetters)
	api.GET("/publications/audit", s.publishingAudit)
	api.GET("/publications/:id", s.publication(query.GetPublication))
	api.POST("/publications/:id/retry", s.publication(query.RetryPublication))
}

func (s *Service) listAccounts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListAccounts, query.ListAccountsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) putAccount(c echo.Context) error {
	var spec query.AccountSpec
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return httpx.BadRequest("body", "an account as JSON is expected: %v", err)
	}
	if err := events.ValidateBrand(spec.Brand); err != nil {
		return httpx.BadRequest("brand", "%v", err)
	}
	if err := authorize(c, spec.Brand); err != nil {
		return err
	}
	view, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutAccount, query.PutAccountRequest{Account: spec})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

func (s *Service) deleteAccount(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.DeleteAccount, query.DeleteAccountRequest{Brand: brand, ID: c.Param("id")}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) publication(ep query.Endpoint[query.PublicationRef, query.Publication]) echo.HandlerFunc {
	return func(c echo.Context) error {
		brand, err := brandParam(c)
		if err != nil {
			return err
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		resp, err := rpc.Ask(c.Request().Context(), s.rpc, ep, query.PublicationRef{Brand: brand, RequestID: id})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, resp)
	}
}

func (s *Service) deadLetters(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListDeadLetters, query.ListAccountsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) publishingAudit(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return httpx.BadRequest("limit", "must be a number")
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListAudit, query.ListAuditRequest{Brand: brand, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// PauseBody is the body of PUT /api/v1/publishing/pause.
type PauseBody struct {
	Reason string `json:"reason,omitempty"`
}

func (s *Service) getPause(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPause, query.ListAccountsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) pausePublishing(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body PauseBody
	if c.Request().ContentLength != 0 {
		if err := bindStrict(c, &body); err != nil {
			return err
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PausePublishing, query.PauseRequest{Brand: brand, By: principal(c).ID, Reason: body.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) resumePublishing(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ResumePublishing, query.PauseRequest{Brand: brand, By: principal(c).ID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
