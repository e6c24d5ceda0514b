package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/obs"
)

func (s *Service) listInteractions(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.ListInteractionsRequest{Brand: brand, Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > query.MaxListLimit {
			return httpx.BadRequest("limit", "must be a number from 1 to %d", query.MaxListLimit)
		}
		req.Limit = n
	}
	var resp query.ListInteractionsResponse
	if err := s.ask(c.Request().Context(), query.ListInteractionsSubject, req, &resp); err != nil {
		return err
	}
	if resp.Items == nil {
		resp.Items = []query.Interaction{}
	}
	return c.JSON(http.StatusOK, resp)
}

// ask sends a request to the service that owns the data and decodes its
// reply; micro error replies become typed HTTP errors.
func (s *Service) ask(ctx context.Context, subject string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	msg := nats.NewMsg(subject)
	msg.Data = body
	if id := obs.CorrelationID(ctx); id != "" {
		msg.Header.Set("Ruche-Correlation-Id", id)
	}
	reply, err := s.nc.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return httpx.Unavailable("the service answering " + subject + " is not running")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return httpx.Unavailable("the query timed out")
	case err != nil:
		return fmt.Errorf("request %s: %w", subject, err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		text := reply.Header.Get(micro.ErrorHeader)
		switch code {
		case query.CodeBadRequest:
			// A service may name the wrong field in the error's data.
			var data struct {
				Field string `json:"field"`
			}
			if len(bytes.TrimSpace(reply.Data)) > 0 {
				_ = json.Unmarshal(reply.Data, &data)
			}
			return httpx.BadRequest(data.Field, "%s", strings.TrimPrefix(text, data.Field+": "))
		case query.CodeNotFound:
			return httpx.NotFound(text)
		case query.CodeConflict:
			return &httpx.Error{Status: http.StatusConflict, Code: "conflict", Message: text}
		}
		return fmt.Errorf("%s answered %s: %s", subject, code, text)
	}
	if err := json.Unmarshal(reply.Data, resp); err != nil {
		return fmt.Errorf("decode reply of %s: %w", subject, err)
	}
	return nil
}
