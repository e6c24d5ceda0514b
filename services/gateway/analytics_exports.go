package gateway

import (
	"context"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/pii"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// wantsCSV reports whether the request asks for a CSV export (format=csv);
// any other format than csv or json is refused.
func wantsCSV(c echo.Context) (bool, error) {
	switch c.QueryParam("format") {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	}
	return false, httpx.BadRequest("format", "must be json or csv")
}

// exportMask is what an export applies to its free texts, names and
// handles: pii.Mask when the brand chose to mask its exports
// (query.ReportSettings.MaskExports), else nothing. Without the setting the
// export fails rather than risk showing what the brand asked to hide.
func (s *Service) exportMask(ctx context.Context, brand string) (func(string) string, error) {
	settings, err := rpc.Ask(ctx, s.rpc, query.GetReportSettings, query.GetReportSettingsRequest{Brand: brand})
	if err != nil {
		return nil, err
	}
	if settings.Settings.MaskExports {
		return pii.Mask, nil
	}
	return func(s string) string { return s }, nil
}

// exportInteractions streams every page of a (filtered) listing as CSV.
func (s *Service) exportInteractions(c echo.Context, req query.SearchInteractionsRequest) error {
	f, err := csvFormatOf(c)
	if err != nil {
		return err
	}
	mask, err := s.exportMask(c.Request().Context(), req.Brand)
	if err != nil {
		return err
	}
	req.Limit = query.MaxListLimit
	header := f.header(
		[]string{"identifiant", "réseau", "type", "créé le", "auteur", "nom", "texte", "verdict", "priorité", "étiquettes", "lien"},
		[]string{"id", "network", "kind", "created_at", "author", "name", "text", "verdict", "priority", "labels", "url"})
	return s.writeCSV(c, f, "interactions-"+req.Brand+".csv", header, func(ctx context.Context, cursor string) ([][]any, string, error) {
		req.Cursor = cursor
		page, err := rpc.Ask(ctx, s.rpc, query.ListInteractions, req)
		if err != nil {
			return nil, "", err
		}
		rows := make([][]any, len(page.Items))
		for i, it := range page.Items {
			rows[i] = []any{it.ID, it.Network, it.Kind, it.CreatedAt, mask(it.AuthorHandle), mask(it.AuthorName), mask(it.Text), it.Verdict,
				it.Priority, strings.Join(it.Labels, ","), it.URL}
		}
		return rows, page.NextCursor, nil
	})
}

// exportSegment streams every member of a segment as CSV.
func (s *Service) exportSegment(c echo.Context, req query.SegmentRequest) error {
	f, err := csvFormatOf(c)
	if err != nil {
		return err
	}
	mask, err := s.exportMask(c.Request().Context(), req.Brand)
	if err != nil {
		return err
	}
	req.Limit = query.MaxListLimit
	header := f.header(
		[]string{"réseau", "auteur", "pseudo", "nom", "audience", "interactions", "dans la fenêtre", "positives", "négatives", "première", "dernière", "score"},
		[]string{"network", "author_id", "handle", "name", "reach", "interactions", "in_window", "positive", "negative", "first_seen", "last_seen", "score"})
	return s.writeCSV(c, f, "segment-"+req.Segment+"-"+req.Brand+".csv", header, func(ctx context.Context, cursor string) ([][]any, string, error) {
		req.Cursor = cursor
		page, err := rpc.Ask(ctx, s.rpc, query.ListSegment, req)
		if err != nil {
			return nil, "", err
		}
		rows := make([][]any, len(page.Items))
		for i, m := range page.Items {
			rows[i] = []any{m.Network, m.AuthorID, mask(m.Handle), mask(m.Name), m.Reach, m.Interactions, m.InWindow, m.Positive, m.Negative,
				m.FirstSeen, m.LastSeen, m.Score}
		}
		return rows, page.NextCursor, nil
	})
}

// exportContest writes a draw's entries, winners first with their rank.
func (s *Service) exportContest(c echo.Context, d query.ContestDraw) error {
	f, err := csvFormatOf(c)
	if err != nil {
		return err
	}
	rank := map[string]int{}
	for i, w := range d.Winners {
		rank[w.AuthorID] = i + 1
	}
	var rows [][]any
	for _, w := range d.Winners {
		rows = append(rows, []any{rank[w.AuthorID], w.Network, w.AuthorID, w.Handle, w.InteractionID})
	}
	for _, e := range d.Eligible {
		if rank[e.AuthorID] == 0 {
			rows = append(rows, []any{nil, e.Network, e.AuthorID, e.Handle, e.InteractionID})
		}
	}
	header := f.header([]string{"rang", "réseau", "auteur", "pseudo", "participation"}, []string{"rank", "network", "author_id", "handle", "entry"})
	return s.writeCSV(c, f, "contest-"+d.ID+".csv", header, func(context.Context, string) ([][]any, string, error) { return rows, "", nil })
}

// exportKPIs writes the daily series of a dashboard.
func (s *Service) exportKPIs(c echo.Context, k query.KPIs) error {
	f, err := csvFormatOf(c)
	if err != nil {
		return err
	}
	days := map[string][]any{}
	var order []string
	for _, d := range k.Volume.ByDay {
		days[d.Day] = []any{d.Day, d.Count, uint64(0), uint64(0), uint64(0)}
		order = append(order, d.Day)
	}
	for _, d := range k.Sentiment.ByDay {
		if days[d.Day] == nil {
			days[d.Day] = []any{d.Day, uint64(0), uint64(0), uint64(0), uint64(0)}
			order = append(order, d.Day)
		}
		days[d.Day][2], days[d.Day][3], days[d.Day][4] = d.Positive, d.Neutral, d.Negative
	}
	var rows [][]any
	for _, d := range order {
		r := days[d]
		if f.french { // YYYY-MM-DD → DD/MM/YYYY
			if p := strings.Split(r[0].(string), "-"); len(p) == 3 {
				r[0] = fmt.Sprintf("%s/%s/%s", p[2], p[1], p[0])
			}
		}
		rows = append(rows, r)
	}
	header := f.header([]string{"jour", "volume", "positifs", "neutres", "négatifs"}, []string{"day", "volume", "positive", "neutral", "negative"})
	return s.writeCSV(c, f, "kpis-"+k.Brand+".csv", header, func(context.Context, string) ([][]any, string, error) { return rows, "", nil })
}
