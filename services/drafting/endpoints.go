package drafting

import (
	"context"
	"errors"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

func (s *Service) startEndpoints() (*rpc.Server, error) {
	srv, err := rpc.NewServer(s.nc, query.DraftingService, ServiceVersion,
		"Ruche drafting: reply drafts, their review, brand voice and knowledge", s.log)
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		handle(srv, query.RequestDraft, func(ctx context.Context, r query.RequestDraftRequest) (query.Draft, error) {
			return s.Request(ctx, r)
		}, func(r query.RequestDraftRequest) string { return r.Brand }),
		handle(srv, query.ListDrafts, s.List, func(r query.ListDraftsRequest) string { return r.Brand }),
		handle(srv, query.GetDraft, s.Get, func(r query.DraftRef) string { return r.Brand }),
		handle(srv, query.ExportPersonDrafts, s.Export, func(r query.PersonDraftsRequest) string { return r.Brand }),
		handle(srv, query.EditDraft, s.Edit, func(r query.EditDraftRequest) string { return r.Brand }),
		handle(srv, query.ApproveDraft, s.Approve, func(r query.ReviewDraftRequest) string { return r.Brand }),
		handle(srv, query.RejectDraft, s.Reject, func(r query.ReviewDraftRequest) string { return r.Brand }),
		handle(srv, query.GetBrandSettings, func(ctx context.Context, r query.BrandRef) (query.BrandSettings, error) {
			return s.brands.Settings(ctx, r.Brand)
		}, func(r query.BrandRef) string { return r.Brand }),
		handle(srv, query.PutVoice, func(ctx context.Context, r query.PutVoiceRequest) (query.BrandSettings, error) {
			if err := s.brands.PutVoice(ctx, r); err != nil {
				return query.BrandSettings{}, err
			}
			return s.brands.Settings(ctx, r.Brand)
		}, func(r query.PutVoiceRequest) string { return r.Brand }),
		handle(srv, query.PutKnowledge, func(ctx context.Context, r query.PutKnowledgeRequest) (query.BrandSettings, error) {
			if err := s.brands.PutKnowledge(ctx, r); err != nil {
				return query.BrandSettings{}, err
			}
			return s.brands.Settings(ctx, r.Brand)
		}, func(r query.PutKnowledgeRequest) string { return r.Brand }),
		handle(srv, query.SearchSavedReplies, s.SearchReplies, func(r query.SearchSavedRepliesRequest) string { return r.Brand }),
		handle(srv, query.PutModel, func(ctx context.Context, r query.PutModelRequest) (query.BrandSettings, error) {
			if err := s.brands.PutModel(ctx, r); err != nil {
				return query.BrandSettings{}, err
			}
			return s.brands.Settings(ctx, r.Brand)
		}, func(r query.PutModelRequest) string { return r.Brand }),
	} {
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return srv, nil
}

// handle serves ep with fn after checking the request's brand, giving
// drafting's errors their request/reply codes in one place.
func handle[Req, Resp any](srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error), brand func(Req) string) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, in Req) (Resp, error) {
		if err := events.ValidateBrand(brand(in)); err != nil {
			var zero Resp
			return zero, rpc.BadRequest("brand", "%s", err.Error())
		}
		out, err := fn(ctx, in)
		return out, codeOf(err)
	})
}

func codeOf(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalid):
		return rpc.BadRequest("", "%s", err.Error())
	case errors.Is(err, ErrConflict):
		return rpc.Conflict("%s", err.Error())
	case errors.Is(err, ErrNotFound):
		return rpc.NotFound("%s", err.Error())
	}
	return err
}
