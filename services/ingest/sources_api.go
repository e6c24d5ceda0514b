package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// startSourcesAPI serves the source endpoints on the request/reply layer:
// the gateway and the CLI manage sources through them.
func (s *Service) startSourcesAPI(nc *nats.Conn) (*rpc.Server, error) {
	srv, err := rpc.NewServer(nc, query.IngestService, "1.0.0",
		"listening sources: webhooks and pollers per brand", s.log)
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		handle(s, srv, query.PutSource, s.putSource),
		handle(s, srv, query.ListSources, s.listSources),
		handle(s, srv, query.DeleteSource, s.deleteSource),
		handle(s, srv, query.BackfillSource, s.backfillSource),
	} {
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return srv, nil
}

// handle serves ep with fn within the request_timeout setting, giving an
// unknown source its request/reply code.
func handle[Req, Resp any](s *Service, srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, in Req) (Resp, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		out, err := fn(ctx, in)
		if errors.Is(err, ErrSourceNotFound) {
			return out, rpc.NotFound("source not found")
		}
		return out, err
	})
}

// badRequest is a request the sources API refuses, with the reason.
type badRequest struct{ error }

// RPCError gives badRequest its request/reply code.
func (b badRequest) RPCError() *rpc.Error { return rpc.BadRequest("", "%s", b.Error()) }

func badf(format string, args ...any) error { return badRequest{fmt.Errorf(format, args...)} }

func (s *Service) putSource(ctx context.Context, req query.PutSourceRequest) (query.SourceView, error) {
	spec := req.Source
	if err := events.ValidateBrand(spec.Brand); err != nil {
		return query.SourceView{}, badf("brand: %v", err)
	}
	if err := validateSourceID(spec.ID); err != nil {
		return query.SourceView{}, badf("id: %v", err)
	}
	conn, ok := s.lookupNetwork(spec.Network)
	if !ok {
		return query.SourceView{}, badf("network %q is not one of %v", spec.Network, s.networks())
	}
	for _, name := range conn.RequiredSecrets() {
		if spec.Secrets[name] == "" {
			return query.SourceView{}, badf("secrets.%s is required for a %s source", name, spec.Network)
		}
	}
	// A source id belongs to one brand: another brand cannot take it over.
	if old, err := s.sources.Get(ctx, spec.ID); err == nil && old.Brand != spec.Brand {
		return query.SourceView{}, badf("id %q is already used", spec.ID)
	} else if err != nil && !errors.Is(err, ErrSourceNotFound) {
		return query.SourceView{}, err
	}
	src := connector.Source{ID: spec.ID, Brand: spec.Brand, Network: spec.Network, Account: spec.Account, Settings: spec.Settings, Secrets: spec.Secrets}
	if _, polled := conn.(connector.Poller); polled {
		if _, err := connector.IntervalSetting(src, 0); err != nil {
			return query.SourceView{}, badRequest{err}
		}
	}
	if v, ok := conn.(interface{ ValidateSource(connector.Source) error }); ok {
		if err := v.ValidateSource(src); err != nil {
			return query.SourceView{}, badRequest{err}
		}
	}
	if err := s.sources.Put(ctx, src); err != nil {
		return query.SourceView{}, err
	}
	stored, err := s.sources.Get(ctx, src.ID)
	if err != nil {
		return query.SourceView{}, err
	}
	return s.view(ctx, stored)
}

func (s *Service) listSources(ctx context.Context, req query.ListSourcesRequest) (query.ListSourcesResponse, error) {
	if err := events.ValidateBrand(req.Brand); err != nil {
		return query.ListSourcesResponse{}, badf("brand: %v", err)
	}
	srcs, err := s.sources.List(ctx, req.Brand)
	if err != nil {
		return query.ListSourcesResponse{}, err
	}
	out := query.ListSourcesResponse{Sources: []query.SourceView{}}
	for _, src := range srcs {
		v, err := s.view(ctx, src)
		if err != nil {
			return query.ListSourcesResponse{}, err
		}
		out.Sources = append(out.Sources, v)
	}
	return out, nil
}

func (s *Service) deleteSource(ctx context.Context, req query.DeleteSourceRequest) (query.Empty, error) {
	if err := events.ValidateBrand(req.Brand); err != nil {
		return query.Empty{}, badf("brand: %v", err)
	}
	if err := s.sources.Delete(ctx, req.Brand, req.ID); err != nil {
		return query.Empty{}, err
	}
	return query.Empty{}, nil
}

func (s *Service) backfillSource(ctx context.Context, req query.BackfillSourceRequest) (query.Empty, error) {
	if err := events.ValidateBrand(req.Brand); err != nil {
		return query.Empty{}, badf("brand: %v", err)
	}
	src, err := s.sources.Get(ctx, req.ID)
	if err != nil || src.Brand != req.Brand {
		return query.Empty{}, ErrSourceNotFound
	}
	if _, ok := s.polls.pollers[src.Network].(connector.Backfiller); !ok {
		return query.Empty{}, badf("network %s cannot re-read its history (webhook networks push; backfill polled sources)", src.Network)
	}
	if req.Since.IsZero() || !req.Since.Before(s.now()) {
		return query.Empty{}, badf("since must be a time in the past")
	}
	if req.Since.Before(s.now().Add(-FirstSeenTTL)) {
		return query.Empty{}, badf("since must be within the last %d days: items are known as already received for that long", int(FirstSeenTTL.Hours()/24))
	}
	if err := s.polls.requestBackfill(ctx, src, req.Since); err != nil {
		return query.Empty{}, err
	}
	return query.Empty{}, nil
}

func (s *Service) view(ctx context.Context, src connector.Source) (query.SourceView, error) {
	h, err := s.health.Get(ctx, src.ID)
	if err != nil {
		return query.SourceView{}, err
	}
	names := make([]string, 0, len(src.Secrets))
	for k := range src.Secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	v := query.SourceView{ID: src.ID, Brand: src.Brand, Network: src.Network, Account: src.Account,
		Settings: src.Settings, SecretNames: names, CreatedAt: src.CreatedAt, Health: h}
	if _, pushed := s.webhooks[src.Network]; pushed {
		v.WebhookPath = webhookPath(src.Network, src.ID)
	}
	return v, nil
}

// network is what every network has: a name and the secrets it needs.
type network interface {
	Name() string
	RequiredSecrets() []string
}

func (s *Service) lookupNetwork(name string) (network, bool) {
	if wh, ok := s.webhooks[name]; ok {
		return wh, true
	}
	p, ok := s.polls.pollers[name]
	return p, ok
}

func (s *Service) networks() []string {
	out := make([]string, 0, len(s.webhooks)+len(s.polls.pollers))
	for n := range s.webhooks {
		out = append(out, n)
	}
	for n := range s.polls.pollers {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
