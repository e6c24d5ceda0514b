package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// startSourcesAPI registers the source endpoints on NATS (micro): the
// gateway and the CLI manage sources through them.
func (s *Service) startSourcesAPI(nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{
		Name: query.IngestService, Version: "1.0.0",
		Description: "listening sources: webhooks and pollers per brand",
	})
	if err != nil {
		return nil, fmt.Errorf("ingest micro service: %w", err)
	}
	for subject, h := range map[string]func(context.Context, []byte) (any, error){
		query.PutSourceSubject:      s.putSource,
		query.ListSourcesSubject:    s.listSources,
		query.DeleteSourceSubject:   s.deleteSource,
		query.BackfillSourceSubject: s.backfillSource,
	} {
		name := subject[len("ruche."):]
		err := svc.AddEndpoint(sanitize(name), micro.HandlerFunc(func(r micro.Request) {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
			defer cancel()
			resp, err := h(ctx, r.Data())
			var bad badRequest
			switch {
			case errors.As(err, &bad):
				_ = r.Error(query.CodeBadRequest, bad.Error(), nil)
			case errors.Is(err, ErrSourceNotFound):
				_ = r.Error(query.CodeNotFound, "source not found", nil)
			case err != nil:
				s.log.ErrorContext(ctx, "source request failed", "subject", subject, "error", err)
				_ = r.Error(query.CodeInternal, "internal error", nil)
			default:
				_ = r.RespondJSON(resp)
			}
		}), micro.WithEndpointSubject(subject))
		if err != nil {
			_ = svc.Stop()
			return nil, err
		}
	}
	return svc, nil
}

type badRequest struct{ error }

func badf(format string, args ...any) error { return badRequest{fmt.Errorf(format, args...)} }

func decodeRequest(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return badf("request is not valid JSON: %v", err)
	}
	return nil
}

func (s *Service) putSource(ctx context.Context, data []byte) (any, error) {
	var req query.PutSourceRequest
	if err := decodeRequest(data, &req); err != nil {
		return nil, err
	}
	spec := req.Source
	if err := events.ValidateBrand(spec.Brand); err != nil {
		return nil, badf("brand: %v", err)
	}
	if err := validateSourceID(spec.ID); err != nil {
		return nil, badf("id: %v", err)
	}
	conn, ok := s.connector(spec.Network)
	if !ok {
		return nil, badf("network %q is not one of %v", spec.Network, s.networks())
	}
	for _, name := range conn.RequiredSecrets() {
		if spec.Secrets[name] == "" {
			return nil, badf("secrets.%s is required for a %s source", name, spec.Network)
		}
	}
	// A source id belongs to one brand: another brand cannot take it over.
	if old, err := s.sources.Get(ctx, spec.ID); err == nil && old.Brand != spec.Brand {
		return nil, badf("id %q is already used", spec.ID)
	} else if err != nil && !errors.Is(err, ErrSourceNotFound) {
		return nil, err
	}
	src := Source{ID: spec.ID, Brand: spec.Brand, Network: spec.Network, Account: spec.Account, Settings: spec.Settings, Secrets: spec.Secrets}
	if _, polled := conn.(Poller); polled {
		if _, err := intervalSetting(src, 0); err != nil {
			return nil, badRequest{err}
		}
	}
	if v, ok := conn.(interface{ ValidateSource(Source) error }); ok {
		if err := v.ValidateSource(src); err != nil {
			return nil, badRequest{err}
		}
	}
	if err := s.sources.Put(ctx, src); err != nil {
		return nil, err
	}
	stored, err := s.sources.Get(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, stored)
}

func (s *Service) listSources(ctx context.Context, data []byte) (any, error) {
	var req query.ListSourcesRequest
	if err := decodeRequest(data, &req); err != nil {
		return nil, err
	}
	if err := events.ValidateBrand(req.Brand); err != nil {
		return nil, badf("brand: %v", err)
	}
	srcs, err := s.sources.List(ctx, req.Brand)
	if err != nil {
		return nil, err
	}
	out := query.ListSourcesResponse{Sources: []query.SourceView{}}
	for _, src := range srcs {
		v, err := s.view(ctx, src)
		if err != nil {
			return nil, err
		}
		out.Sources = append(out.Sources, v)
	}
	return out, nil
}

func (s *Service) deleteSource(ctx context.Context, data []byte) (any, error) {
	var req query.DeleteSourceRequest
	if err := decodeRequest(data, &req); err != nil {
		return nil, err
	}
	if err := events.ValidateBrand(req.Brand); err != nil {
		return nil, badf("brand: %v", err)
	}
	if err := s.sources.Delete(ctx, req.Brand, req.ID); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) backfillSource(ctx context.Context, data []byte) (any, error) {
	var req query.BackfillSourceRequest
	if err := decodeRequest(data, &req); err != nil {
		return nil, err
	}
	if err := events.ValidateBrand(req.Brand); err != nil {
		return nil, badf("brand: %v", err)
	}
	src, err := s.sources.Get(ctx, req.ID)
	if err != nil || src.Brand != req.Brand {
		return nil, ErrSourceNotFound
	}
	if _, ok := s.polls.pollers[src.Network].(Backfiller); !ok {
		return nil, badf("network %s cannot re-read its history (webhook networks push; backfill polled sources)", src.Network)
	}
	if req.Since.IsZero() || !req.Since.Before(s.now()) {
		return nil, badf("since must be a time in the past")
	}
	if err := s.polls.requestBackfill(ctx, src, req.Since); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) view(ctx context.Context, src Source) (query.SourceView, error) {
	h, err := s.health.Get(ctx, src.ID)
	if err != nil {
		return query.SourceView{}, err
	}
	names := make([]string, 0, len(src.Secrets))
	for k := range src.Secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	return query.SourceView{ID: src.ID, Brand: src.Brand, Network: src.Network, Account: src.Account,
		Settings: src.Settings, SecretNames: names, CreatedAt: src.CreatedAt, Health: h}, nil
}

// connector is what every network has: a name and the secrets it needs.
type connector interface {
	Name() string
	RequiredSecrets() []string
}

func (s *Service) connector(network string) (connector, bool) {
	if wh, ok := s.webhooks[network]; ok {
		return wh, true
	}
	p, ok := s.polls.pollers[network]
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

// sanitize makes an endpoint name from a subject ("command.ingest.sources.put"
// → "command-ingest-sources-put").
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}
