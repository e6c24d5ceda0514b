package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// moderationRoutes exposes moderation's policies and cases. The moderator
// (or editor) is the caller's id: a user id, or a configured key's id.
func (s *Service) moderationRoutes(api *echo.Group) {
	api.GET("/policies", s.getPolicy)
	api.PUT("/policies", s.putPolicy)
	api.POST("/policies/activate", s.activatePolicy)
	api.POST("/policies/dry-run", s.dryRunPolicy)
	api.POST("/cases/:interaction_id/claim", s.claimCase)
	api.POST("/cases/:interaction_id/release", s.releaseCase)
	api.POST("/cases/:interaction_id/decide", s.decideCase)
}

// PutPolicyBody is the body of PUT /api/v1/policies.
type PutPolicyBody struct {
	// BaseVersion is the latest version the edit started from (0: none).
	BaseVersion int                  `json:"base_version"`
	Document    query.PolicyDocument `json:"document"`
}

// ActivatePolicyBody is the body of POST /api/v1/policies/activate.
type ActivatePolicyBody struct {
	Version int `json:"version"`
}

// DryRunPolicyBody is the body of POST /api/v1/policies/dry-run.
type DryRunPolicyBody struct {
	Document query.PolicyDocument `json:"document"`
	Days     int                  `json:"days,omitempty"`
	Limit    int                  `json:"limit,omitempty"`
}

// DecideCaseBody is the body of POST /api/v1/cases/{id}/decide.
type DecideCaseBody struct {
	Decision casev1.Decision `json:"decision"`
	Assignee string          `json:"assignee,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	Network  string          `json:"network,omitempty"`
}

// bindStrict decodes the JSON body, refusing unknown fields (a misspelt
// rule field must not be silently ignored).
func bindStrict(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return httpx.BadRequest(te.Field, "is %s, want %s", te.Value, te.Type)
		}
		return httpx.BadRequest("body", "not a valid JSON body: %v", err)
	}
	return nil
}

func (s *Service) getPolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.GetPolicyRequest{Brand: brand}
	if v := c.QueryParam("version"); v != "" {
		if req.Version, err = strconv.Atoi(v); err != nil || req.Version < 0 {
			return httpx.BadRequest("version", "must be a version number")
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPolicy, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) putPolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body PutPolicyBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.PutPolicyRequest{Brand: brand, BaseVersion: body.BaseVersion, Document: body.Document, SavedBy: principal(c).ID}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutPolicy, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, resp)
}

func (s *Service) activatePolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body ActivatePolicyBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.ActivatePolicyRequest{Brand: brand, Version: body.Version, ActivatedBy: principal(c).ID}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ActivatePolicy, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) dryRunPolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body DryRunPolicyBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.DryRunPolicyRequest{Brand: brand, Document: body.Document, Days: body.Days, Limit: body.Limit}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.DryRunPolicy, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func caseParams(c echo.Context) (brand, id string, err error) {
	if brand, err = brandParam(c); err != nil {
		return "", "", err
	}
	id, err = url.PathUnescape(c.Param("interaction_id"))
	if err != nil || id == "" {
		return "", "", httpx.BadRequest("interaction_id", "must be an interaction id such as mastodon:1098765")
	}
	return brand, id, nil
}

func (s *Service) claimCase(c echo.Context) error {
	brand, id, err := caseParams(c)
	if err != nil {
		return err
	}
	req := query.ClaimCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ClaimCase, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) releaseCase(c echo.Context) error {
	brand, id, err := caseParams(c)
	if err != nil {
		return err
	}
	req := query.ReleaseCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.ReleaseCase, req); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) decideCase(c echo.Context) error {
	brand, id, err := caseParams(c)
	if err != nil {
		return err
	}
	var body DecideCaseBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	resp, err := s.decide(c, brand, id, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// decide records the caller's decision on one case (the API's and the
// workspace's): an assignee must be a member of the brand.
func (s *Service) decide(c echo.Context, brand, id string, body DecideCaseBody) (query.DecideCaseResponse, error) {
	if body.Assignee != "" {
		if ok, err := s.member(c.Request().Context(), brand, body.Assignee); err != nil {
			return query.DecideCaseResponse{}, err
		} else if !ok {
			return query.DecideCaseResponse{}, httpx.BadRequest("assignee", "%q is not a member of brand %s (a user id from GET /api/v1/users, or a configured API key's id such as %s)",
				body.Assignee, brand, principal(c).ID)
		}
	}
	req := query.DecideCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID,
		Decision: body.Decision, Assignee: body.Assignee, Reason: body.Reason, Network: body.Network}
	return rpc.Ask(c.Request().Context(), s.rpc, query.DecideCase, req)
}
