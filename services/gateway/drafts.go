package gateway

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// draftRoutes exposes drafting: reply drafts and their review, and each
// brand's voice, knowledge base and model. The reviewer is the API key's id
// until users exist.
func (s *Service) draftRoutes(api *echo.Group) {
	api.GET("/drafts", s.listDrafts)
	api.GET("/drafts/settings", s.draftSettings)
	api.PUT("/drafts/settings/voice", s.putVoice)
	api.PUT("/drafts/settings/knowledge", s.putKnowledge)
	api.PUT("/drafts/settings/model", s.putModel)
	api.GET("/drafts/settings/replies", s.searchReplies)
	api.GET("/drafts/:interaction_id", s.getDraft)
	api.POST("/drafts/:interaction_id", s.requestDraft)
	api.PUT("/drafts/:interaction_id/text", s.editDraft)
	api.POST("/drafts/:interaction_id/approve", s.approveDraft)
	api.POST("/drafts/:interaction_id/reject", s.rejectDraft)
}

// RequestDraftBody is the body of POST /api/v1/drafts/{id}: a first draft,
// or a regeneration following the instruction.
type RequestDraftBody struct {
	Instruction string `json:"instruction,omitempty"`
}

// EditDraftBody is the body of PUT /api/v1/drafts/{id}/text.
type EditDraftBody struct {
	BaseVersion int    `json:"base_version"`
	Text        string `json:"text"`
}

// ReviewDraftBody is the body of approve and reject.
type ReviewDraftBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason,omitempty"`
}

// PutVoiceBody is the body of PUT /api/v1/drafts/settings/voice.
type PutVoiceBody struct {
	BaseVersion int                `json:"base_version"`
	Voice       query.VoiceProfile `json:"voice"`
}

// PutModelBody is the body of PUT /api/v1/drafts/settings/model.
type PutModelBody struct {
	BaseURL        string `json:"base_url"`
	Model          string `json:"model"`
	EmbeddingModel string `json:"embedding_model,omitempty"`
	APIKey         string `json:"api_key,omitempty"`
	TokenBudget    int64  `json:"token_budget"`
}

func draftRef(c echo.Context) (query.DraftRef, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.DraftRef{}, err
	}
	id, err := url.PathUnescape(c.Param("interaction_id"))
	if err != nil || id == "" {
		return query.DraftRef{}, httpx.BadRequest("interaction_id", "must be an interaction id such as mastodon:1098765")
	}
	return query.DraftRef{Brand: brand, InteractionID: id}, nil
}

// forward asks drafting and answers its response with status.
func forward[Req, Resp any](c echo.Context, s *Service, ep query.Endpoint[Req, Resp], req Req, status int) error {
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, ep, req)
	if err != nil {
		return err
	}
	return c.JSON(status, resp)
}

func (s *Service) listDrafts(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.ListDraftsRequest{Brand: brand, Status: c.QueryParam("status")}
	switch req.Status {
	case "", query.DraftPending, query.DraftAwaitingSecond, query.DraftApproved, query.DraftRejected:
	default:
		return httpx.BadRequest("status", "%q, want pending, awaiting_second_approval, approved or rejected", req.Status)
	}
	if v := c.QueryParam("limit"); v != "" {
		if req.Limit, err = strconv.Atoi(v); err != nil || req.Limit < 1 || req.Limit > 200 {
			return httpx.BadRequest("limit", "must be a number from 1 to 200")
		}
	}
	return forward(c, s, query.ListDrafts, req, http.StatusOK)
}

func (s *Service) getDraft(c echo.Context) error {
	ref, err := draftRef(c)
	if err != nil {
		return err
	}
	return forward(c, s, query.GetDraft, ref, http.StatusOK)
}

func (s *Service) requestDraft(c echo.Context) error {
	ref, err := draftRef(c)
	if err != nil {
		return err
	}
	var body RequestDraftBody
	if c.Request().ContentLength != 0 {
		if err := bindStrict(c, &body); err != nil {
			return err
		}
	}
	return forward(c, s, query.RequestDraft, query.RequestDraftRequest{DraftRef: ref, Instruction: body.Instruction, RequestedBy: principal(c).ID}, http.StatusCreated)
}

func (s *Service) editDraft(c echo.Context) error {
	ref, err := draftRef(c)
	if err != nil {
		return err
	}
	var body EditDraftBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	return forward(c, s, query.EditDraft, query.EditDraftRequest{DraftRef: ref, BaseVersion: body.BaseVersion, Text: body.Text, EditedBy: principal(c).ID}, http.StatusOK)
}

func (s *Service) review(c echo.Context, ep query.Endpoint[query.ReviewDraftRequest, query.Draft]) error {
	ref, err := draftRef(c)
	if err != nil {
		return err
	}
	var body ReviewDraftBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if body.Version < 1 {
		return httpx.BadRequest("version", "the draft version read (1 or more) is required")
	}
	return forward(c, s, ep, query.ReviewDraftRequest{DraftRef: ref, Version: body.Version, By: principal(c).ID, Reason: body.Reason}, http.StatusOK)
}

func (s *Service) approveDraft(c echo.Context) error { return s.review(c, query.ApproveDraft) }

func (s *Service) rejectDraft(c echo.Context) error { return s.review(c, query.RejectDraft) }

func (s *Service) draftSettings(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	return forward(c, s, query.GetBrandSettings, query.BrandRef{Brand: brand}, http.StatusOK)
}

func (s *Service) putVoice(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body PutVoiceBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	return forward(c, s, query.PutVoice, query.PutVoiceRequest{Brand: brand, BaseVersion: body.BaseVersion, Voice: body.Voice}, http.StatusOK)
}

func (s *Service) putKnowledge(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body query.PutKnowledgeRequest
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if body.Brand != "" && body.Brand != brand {
		return httpx.BadRequest("brand", "the body's brand %q differs from the query's %q", body.Brand, brand)
	}
	body.Brand = brand
	return forward(c, s, query.PutKnowledge, body, http.StatusOK)
}

func (s *Service) putModel(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body PutModelBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	return forward(c, s, query.PutModel, query.PutModelRequest{Brand: brand, BaseURL: body.BaseURL, Model: body.Model, EmbeddingModel: body.EmbeddingModel, APIKey: body.APIKey, TokenBudget: body.TokenBudget}, http.StatusOK)
}

func (s *Service) searchReplies(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.SearchSavedRepliesRequest{Brand: brand, Q: c.QueryParam("q"), Lang: c.QueryParam("lang")}
	if req.Lang != "" && req.Lang != "fr" && req.Lang != "en" {
		return httpx.BadRequest("lang", "%q, want fr or en", req.Lang)
	}
	return forward(c, s, query.SearchSavedReplies, req, http.StatusOK)
}
