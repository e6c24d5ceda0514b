// Package rpc is Ruche's one request/reply layer over NATS: an endpoint is
// declared once in events/query/v1 (service, name, subject, request and
// response types, time budget); servers register typed handlers on nats.go
// micro groups through one middleware chain, and every caller asks through
// one typed client whose deadline comes from the endpoint.
//
// The chain of a request, outermost first: in-flight guard (a stopping
// server refuses new requests and waits for running ones), the endpoint's
// budget as the context deadline, correlation id from the headers into the
// context (and so into every log line), decode of the JSON body, the handler,
// one error mapping (Error codes in the micro error headers, the wrong field
// in the error's data).
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// Error is the one error type of request/reply: a code (query.Code*), a
// message safe to show the caller, and for a bad request the field that is
// wrong ("settings.hour", "rules[2].when.regex").
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" && !strings.HasPrefix(e.Message, e.Field+": ") {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// BadRequest is a request that cannot be served as sent; field names the
// input at fault ("" when the whole body is).
func BadRequest(field, format string, args ...any) *Error {
	return &Error{Code: query.CodeBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound is a request about something that does not exist.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: query.CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict is a compare-and-set that lost, or a state that forbids the
// change (a case claimed by someone else).
func Conflict(format string, args ...any) *Error {
	return &Error{Code: query.CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// Forbidden is a request the caller may not make.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: query.CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Unavailable is a dependency that does not answer; the caller may retry.
func Unavailable(format string, args ...any) *Error {
	return &Error{Code: query.CodeUnavailable, Message: fmt.Sprintf(format, args...)}
}

// Coded is implemented by domain errors that know their request/reply code
// (a policy's field error, a store's conflict), so a handler can return them
// as they are and the one mapping still applies.
type Coded interface {
	error
	RPCError() *Error
}

// AsError finds the request/reply error in err's chain: an *Error, a Coded
// error, or nil for an error that is internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var c Coded
	if errors.As(err, &c) {
		return c.RPCError()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Unavailable("the request did not finish within its time budget")
	case errors.Is(err, context.Canceled):
		return Unavailable("the request was cancelled")
	}
	return nil
}

// errorData is the body of an error reply.
type errorData struct {
	Field string `json:"field,omitempty"`
}

func encodeErrorData(e *Error) []byte {
	if e.Field == "" {
		return nil
	}
	b, _ := json.Marshal(errorData{Field: e.Field})
	return b
}

func decodeError(code, text string, data []byte) *Error {
	var d errorData
	if len(data) > 0 {
		_ = json.Unmarshal(data, &d)
	}
	return &Error{Code: code, Field: d.Field, Message: strings.TrimPrefix(text, d.Field+": ")}
}
