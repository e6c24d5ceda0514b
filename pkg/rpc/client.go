package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Slack is what a caller waits beyond an endpoint's budget, so that the
// server's own deadline error arrives before the caller gives up.
const Slack = 2 * time.Second

// HeaderRequestID names a request, for its cancel (CancelSubject).
const HeaderRequestID = "Ruche-Request-Id"

// Client asks endpoints over one NATS connection.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) (*Client, error) {
	if nc == nil {
		return nil, errors.New("rpc: nil connection")
	}
	return &Client{nc: nc}, nil
}

// Ask sends req to ep and decodes the answer. The deadline is the endpoint's
// budget plus Slack (an earlier deadline of ctx wins). Errors are *Error for
// every answer with a code and for a service that is not running or does not
// answer in time (CodeUnavailable); other errors are transport failures.
func Ask[Req, Resp any](ctx context.Context, c *Client, ep query.Endpoint[Req, Resp], req Req) (Resp, error) {
	var out Resp
	info := ep.Info()
	body, err := json.Marshal(req)
	if err != nil {
		return out, fmt.Errorf("encode request of %s: %w", info.Subject, err)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, info.Budget+Slack)
	defer cancel()
	msg := nats.NewMsg(info.Subject)
	msg.Data = body
	if id := obs.CorrelationID(ctx); id != "" {
		msg.Header.Set(events.HeaderCorrelationID, id)
	}
	id := nuid.Next()
	msg.Header.Set(HeaderRequestID, id)
	reply, err := c.nc.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, context.Canceled) && errors.Is(parent.Err(), context.Canceled):
		// The caller gave up (a browser aborted its request): the server
		// stops working on it (and its ClickHouse query with it).
		if perr := c.nc.Publish(CancelSubject(info.Service), []byte(id)); perr != nil {
			return out, fmt.Errorf("request %s: %w (and its cancel: %v)", info.Subject, err, perr)
		}
		return out, fmt.Errorf("request %s: %w", info.Subject, err)
	case errors.Is(err, nats.ErrNoResponders):
		return out, Unavailable("the %s service is not running", info.Service)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return out, Unavailable("the %s service did not answer within %s", info.Service, info.Budget+Slack)
	case err != nil:
		return out, fmt.Errorf("request %s: %w", info.Subject, err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		return out, decodeError(code, reply.Header.Get(micro.ErrorHeader), reply.Data)
	}
	if err := json.Unmarshal(reply.Data, &out); err != nil {
		return out, fmt.Errorf("decode reply of %s: %w", info.Subject, err)
	}
	return out, nil
}
