package gateway

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// onCallDrafts bounds the drafts the on-call screen shows (each is one
// more read of its interaction).
const onCallDrafts = 10

// onCallRoutes serve the on-call screen, made for a phone: the open crisis,
// the publishing queue with pause and resume, and the drafts waiting for a
// decision with approve and reject.
//
//	GET  /oncall?brand=
//	POST /oncall/approve?brand=&id=&version=
//	POST /oncall/reject?brand=&id=&version=   (reason in the form)
func (s *Service) onCallRoutes(g *echo.Group) {
	g.GET("/oncall", s.onCallPage)
	g.POST("/oncall/approve", s.onCallReview(query.ApproveDraft))
	g.POST("/oncall/reject", s.onCallReview(query.RejectDraft))
}

func (s *Service) onCallPage(c echo.Context) error {
	brand, err := s.pageBrand(c)
	if err != nil {
		return err
	}
	ctx := s.uiContext(c)
	o := ui.OnCall{Page: s.page(c, "oncall", ui.T(ctx, "oncall.title"), brand), CanApprove: principal(c).Allowed(brand, access.DraftsApprove)}
	var wg sync.WaitGroup
	wg.Go(func() { o.Drafts, o.Problem = s.waitingDrafts(c, brand) })
	o.Crises = s.crises(c, brand, s.brandZone(ctx, brand))
	wg.Wait()
	return s.render(c, http.StatusOK, ui.OnCallPage(o))
}

// waitingDrafts are the drafts a person must decide, oldest first (the
// longest wait first), each beside the message it answers.
func (s *Service) waitingDrafts(c echo.Context, brand string) ([]ui.DraftCard, string) {
	ctx := s.uiContext(c)
	var drafts []query.Draft
	for _, status := range []string{query.DraftPending, query.DraftAwaitingSecond} {
		list, err := rpc.Ask(ctx, s.rpc, query.ListDrafts, query.ListDraftsRequest{Brand: brand, Status: status, Limit: onCallDrafts})
		if err != nil {
			return nil, ui.T(ctx, "oncall.drafts_failed", describe(err))
		}
		drafts = append(drafts, list.Drafts...)
	}
	sort.Slice(drafts, func(i, j int) bool { return drafts[i].UpdatedAt.Before(drafts[j].UpdatedAt) })
	if len(drafts) > onCallDrafts {
		drafts = drafts[:onCallDrafts]
	}
	cards := make([]ui.DraftCard, len(drafts))
	var wg sync.WaitGroup
	for i, d := range drafts {
		cards[i] = ui.DraftCard{Brand: brand, Draft: d}
		wg.Go(func() {
			it, err := rpc.Ask(ctx, s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: d.Current.InteractionID})
			if err == nil {
				cards[i].Message = &it.Interaction
			}
		})
	}
	wg.Wait()
	return cards, ""
}

// onCallReview approves or rejects the version of a draft the person read,
// and answers its card in its new state (htmx).
func (s *Service) onCallReview(ep query.Endpoint[query.ReviewDraftRequest, query.Draft]) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, version, err := draftForm(c)
		if err != nil {
			return err
		}
		brand := ref.Brand
		req := query.ReviewDraftRequest{DraftRef: ref, Version: version, By: principal(c).ID, Reason: c.FormValue("reason")}
		d, err := rpc.Ask(c.Request().Context(), s.rpc, ep, req)
		if err != nil {
			return err
		}
		card := ui.DraftCard{Brand: brand, Draft: d, Done: true}
		if !isHX(c) {
			return c.Redirect(http.StatusSeeOther, ui.BrandURL("/oncall", brand))
		}
		return s.render(c, http.StatusOK, ui.DraftCardView(card, principal(c).Allowed(brand, access.DraftsApprove)))
	}
}

// brandZone is the brand's time zone (its report settings'), UTC when it
// has none or they do not answer: only times shown depend on it.
func (s *Service) brandZone(ctx context.Context, brand string) *time.Location {
	settings, err := rpc.Ask(ctx, s.rpc, query.GetReportSettings, query.GetReportSettingsRequest{Brand: brand})
	if err != nil || settings.Settings.TZ == "" {
		return time.UTC
	}
	if loc, err := time.LoadLocation(settings.Settings.TZ); err == nil {
		return loc
	}
	return time.UTC
}
