package gateway

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// crisisRoutes exposes the crises moderation detected and the brand's
// crisis webhook.
func (s *Service) crisisRoutes(api *echo.Group) {
	api.GET("/crises", s.listCrises)
	api.GET("/crises/webhook", s.getCrisisWebhook)
	api.PUT("/crises/webhook", s.putCrisisWebhook)
}

// PutCrisisWebhookBody is the body of PUT /api/v1/crises/webhook.
type PutCrisisWebhookBody struct {
	// URL receives the signed notifications; empty removes the webhook.
	URL          string `json:"url"`
	RotateSecret bool   `json:"rotate_secret,omitempty"`
}

func (s *Service) listCrises(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.ListCrisesRequest{Brand: brand, Status: c.QueryParam("status")}
	if v := c.QueryParam("limit"); v != "" {
		if req.Limit, err = strconv.Atoi(v); err != nil {
			return httpx.BadRequest("limit", "must be a number from 1 to 200")
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListCrises, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) getCrisisWebhook(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetCrisisWebhook, query.GetCrisisWebhookRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) putCrisisWebhook(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body PutCrisisWebhookBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.PutCrisisWebhookRequest{Brand: brand, URL: body.URL, RotateSecret: body.RotateSecret, UpdatedBy: principal(c).KeyID}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutCrisisWebhook, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
