package gateway

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// rowNotes are what a page's rows show beside the interaction: who is
// answering each (the claim lock) and the labels moderators corrected.
// readRowNotes starts the claims' lookup beside the list's own query; mark
// waits for it, asks for the corrections of the page's rows, and marks
// them: one lookup of each for the whole page. A lookup that fails leaves
// its marks out (logged): triage goes on without them.
func (s *Service) readRowNotes(c echo.Context, brand string) (mark func(rows []ui.Row)) {
	ctx := c.Request().Context()
	locks := make(chan map[string]ui.Lock, 1)
	go func() {
		l, err := s.claims(c, brand)
		if err != nil {
			s.log.WarnContext(ctx, "inbox rows without their claim locks", "brand", brand, "error", err)
		}
		locks <- l
	}()
	return func(rows []ui.Row) {
		held := <-locks
		if len(rows) == 0 {
			return
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		resp, err := rpc.Ask(ctx, s.rpc, query.ListCorrections, query.ListCorrectionsRequest{Brand: brand, Limit: query.MaxCorrectionIDs, InteractionIDs: ids})
		if err != nil {
			s.log.WarnContext(ctx, "inbox rows without their corrections", "brand", brand, "error", err)
		}
		corrected := netCorrections(resp.Corrections)
		for i := range rows {
			r := &rows[i]
			if l, ok := held[r.ID]; ok {
				r.Holder, r.Mine = l.Holder, l.Mine
			}
			r.Corrected = corrected[r.ID]
		}
	}
}

// netCorrections sums up each interaction's corrections (newest first, as
// moderation lists them) into the labels it gained ("+spam") and lost
// ("-toxicity"), the latest word on each label kept.
func netCorrections(cs []casev1.Corrected) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, c := range cs {
		note := func(sign string, labels []string) {
			for _, l := range labels {
				if key := c.InteractionID + "\x00" + l; !seen[key] {
					seen[key] = true
					out[c.InteractionID] = append(out[c.InteractionID], sign+l)
				}
			}
		}
		note("+", c.Add)
		note("-", c.Remove)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// inboxRow is one row of the stream, for a live arrival put at its top:
// 404 until analytics has stored the interaction.
func (s *Service) inboxRow(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	mark := s.readRowNotes(c, brand)
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	if err != nil {
		mark(nil)
		return err
	}
	rows := []ui.Row{{Interaction: d.Interaction, Fresh: true}}
	mark(rows)
	return s.render(c, http.StatusOK, ui.ItemRow(brand, rows[0], false))
}

// inboxLabel corrects the automatic labels of one interaction (the l key's
// picker): moderation records the correction, and the row shows it.
func (s *Service) inboxLabel(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return httpx.BadRequest("body", "not a form: %v", err)
	}
	req := query.CorrectCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID,
		Add: nonEmpty(form["add"]), Remove: nonEmpty(form["remove"]), Reason: strings.TrimSpace(form.Get("reason"))}
	if len(req.Add)+len(req.Remove) == 0 {
		return httpx.BadRequest("add", "name a label to add or to remove")
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.CorrectCase, req); err != nil {
		return err
	}
	rows := []ui.Row{{Interaction: query.Interaction{ID: id}}}
	s.readRowNotes(c, brand)(rows)
	return s.render(c, http.StatusOK, ui.CorrectedLabels(rows[0], true))
}

// nonEmpty are the values of a form list that say something.
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
