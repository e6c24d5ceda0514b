package moderation

import (
	"context"
	"errors"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

// startEndpoints serves policies and cases on the request/reply layer;
// replicas share its queue group.
func (s *Service) startEndpoints() (*rpc.Server, error) {
	srv, err := rpc.NewServer(s.nc, query.ModerationService, ServiceVersion,
		"Ruche moderation: brand policies, dry runs, cases and crises", s.log)
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		handle(srv, query.GetPolicy, s.getPolicy),
		handle(srv, query.PutPolicy, s.putPolicy),
		handle(srv, query.ActivatePolicy, s.activatePolicy),
		handle(srv, query.DryRunPolicy, s.dryRunPolicy),
		handle(srv, query.ClaimCase, s.claimCase),
		handle(srv, query.ReleaseCase, s.releaseCase),
		handle(srv, query.DecideCase, s.decideCase),
		handle(srv, query.ListClaims, s.listClaims),
		handle(srv, query.ListCrises, s.listCrises),
		handle(srv, query.GetCrisisWebhook, s.getCrisisWebhook),
		handle(srv, query.PutCrisisWebhook, s.putCrisisWebhook),
	} {
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return srv, nil
}

// handle serves ep with fn, giving moderation's domain errors their
// request/reply codes.
func handle[Req, Resp any](srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, in Req) (Resp, error) {
		out, err := fn(ctx, in)
		return out, codeOf(err)
	})
}

// codeOf maps moderation's typed errors to request/reply errors, in one
// place; other errors stay internal.
func codeOf(err error) error {
	var fe *policy.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return rpc.BadRequest(fe.Path(), "%s", fe.Msg)
	case errors.Is(err, ErrConflict):
		return rpc.Conflict("%s", err.Error())
	case errors.Is(err, ErrNotFound):
		return rpc.NotFound("%s", err.Error())
	}
	return err
}

func brandErr(brand string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return &policy.FieldError{Rule: -1, Field: "brand", Msg: err.Error()}
	}
	return nil
}

func (s *Service) getPolicy(ctx context.Context, in query.GetPolicyRequest) (query.GetPolicyResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.GetPolicyResponse{}, err
	}
	return s.policies.Get(ctx, in.Brand, in.Version)
}

func (s *Service) putPolicy(ctx context.Context, in query.PutPolicyRequest) (query.PolicyVersion, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.PolicyVersion{}, err
	}
	if in.BaseVersion < 0 {
		return query.PolicyVersion{}, &policy.FieldError{Rule: -1, Field: "base_version", Msg: "is negative"}
	}
	return s.policies.Save(ctx, in.Brand, in.BaseVersion, in.Document, in.SavedBy)
}

func (s *Service) activatePolicy(ctx context.Context, in query.ActivatePolicyRequest) (query.ActivatePolicyResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.ActivatePolicyResponse{}, err
	}
	if err := s.policies.Activate(ctx, in.Brand, in.Version, in.ActivatedBy); err != nil {
		return query.ActivatePolicyResponse{}, err
	}
	return query.ActivatePolicyResponse{Brand: in.Brand, Active: in.Version}, nil
}

func (s *Service) dryRunPolicy(ctx context.Context, in query.DryRunPolicyRequest) (query.DryRunPolicyResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.DryRunPolicyResponse{}, err
	}
	return s.DryRun(ctx, in)
}

func (s *Service) claimCase(ctx context.Context, in query.ClaimCaseRequest) (query.CaseClaim, error) {
	return s.cases.Claim(ctx, in.Brand, in.InteractionID, in.Moderator)
}

func (s *Service) releaseCase(ctx context.Context, in query.ReleaseCaseRequest) (query.Empty, error) {
	return query.Empty{}, s.cases.Release(ctx, in.Brand, in.InteractionID, in.Moderator)
}

func (s *Service) listClaims(ctx context.Context, in query.ListClaimsRequest) (query.ListClaimsResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.ListClaimsResponse{}, err
	}
	claims, err := s.cases.Claims(ctx, in.Brand)
	return query.ListClaimsResponse{Claims: claims}, err
}

func (s *Service) decideCase(ctx context.Context, in query.DecideCaseRequest) (query.DecideCaseResponse, error) {
	return s.cases.Decide(ctx, in)
}

func (s *Service) listCrises(ctx context.Context, in query.ListCrisesRequest) (query.ListCrisesResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.ListCrisesResponse{}, err
	}
	return s.crisis.list(ctx, in)
}

func (s *Service) getCrisisWebhook(ctx context.Context, in query.GetCrisisWebhookRequest) (query.CrisisWebhook, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.CrisisWebhook{}, err
	}
	return s.webhooks.get(ctx, in.Brand)
}

func (s *Service) putCrisisWebhook(ctx context.Context, in query.PutCrisisWebhookRequest) (query.CrisisWebhook, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.CrisisWebhook{}, err
	}
	return s.webhooks.put(ctx, in)
}
