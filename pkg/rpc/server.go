package rpc

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Server is one service's micro service: its endpoints grouped by subject
// prefix (ruche.query.<service>, ruche.command.<service>), replicas sharing
// the queue group.
type Server struct {
	svc     micro.Service
	nc      *nats.Conn
	service string
	log     *slog.Logger
	groups  map[string]micro.Group
	// inflight is read-locked by each request and write-locked by Stop,
	// which waits for running requests and turns later ones away.
	inflight sync.RWMutex
	stop     sync.Once
	// slots bound the requests answered at once: each runs in its own
	// goroutine (a NATS subscription hands its messages over one at a
	// time), and a full server waits for a slot before taking the next.
	slots chan struct{}
	// cancels holds the running requests' cancel functions by request id
	// (HeaderRequestID), and the ids cancelled before their request
	// arrived (the cancel and the request travel on two subscriptions).
	cancels   sync.Mutex
	running   map[string]context.CancelFunc
	cancelled map[string]time.Time
	cancelSub *nats.Subscription
}

// MaxConcurrent is how many requests a Server answers at once.
const MaxConcurrent = 32

// cancelMemory is how long a cancel that arrived before its request is kept.
const cancelMemory = 30 * time.Second

// NewServer adds the micro service named service on nc.
func NewServer(nc *nats.Conn, service, version, description string, log *slog.Logger) (*Server, error) {
	if nc == nil || log == nil {
		return nil, errors.New("rpc: nil connection or logger")
	}
	svc, err := micro.AddService(nc, micro.Config{Name: service, Version: version, Description: description})
	if err != nil {
		return nil, fmt.Errorf("add micro service %s: %w", service, err)
	}
	s := &Server{svc: svc, nc: nc, service: service, log: log, groups: map[string]micro.Group{},
		slots: make(chan struct{}, MaxConcurrent), running: map[string]context.CancelFunc{}, cancelled: map[string]time.Time{}}
	// Every replica hears every cancel: only the one answering the request
	// has it running.
	if s.cancelSub, err = nc.Subscribe(CancelSubject(service), func(m *nats.Msg) { s.cancel(string(m.Data)) }); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("subscribe to the cancels of %s: %w", service, err)
	}
	return s, nil
}

// CancelSubject is where a client that gave up on a request of service
// sends its request id, so the server stops working on it.
func CancelSubject(service string) string { return "ruche.rpc.cancel." + service }

// cancel ends the request id, or remembers it for when it arrives.
func (s *Server) cancel(id string) {
	if id == "" {
		return
	}
	s.cancels.Lock()
	defer s.cancels.Unlock()
	if stop, ok := s.running[id]; ok {
		stop()
		return
	}
	now := time.Now()
	for old, at := range s.cancelled {
		if now.Sub(at) > cancelMemory {
			delete(s.cancelled, old)
		}
	}
	s.cancelled[id] = now
}

// track registers the cancel function of the request id ("": none) and
// returns its release; a request cancelled before it arrived is ended at once.
func (s *Server) track(id string, stop context.CancelFunc) (release func()) {
	if id == "" {
		return func() {}
	}
	s.cancels.Lock()
	defer s.cancels.Unlock()
	if _, ok := s.cancelled[id]; ok {
		delete(s.cancelled, id)
		stop()
		return func() {}
	}
	s.running[id] = stop
	return func() {
		s.cancels.Lock()
		delete(s.running, id)
		s.cancels.Unlock()
	}
}

// Stop drains the endpoints and waits for the requests being answered; a
// request arriving meanwhile is answered CodeUnavailable.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if err := s.svc.Stop(); err != nil {
			s.log.Warn("stop micro service", "service", s.service, "error", err)
		}
		s.inflight.Lock()
		if err := s.cancelSub.Unsubscribe(); err != nil {
			s.log.Warn("unsubscribe from cancels", "service", s.service, "error", err)
		}
	})
}

// Handle serves ep with fn. It is an error to serve an endpoint of another
// service or to serve one endpoint twice.
func Handle[Req, Resp any](s *Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	info := ep.Info()
	if info.Service != s.service {
		return fmt.Errorf("rpc: endpoint %s belongs to %s, not %s", info.Name, info.Service, s.service)
	}
	// ruche.query.analytics + interactions.list
	parts := strings.SplitN(info.Subject, ".", 4)
	if len(parts) != 4 {
		return fmt.Errorf("rpc: subject %q has no endpoint part", info.Subject)
	}
	prefix := strings.Join(parts[:3], ".")
	g, ok := s.groups[prefix]
	if !ok {
		g = s.svc.AddGroup(prefix)
		s.groups[prefix] = g
	}
	h := micro.HandlerFunc(func(req micro.Request) {
		if !s.inflight.TryRLock() {
			s.reply(context.Background(), info, req, nil, Unavailable("the %s service is shutting down", s.service))
			return
		}
		s.slots <- struct{}{}
		go func() {
			defer func() { <-s.slots; s.inflight.RUnlock() }()
			serve(s, info, req, fn)
		}()
	})
	if err := g.AddEndpoint(info.Name, h, micro.WithEndpointSubject(parts[3])); err != nil {
		return fmt.Errorf("rpc: serve %s: %w", info.Subject, err)
	}
	return nil
}

func serve[Req, Resp any](s *Server, info query.EndpointInfo, req micro.Request, fn func(context.Context, Req) (Resp, error)) {
	ctx := obs.WithCorrelationID(context.Background(), req.Headers().Get(events.HeaderCorrelationID))
	ctx, cancel := context.WithTimeout(ctx, info.Budget)
	defer cancel()
	defer s.track(req.Headers().Get(HeaderRequestID), cancel)()
	var in Req
	if err := DecodeJSON(req.Data(), &in); err != nil {
		s.reply(ctx, info, req, nil, err)
		return
	}
	out, err := callHandler(ctx, fn, in)
	s.reply(ctx, info, req, out, err)
}

// callHandler runs fn, turning a panic into an internal error so one bad
// request cannot take the replica down.
func callHandler[Req, Resp any](ctx context.Context, fn func(context.Context, Req) (Resp, error), in Req) (out Resp, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx, in)
}

// reply is the one error mapping: a request/reply error goes back with its
// code and field; anything else is logged and answered as internal, without
// its detail. It answers on the connection, not through req: micro reads
// req's outcome (for its stats) once the handler callback returns, which
// is before the request's own goroutine answers; the answer is the one
// micro's Respond and Error send.
func (s *Server) reply(ctx context.Context, info query.EndpointInfo, req micro.Request, out any, err error) {
	if req.Reply() == "" {
		return // nobody waits for it
	}
	answer := nats.NewMsg(req.Reply())
	if err == nil {
		if answer.Data, err = json.Marshal(out); err != nil {
			err = fmt.Errorf("encode the answer: %w", err)
		}
	}
	if err != nil {
		e := AsError(err)
		if e == nil {
			s.log.ErrorContext(ctx, "request failed", "subject", info.Subject, "error", err)
			e = &Error{Code: query.CodeInternal, Message: "internal error"}
		}
		answer.Header.Set(micro.ErrorHeader, e.Error())
		answer.Header.Set(micro.ErrorCodeHeader, e.Code)
		answer.Data = encodeErrorData(e)
	}
	if rerr := s.nc.PublishMsg(answer); rerr != nil {
		s.log.WarnContext(ctx, "reply", "subject", info.Subject, "error", rerr)
	}
}

// DecodeJSON decodes a JSON body into v; a body that does not decode is a
// bad request naming the field at fault in JSON terms, never a Go type name.
func DecodeJSON(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		want := JSONKind(typeErr.Type)
		if typeErr.Field == "" {
			return BadRequest("", "the body must be a JSON %s, got %s", want, typeErr.Value)
		}
		return BadRequest(typeErr.Field, "must be a JSON %s, got %s", want, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return BadRequest("", "the body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case len(data) == 0:
		return BadRequest("", "the body is empty; a JSON object is required")
	}
	return BadRequest("", "the body does not decode: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// JSONKind names what JSON value decodes into a Go type ("object",
// "array", "string"...), for errors that speak JSON, not Go: a type that
// reads itself from text (time.Time) is a string.
func JSONKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "string"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind().String() {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	}
	return "value"
}
