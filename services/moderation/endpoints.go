package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

// ErrorData is the body of a 400 reply: the wrong field's path, e.g.
// "rules[2].when.regex", so the gateway can name it.
type ErrorData struct {
	Field string `json:"field,omitempty"`
}

// startEndpoints serves policies and cases as a nats.go micro service;
// replicas share its queue group.
func (s *Service) startEndpoints() (micro.Service, error) {
	svc, err := micro.AddService(s.nc, micro.Config{
		Name: query.ModerationService, Version: ServiceVersion,
		Description: "Ruche moderation: brand policies, dry runs and cases",
	})
	if err != nil {
		return nil, err
	}
	endpoints := []struct {
		name, subject string
		fn            func(ctx context.Context, data []byte) (any, error)
	}{
		{"get_policy", query.GetPolicySubject, s.getPolicy},
		{"put_policy", query.PutPolicySubject, s.putPolicy},
		{"activate_policy", query.ActivatePolicySubject, s.activatePolicy},
		{"dry_run_policy", query.DryRunPolicySubject, s.dryRunPolicy},
		{"claim_case", query.ClaimCaseSubject, s.claimCase},
		{"release_case", query.ReleaseCaseSubject, s.releaseCase},
		{"decide_case", query.DecideCaseSubject, s.decideCase},
	}
	for _, e := range endpoints {
		if err := svc.AddEndpoint(e.name, s.serve(e.fn), micro.WithEndpointSubject(e.subject)); err != nil {
			_ = svc.Stop()
			return nil, err
		}
	}
	return svc, nil
}

func (s *Service) serve(fn func(ctx context.Context, data []byte) (any, error)) micro.Handler {
	return micro.HandlerFunc(func(req micro.Request) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		ctx = obs.WithCorrelationID(ctx, req.Headers().Get(events.HeaderCorrelationID))
		out, err := fn(ctx, req.Data())
		if err != nil {
			s.fail(ctx, req, err)
			return
		}
		if err := req.RespondJSON(out); err != nil {
			s.log.WarnContext(ctx, "reply", "subject", req.Subject(), "error", err)
		}
	})
}

// badJSON is a request body that does not decode.
type badJSON struct{ err error }

func (b badJSON) Error() string { return "request body: " + b.err.Error() }

// fail maps the typed errors to micro codes, in one place.
func (s *Service) fail(ctx context.Context, req micro.Request, err error) {
	var fe *policy.FieldError
	var bj badJSON
	code, text, data := query.CodeInternal, "internal error", []byte(nil)
	switch {
	case errors.As(err, &fe):
		code, text = query.CodeBadRequest, err.Error()
		data, _ = json.Marshal(ErrorData{Field: fe.Path()})
	case errors.As(err, &bj):
		code, text = query.CodeBadRequest, err.Error()
	case errors.Is(err, ErrConflict):
		code, text = query.CodeConflict, err.Error()
	case errors.Is(err, ErrNotFound):
		code, text = query.CodeNotFound, err.Error()
	default:
		s.log.ErrorContext(ctx, "moderation request failed", "subject", req.Subject(), "error", err)
	}
	if rerr := req.Error(code, text, data); rerr != nil {
		s.log.WarnContext(ctx, "reply with an error", "subject", req.Subject(), "error", rerr)
	}
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return badJSON{err}
	}
	return nil
}

func brandErr(brand string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return &policy.FieldError{Rule: -1, Field: "brand", Msg: err.Error()}
	}
	return nil
}

func (s *Service) getPolicy(ctx context.Context, data []byte) (any, error) {
	var in query.GetPolicyRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	if err := brandErr(in.Brand); err != nil {
		return nil, err
	}
	return s.policies.Get(ctx, in.Brand, in.Version)
}

func (s *Service) putPolicy(ctx context.Context, data []byte) (any, error) {
	var in query.PutPolicyRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	if err := brandErr(in.Brand); err != nil {
		return nil, err
	}
	if in.BaseVersion < 0 {
		return nil, &policy.FieldError{Rule: -1, Field: "base_version", Msg: "is negative"}
	}
	return s.policies.Save(ctx, in.Brand, in.BaseVersion, in.Document, in.SavedBy)
}

func (s *Service) activatePolicy(ctx context.Context, data []byte) (any, error) {
	var in query.ActivatePolicyRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	if err := brandErr(in.Brand); err != nil {
		return nil, err
	}
	if err := s.policies.Activate(ctx, in.Brand, in.Version, in.ActivatedBy); err != nil {
		return nil, err
	}
	return query.ActivatePolicyResponse{Brand: in.Brand, Active: in.Version}, nil
}

func (s *Service) dryRunPolicy(ctx context.Context, data []byte) (any, error) {
	var in query.DryRunPolicyRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	if err := brandErr(in.Brand); err != nil {
		return nil, err
	}
	return s.DryRun(ctx, in)
}

func (s *Service) claimCase(ctx context.Context, data []byte) (any, error) {
	var in query.ClaimCaseRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	return s.cases.Claim(ctx, in.Brand, in.InteractionID, in.Moderator)
}

func (s *Service) releaseCase(ctx context.Context, data []byte) (any, error) {
	var in query.ReleaseCaseRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	return struct{}{}, s.cases.Release(ctx, in.Brand, in.InteractionID, in.Moderator)
}

func (s *Service) decideCase(ctx context.Context, data []byte) (any, error) {
	var in query.DecideCaseRequest
	if err := decode(data, &in); err != nil {
		return nil, err
	}
	return s.cases.Decide(ctx, in)
}
