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

// maxRowCorrections is how many of the brand's latest corrections a page
// of the stream marks on its rows: moderation's largest listing.
const maxRowCorrections = 1000

// rowNotes are what a page's rows show beside the interaction: who is
// answering each (the claim lock) and the labels moderators corrected.
type rowNotes struct {
	locks       map[string]ui.Lock
	corrections map[string][]string
}

// readRowNotes starts the page's two lookups, one each for the whole page
// and beside the list's own query; wait gives them. A lookup that fails
// leaves its marks out (logged): triage goes on without them.
func (s *Service) readRowNotes(c echo.Context, brand string) (wait func() rowNotes) {
	done := make(chan rowNotes, 1)
	go func() {
		var n rowNotes
		ctx := c.Request().Context()
		corr := make(chan map[string][]string, 1)
		go func() {
			resp, err := rpc.Ask(ctx, s.rpc, query.ListCorrections, query.ListCorrectionsRequest{Brand: brand, Limit: maxRowCorrections})
			if err != nil {
				s.log.WarnContext(ctx, "inbox rows without their corrections", "brand", brand, "error", err)
			}
			corr <- netCorrections(resp.Corrections)
		}()
		locks, err := s.claims(c, brand)
		if err != nil {
			s.log.WarnContext(ctx, "inbox rows without their claim locks", "brand", brand, "error", err)
		}
		n.locks, n.corrections = locks, <-corr
		done <- n
	}()
	return func() rowNotes { return <-done }
}

// mark sets the notes of rows.
func (n rowNotes) mark(rows []ui.Row) {
	for i := range rows {
		r := &rows[i]
		if l, ok := n.locks[r.ID]; ok {
			r.Holder, r.Mine = l.Holder, l.Mine
		}
		r.Corrected = n.corrections[r.ID]
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
	wait := s.readRowNotes(c, brand)
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	if err != nil {
		wait()
		return err
	}
	rows := []ui.Row{{Interaction: d.Interaction, Fresh: true}}
	wait().mark(rows)
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
	s.readRowNotes(c, brand)().mark(rows)
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
