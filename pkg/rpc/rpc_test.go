package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
)

type echoReq struct {
	Brand string `json:"brand"`
	Count int    `json:"count"`
	Sleep string `json:"sleep,omitempty"`
}

type echoResp struct {
	Brand string `json:"brand"`
	Count int    `json:"count"`
	// Correlation is the correlation id the handler saw.
	Correlation string `json:"correlation"`
}

var (
	echoEP = query.Declare[echoReq, echoResp]("rpctest", "echo", "ruche.query.rpctest.echo", time.Second)
	cmdEP  = query.Declare[echoReq, query.Empty]("rpctest", "cmd", "ruche.command.rpctest.things.do", 200*time.Millisecond)
	// lonely has no handler anywhere.
	lonely = query.Declare[echoReq, echoResp]("rpctest", "lonely", "ruche.query.rpctest.lonely", time.Second)
)

type fieldErr struct{}

func (fieldErr) Error() string { return "hour must be from 0 to 23" }
func (fieldErr) RPCError() *rpc.Error {
	return rpc.BadRequest("settings.hour", "must be from 0 to 23")
}

func serveEcho(t *testing.T) (*rpc.Server, *rpc.Client, *nats.Conn) {
	t.Helper()
	conn := testkit.NATS(t)
	srv, err := rpc.NewServer(conn.NC, "rpctest", "1.0.0", "test", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	err = rpc.Handle(srv, echoEP, func(ctx context.Context, in echoReq) (echoResp, error) {
		switch in.Brand {
		case "missing":
			return echoResp{}, rpc.NotFound("brand %s not found", in.Brand)
		case "field":
			return echoResp{}, fieldErr{}
		case "boom":
			return echoResp{}, errors.New("clickhouse: secret detail")
		case "panic":
			panic("handler bug")
		}
		if in.Sleep != "" {
			d, _ := time.ParseDuration(in.Sleep)
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return echoResp{}, ctx.Err()
			}
		}
		return echoResp{Brand: in.Brand, Count: in.Count + 1, Correlation: correlation(ctx)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rpc.Handle(srv, cmdEP, func(ctx context.Context, in echoReq) (query.Empty, error) {
		<-ctx.Done() // outlives its budget
		return query.Empty{}, ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client, err := rpc.NewClient(conn.NC)
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, conn.NC
}

func TestRPC(t *testing.T) {
	_, client, nc := serveEcho(t)
	ctx := context.Background()

	t.Run("answers_the_typed_response", func(t *testing.T) {
		got, err := rpc.Ask(ctx, client, echoEP, echoReq{Brand: "demo", Count: 41})
		if err != nil || got.Brand != "demo" || got.Count != 42 {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("carries_the_correlation_id", func(t *testing.T) {
		got, err := rpc.Ask(withCorrelation(ctx, "corr-1"), client, echoEP, echoReq{Brand: "demo"})
		if err != nil || got.Correlation != "corr-1" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	codes := []struct {
		name, brand, code, field, text string
	}{
		{"not_found_keeps_its_code", "missing", query.CodeNotFound, "", "brand missing not found"},
		{"coded_domain_error_names_its_field", "field", query.CodeBadRequest, "settings.hour", "must be from 0 to 23"},
		{"internal_error_hides_its_detail", "boom", query.CodeInternal, "", "internal error"},
		{"panic_is_an_internal_error", "panic", query.CodeInternal, "", "internal error"},
	}
	for _, c := range codes {
		t.Run(c.name, func(t *testing.T) {
			_, err := rpc.Ask(ctx, client, echoEP, echoReq{Brand: c.brand})
			var e *rpc.Error
			if !errors.As(err, &e) || e.Code != c.code || e.Field != c.field || e.Message != c.text {
				t.Fatalf("got %#v", err)
			}
		})
	}
	t.Run("bad_json_names_the_field_without_go_types", func(t *testing.T) {
		reply, err := nc.Request(echoEP.Subject(), []byte(`{"brand": "demo", "count": "many"}`), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if code := reply.Header.Get("Nats-Service-Error-Code"); code != query.CodeBadRequest {
			t.Fatalf("code %q", code)
		}
		text := reply.Header.Get("Nats-Service-Error")
		if !strings.Contains(text, "count") || strings.Contains(text, "rpc_test") || strings.Contains(text, "int") {
			t.Fatalf("error text %q", text)
		}
	})
	t.Run("a_handler_past_its_budget_is_unavailable", func(t *testing.T) {
		start := time.Now()
		_, err := rpc.Ask(ctx, client, cmdEP, echoReq{Brand: "demo"})
		var e *rpc.Error
		if !errors.As(err, &e) || e.Code != query.CodeUnavailable {
			t.Fatalf("got %#v", err)
		}
		if time.Since(start) > cmdEP.Info().Budget+rpc.Slack {
			t.Fatalf("the caller waited past the budget and slack")
		}
	})
	t.Run("no_server_is_unavailable", func(t *testing.T) {
		_, err := rpc.Ask(ctx, client, lonely, echoReq{})
		var e *rpc.Error
		if !errors.As(err, &e) || e.Code != query.CodeUnavailable || !strings.Contains(e.Message, "rpctest") {
			t.Fatalf("got %#v", err)
		}
	})
	t.Run("each_endpoint_is_served_once", func(t *testing.T) {
		// micro discovery, as the end-to-end test asks a running ruche up.
		reply, err := nc.Request("$SRV.INFO.rpctest", nil, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var info micro.Info
		if err := json.Unmarshal(reply.Data, &info); err != nil {
			t.Fatal(err)
		}
		served := map[string]int{}
		for _, e := range info.Endpoints {
			served[e.Subject]++
		}
		if served[echoEP.Subject()] != 1 || served[cmdEP.Subject()] != 1 || served[lonely.Subject()] != 0 {
			t.Fatalf("served %v", served)
		}
	})
}

func TestServerRefusesAForeignEndpoint(t *testing.T) {
	conn := testkit.NATS(t)
	srv, err := rpc.NewServer(conn.NC, "other", "1.0.0", "test", testkit.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if err := rpc.Handle(srv, lonely, func(context.Context, echoReq) (echoResp, error) { return echoResp{}, nil }); err == nil {
		t.Fatal("served another service's endpoint")
	}
}

func TestStopWaitsForRunningRequests(t *testing.T) {
	srv, client, _ := serveEcho(t)
	var wg sync.WaitGroup
	wg.Add(1)
	var got echoResp
	var askErr error
	go func() {
		defer wg.Done()
		got, askErr = rpc.Ask(context.Background(), client, echoEP, echoReq{Brand: "demo", Sleep: "300ms"})
	}()
	time.Sleep(100 * time.Millisecond) // the request is running
	srv.Stop()
	wg.Wait()
	if askErr != nil || got.Count != 1 {
		t.Fatalf("a running request was cut: %+v, %v", got, askErr)
	}
}
