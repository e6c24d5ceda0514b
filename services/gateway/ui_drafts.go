package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// draftUIRoutes serve the reply panel and the review queue, over
// drafting's endpoints as /api/v1/drafts* uses them.
func (s *Service) draftUIRoutes(g *echo.Group) {
	g.GET("/review", s.reviewPage)
	g.POST("/inbox/reply", s.inboxReply)
	g.GET("/inbox/draft", s.draftPanel)
	g.POST("/inbox/draft/edit", s.draftEdit)
	g.POST("/inbox/draft/approve", s.draftReview(query.ApproveDraft))
	g.POST("/inbox/draft/reject", s.draftReview(query.RejectDraft))
	g.POST("/inbox/draft/regenerate", s.draftRegenerate)
	g.GET("/inbox/replies", s.savedReplies)
}

// savedReplies finds the brand's saved replies (drafting's search, as
// GET /api/v1/drafts/settings/replies), {{author}} filled with the
// interaction's author.
func (s *Service) savedReplies(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	found, err := rpc.Ask(ctx, s.rpc, query.SearchSavedReplies, query.SearchSavedRepliesRequest{Brand: brand, Q: c.QueryParam("q")})
	if err != nil {
		return err
	}
	vars := map[string]string{}
	if d, err := rpc.Ask(ctx, s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id}); err == nil {
		vars["author"] = d.AuthorName
		if vars["author"] == "" {
			vars["author"] = d.AuthorHandle
		}
	}
	out := make([]ui.SavedReply, 0, len(found.Replies))
	for _, r := range found.Replies {
		out = append(out, ui.SavedReply{ID: r.ID, Lang: r.Lang, Text: ui.FillVariables(r.Text, vars)})
	}
	return s.render(c, http.StatusOK, ui.SavedReplies(out))
}

// uiCan is what the caller's role allows on brand.
func uiCan(c echo.Context, brand string) ui.Can {
	p := principal(c)
	return ui.Can{Decide: p.Allowed(brand, access.CasesDecide), Work: p.Allowed(brand, access.CasesWork),
		Draft: p.Allowed(brand, access.DraftsWrite), Approve: p.Allowed(brand, access.DraftsApprove)}
}

// reply builds an interaction's reply panel from its draft (nil when
// drafting has none yet) and, once approved, its publication.
func (s *Service) reply(c echo.Context, brand, id string, d *query.Draft) ui.Reply {
	r := ui.Reply{Brand: brand, ID: id, Draft: d, Can: uiCan(c, brand), Me: principal(c).ID, Names: map[string]string{},
		Compact: c.FormValue("compact") != ""}
	if d == nil {
		return r
	}
	for _, a := range d.Approvers {
		r.Names[a] = s.displayName(c, a)
	}
	if id, ok := strings.CutPrefix(d.Current.Drafter, "human:"); ok {
		r.Names[id] = s.displayName(c, id)
	}
	if d.Approval != nil {
		r.Names[d.Approval.ApprovedBy] = s.displayName(c, d.Approval.ApprovedBy)
		pub, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPublication, query.PublicationRef{Brand: brand, RequestID: d.Approval.PublishRequestID})
		if err == nil {
			r.Publication = &pub
		}
	}
	return r
}

// draftOrNil is the interaction's draft, nil when there is none yet.
func (s *Service) draftOrNil(c echo.Context, brand, id string) (*query.Draft, error) {
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetDraft, query.DraftRef{Brand: brand, InteractionID: id})
	var re *rpc.Error
	if errors.As(err, &re) && re.Code == query.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// inboxReply starts answering: the caller claims the case (the others see
// "… is answering"), and the panel shows the draft, asking for one when
// there is none.
func (s *Service) inboxReply(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, err = rpc.Ask(ctx, s.rpc, query.ClaimCase, query.ClaimCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID})
	var re *rpc.Error
	if errors.As(err, &re) && re.Code == query.CodeConflict {
		lock, lerr := s.lock(c, brand, id)
		if lerr != nil {
			return lerr
		}
		c.Response().Header().Set("HX-Retarget", "#lock")
		c.Response().Header().Set("HX-Trigger", toastTrigger(ui.T(ui.WithLang(ctx, uiLang(c)), "inbox.answering", lock.Holder)))
		return s.render(c, http.StatusOK, ui.LockView(lock))
	}
	if err != nil {
		return err
	}
	d, err := s.draftOrNil(c, brand, id)
	if err != nil {
		return err
	}
	if d == nil && principal(c).Allowed(brand, access.DraftsWrite) {
		got, err := rpc.Ask(ctx, s.rpc, query.RequestDraft, query.RequestDraftRequest{DraftRef: query.DraftRef{Brand: brand, InteractionID: id}, RequestedBy: principal(c).ID})
		if err != nil {
			return err
		}
		d = &got
	}
	lock, err := s.lock(c, brand, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.ReplyWithLock(s.reply(c, brand, id, d), lock))
}

func (s *Service) draftPanel(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	d, err := s.draftOrNil(c, brand, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.ReplyPanel(s.reply(c, brand, id, d)))
}

// draftForm is the draft a form names and the version its reader saw.
func draftForm(c echo.Context) (query.DraftRef, int, error) {
	brand, id, err := itemParams(c)
	if err != nil {
		return query.DraftRef{}, 0, err
	}
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return query.DraftRef{}, 0, httpx.BadRequest("version", "the draft version read (1 or more) is required")
	}
	return query.DraftRef{Brand: brand, InteractionID: id}, v, nil
}

// panel answers the reply panel of the draft drafting answered.
func (s *Service) panel(c echo.Context, ref query.DraftRef, d query.Draft, err error) error {
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.ReplyPanel(s.reply(c, ref.Brand, ref.InteractionID, &d)))
}

func (s *Service) draftEdit(c echo.Context) error {
	ref, v, err := draftForm(c)
	if err != nil {
		return err
	}
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.EditDraft, query.EditDraftRequest{DraftRef: ref,
		BaseVersion: v, Text: c.FormValue("text"), EditedBy: principal(c).ID})
	return s.panel(c, ref, d, err)
}

func (s *Service) draftReview(ep query.Endpoint[query.ReviewDraftRequest, query.Draft]) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, v, err := draftForm(c)
		if err != nil {
			return err
		}
		d, err := rpc.Ask(c.Request().Context(), s.rpc, ep, query.ReviewDraftRequest{DraftRef: ref,
			Version: v, By: principal(c).ID, Reason: c.FormValue("reason")})
		return s.panel(c, ref, d, err)
	}
}

func (s *Service) draftRegenerate(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	ref := query.DraftRef{Brand: brand, InteractionID: id}
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.RequestDraft, query.RequestDraftRequest{DraftRef: ref,
		Instruction: c.FormValue("instruction"), RequestedBy: principal(c).ID})
	return s.panel(c, ref, d, err)
}

// reviewPage is the review queue: drafts to approve, first those awaiting
// a second approval (four-eyes), then those pending.
func (s *Service) reviewPage(c echo.Context) error {
	brand, err := s.pageBrand(c)
	if err != nil {
		return err
	}
	v := ui.Review{Brand: brand}
	for _, status := range []string{query.DraftAwaitingSecond, query.DraftPending} {
		list, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListDrafts, query.ListDraftsRequest{Brand: brand, Status: status, Limit: 100})
		if err != nil {
			return err
		}
		for i := range list.Drafts {
			d := &list.Drafts[i]
			r := s.reply(c, brand, d.Current.InteractionID, d)
			r.Compact = true
			v.Drafts = append(v.Drafts, r)
		}
	}
	ctx := ui.WithLang(c.Request().Context(), uiLang(c))
	return s.render(c, http.StatusOK, ui.ReviewPage(s.page(c, "review", ui.T(ctx, "review.title"), brand), v))
}
