package gateway

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// webhookRoutes forward the brands' outbound webhooks to publishing.
func (s *Service) webhookRoutes(api *echo.Group) {
	api.GET("/webhooks", s.listWebhooks)
	api.POST("/webhooks", s.putWebhook)
	api.PUT("/webhooks/:id", s.putWebhook)
	api.DELETE("/webhooks/:id", s.deleteWebhook)
	api.GET("/webhooks/:id/deliveries", s.webhookDeliveries)
}

// WebhookBody is the body of POST /api/v1/webhooks and PUT
// /api/v1/webhooks/{id}.
type WebhookBody struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	// Active defaults to true.
	Active       *bool `json:"active,omitempty"`
	RotateSecret bool  `json:"rotate_secret,omitempty"`
}

func (s *Service) listWebhooks(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListWebhooks, query.ListWebhooksRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// putWebhook creates (POST, 201) or updates (PUT) a webhook; the signing
// secret is in the answer once, when drawn.
func (s *Service) putWebhook(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body WebhookBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.PutWebhookRequest{Brand: brand, URL: body.URL, Events: body.Events, Description: body.Description,
		Active: body.Active, RotateSecret: body.RotateSecret, UpdatedBy: principal(c).ID}
	status := http.StatusCreated
	if c.Request().Method == http.MethodPut {
		if req.ID, err = pathID(c, "id"); err != nil {
			return err
		}
		status = http.StatusOK
	} else if body.RotateSecret {
		return httpx.BadRequest("rotate_secret", "a new webhook draws its secret anyway")
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutWebhook, req)
	if err != nil {
		return err
	}
	// The audit record keeps the webhook without its secret.
	recorded := resp
	recorded.Secret = ""
	setAuditChange(c, brand, nil, recorded)
	return c.JSON(status, resp)
}

func (s *Service) deleteWebhook(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.DeleteWebhook, query.WebhookRef{Brand: brand, ID: id}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) webhookDeliveries(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	req := query.ListWebhookDeliveriesRequest{Brand: brand, ID: id}
	if v := c.QueryParam("limit"); v != "" {
		if req.Limit, err = strconv.Atoi(v); err != nil || req.Limit < 1 || req.Limit > 200 {
			return httpx.BadRequest("limit", "must be a number from 1 to 200")
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListWebhookDeliveries, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
