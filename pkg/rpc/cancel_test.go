package rpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// gateEP's handler tells when it started, then waits for its gate (closed
// by the test) or its context, and tells how it ended.
var gateEP = query.Declare[echoReq, echoResp]("rpcgate", "gate", "ruche.query.rpcgate.gate", 30*time.Second)

func serveGate(t *testing.T) (client *rpc.Client, started chan string, ended chan error, gate chan struct{}) {
	t.Helper()
	conn := testkit.NATS(t)
	srv, err := rpc.NewServer(conn.NC, "rpcgate", "1.0.0", "test", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	started, ended, gate = make(chan string, 8), make(chan error, 8), make(chan struct{})
	if err := rpc.Handle(srv, gateEP, func(ctx context.Context, in echoReq) (echoResp, error) {
		started <- in.Brand
		if in.Brand == "quick" {
			return echoResp{Brand: in.Brand}, nil
		}
		select {
		case <-gate:
			ended <- nil
			return echoResp{Brand: in.Brand}, nil
		case <-ctx.Done():
			ended <- ctx.Err()
			return echoResp{}, ctx.Err()
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if client, err = rpc.NewClient(conn.NC); err != nil {
		t.Fatal(err)
	}
	return client, started, ended, gate
}

// A request waiting on something does not hold up the next one: a NATS
// subscription hands its messages over one at a time, the server answers
// each in its own goroutine.
func TestRequestsAreAnsweredAtOnce(t *testing.T) {
	client, started, ended, gate := serveGate(t)
	slow := make(chan error, 1)
	go func() {
		_, err := rpc.Ask(context.Background(), client, gateEP, echoReq{Brand: "slow"})
		slow <- err
	}()
	if got := <-started; got != "slow" {
		t.Fatalf("started %q", got)
	}
	got, err := rpc.Ask(context.Background(), client, gateEP, echoReq{Brand: "quick"})
	if err != nil || got.Brand != "quick" {
		t.Fatalf("the quick request waited for the slow one: %+v, %v", got, err)
	}
	close(gate)
	if err := <-slow; err != nil {
		t.Fatalf("slow: %v", err)
	}
	if err := <-ended; err != nil {
		t.Fatalf("the slow handler ended with %v", err)
	}
}

// A caller that gives up cancels the handler's context: the server stops
// working on an abandoned request (a search the browser aborted).
func TestCancelledRequestStopsItsHandler(t *testing.T) {
	client, started, ended, gate := serveGate(t)
	defer close(gate)
	ctx, cancel := context.WithCancel(context.Background())
	asked := make(chan error, 1)
	go func() {
		_, err := rpc.Ask(ctx, client, gateEP, echoReq{Brand: "abandoned"})
		asked <- err
	}()
	<-started
	cancel()
	if err := <-asked; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller got %v", err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the handler ended with %v, want its context cancelled", err)
		}
	case <-time.After(20 * time.Second): // far below the budget of 30 s
		t.Fatal("the handler still runs after its caller gave up")
	}
}
