// Package readmodel holds what analytics' read models share: the errors a
// query answers with (each knows its request/reply code), the ClickHouse
// argument helpers, and the domain definitions several read models count
// with.
package readmodel

import "github.com/ruche-project/ruche/pkg/rpc"

// BadRequest is a request that cannot be served as sent; its text is sent
// as is.
type BadRequest struct{ Msg string }

func (e BadRequest) Error() string { return e.Msg }

// RPCError gives BadRequest its request/reply code.
func (e BadRequest) RPCError() *rpc.Error { return rpc.BadRequest("", "%s", e.Msg) }

// FieldError is a bad request naming the input at fault.
type FieldError struct{ Field, Msg string }

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// RPCError gives FieldError its request/reply code and field.
func (e FieldError) RPCError() *rpc.Error { return rpc.BadRequest(e.Field, "%s", e.Msg) }

// NotFound is a request about something that does not exist; its text is
// sent as is.
type NotFound struct{ Msg string }

func (e NotFound) Error() string { return e.Msg }

// RPCError gives NotFound its request/reply code.
func (e NotFound) RPCError() *rpc.Error { return rpc.NotFound("%s", e.Msg) }

// Conflict is a compare-and-set that lost; its text is sent as is.
type Conflict struct{ Msg string }

func (e Conflict) Error() string { return e.Msg }

// RPCError gives Conflict its request/reply code.
func (e Conflict) RPCError() *rpc.Error { return rpc.Conflict("%s", e.Msg) }
