// Package httpx is Ruche's one Echo factory: request id (which becomes the
// correlation id), panic recovery, a body limit, one JSON error handler that
// maps typed errors to statuses, and the ops routes /healthz, /readyz and
// /metrics.
package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// Error is a typed API error rendered as
// {"error": {"code": ..., "message": ..., "field": ...}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the input that is wrong, when there is one.
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

// BadRequest is a 400 naming the wrong field.
func BadRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf(format, args...), Field: field}
}

// Unauthorized is a 401.
func Unauthorized(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

// Forbidden is a 403.
func Forbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: msg}
}

// NotFound is a 404.
func NotFound(msg string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: msg}
}

// Unavailable is a 503: a dependency does not answer; the client may retry.
func Unavailable(msg string) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: msg}
}

type errorBody struct {
	Error *Error `json:"error"`
}

// errorHandler renders every error as JSON. Unknown errors are 500s whose
// detail is logged, never sent.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		apiErr, known := Describe(err)
		if !known {
			log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "path", c.Path(), "error", err)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(apiErr.Status)
			return
		}
		_ = c.JSON(apiErr.Status, errorBody{apiErr})
	}
}

// Describe maps an error to what a client is told: a typed error, a
// service's error by its code, echo's own; anything else (known false) is a
// 500 "internal error" whose detail the caller logs, never sends.
func Describe(err error) (apiErr *Error, known bool) {
	var he *echo.HTTPError
	var rpcErr *rpc.Error
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &rpcErr) && rpcErr.Code != query.CodeInternal:
		apiErr = fromRPC(rpcErr)
	case errors.As(err, &he):
		apiErr = &Error{Status: he.Code, Code: codeFor(he.Code), Message: fmt.Sprint(he.Message)}
		if he.Code == http.StatusRequestEntityTooLarge {
			apiErr.Message = "request body is too large"
		}
	default:
		return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}, false
	}
	return apiErr, true
}

// fromRPC is the one mapping of a request/reply error to HTTP: the code's
// status, its message, and the field a bad request names.
func fromRPC(e *rpc.Error) *Error {
	status, err := strconv.Atoi(e.Code)
	if err != nil || status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	return &Error{Status: status, Code: codeFor(status), Message: e.Message, Field: e.Field}
}

func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}
