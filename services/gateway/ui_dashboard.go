package gateway

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// dashboardRoutes serves the dashboard and the on-call screen:
//
//	GET  /dashboard?brand=&days=&network=   crises, KPIs with trend, charts
//	GET  /dashboard/csv/:chart?brand=...     one chart's table as CSV
//	POST /crisis/pause?brand=                hold posts and replies (htmx: the banner)
//	POST /crisis/resume?brand=               resume them
func (s *Service) dashboardRoutes(g *echo.Group) {
	g.GET("/dashboard", s.dashboardPage)
	g.GET("/dashboard/csv/:chart", s.dashboardCSV)
	g.POST("/crisis/pause", s.crisisPause(true))
	g.POST("/crisis/resume", s.crisisPause(false))
	s.onCallRoutes(g)
	s.settingsRoutes(g)
}

// dashboardPeriods are the periods the dashboard offers, in days.
var dashboardPeriods = []int{7, 30, 90}

// dashboardQuery is what a dashboard was asked for.
type dashboardQuery struct {
	brand, network string
	days           int
	loc            *time.Location
	voices         []query.Voice
	from, to       time.Time
}

// dashboardParams reads ?days= and ?network=, and the brand's time zone and
// voices from its report settings (UTC and none when it has none).
func (s *Service) dashboardParams(c echo.Context, brand string) (dashboardQuery, error) {
	q := dashboardQuery{brand: brand, network: c.QueryParam("network"), days: 7, loc: time.UTC}
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 7 && n != 30 && n != 90) {
			return q, httpx.BadRequest("days", "must be 7, 30 or 90")
		}
		q.days = n
	}
	settings, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetReportSettings, query.GetReportSettingsRequest{Brand: brand})
	if err != nil {
		return q, err
	}
	if loc, err := time.LoadLocation(settings.Settings.TZ); err == nil && settings.Settings.TZ != "" {
		q.loc = loc
	}
	q.voices = settings.Settings.Voices
	now := s.now().In(q.loc)
	q.to = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, q.loc)
	q.from = q.to.AddDate(0, 0, -q.days)
	return q, nil
}

// kpis asks analytics for the period and the one just before it.
func (s *Service) periodKPIs(ctx context.Context, q dashboardQuery) (cur, prev query.KPIs, err error) {
	req := query.KPIsRequest{Brand: q.brand, Network: q.network, TZ: q.loc.String(), From: q.from, To: q.to, Voices: q.voices}
	before := req
	before.From, before.To = q.from.AddDate(0, 0, -q.days), q.from
	var wg sync.WaitGroup
	var errPrev error
	wg.Go(func() { prev, errPrev = rpc.Ask(ctx, s.rpc, query.GetKPIs, before) })
	cur, err = rpc.Ask(ctx, s.rpc, query.GetKPIs, req)
	wg.Wait()
	if err == nil {
		err = errPrev
	}
	return cur, prev, err
}

func (s *Service) dashboardPage(c echo.Context) error {
	brand, err := s.pageBrand(c)
	if err != nil {
		return err
	}
	q, err := s.dashboardParams(c, brand)
	if err != nil {
		return err
	}
	ctx := s.uiContext(c)
	d := ui.Dashboard{Page: s.page(c, "dashboard", ui.T(ctx, "dash.title"), brand), Days: q.days, From: q.from, To: q.to.Add(-time.Second),
		TZ: q.loc.String(), Network: q.network, Periods: dashboardPeriods}
	p := principal(c)
	var wg sync.WaitGroup
	var cur, prev query.KPIs
	var kpiErr, leadErr error
	var leaders query.SegmentPage
	wg.Go(func() { cur, prev, kpiErr = s.periodKPIs(ctx, q) })
	if p.Allowed(brand, access.SegmentsRead) {
		wg.Go(func() {
			leaders, leadErr = rpc.Ask(ctx, s.rpc, query.ListSegment, query.SegmentRequest{Brand: brand, Segment: query.SegmentOpinionLeaders, Network: q.network, Limit: 10})
		})
	}
	d.Crises = s.crises(c, brand, q.loc)
	wg.Wait()
	if kpiErr != nil {
		d.Problems = append(d.Problems, ui.T(ctx, "dash.kpis_failed", describe(kpiErr)))
	} else {
		d.KPIs = kpiCards(ctx, cur, prev)
		csv := url.Values{"brand": {brand}, "days": {strconv.Itoa(q.days)}, "locale": {ui.Lang(ctx)}}
		if q.network != "" {
			csv.Set("network", q.network)
		}
		d.Charts = dashboardCharts(ctx, cur, prev, csv)
		d.CanExport = p.Allowed(brand, access.InteractionsExport)
	}
	if p.Allowed(brand, access.SegmentsRead) {
		if leadErr != nil {
			d.Problems = append(d.Problems, ui.T(ctx, "dash.leaders_failed", describe(leadErr)))
		} else {
			d.Leaders = leadersChart(ctx, leaders)
			d.Leaders.CSV = "/api/v1/segments/" + query.SegmentOpinionLeaders + "?" + url.Values{"brand": {brand}, "format": {"csv"}, "locale": {ui.Lang(ctx)}}.Encode()
			for _, seg := range query.Segments {
				d.Segments = append(d.Segments, ui.SegmentLink{Name: ui.SegmentName(ctx, seg),
					CSV: "/api/v1/segments/" + seg + "?" + url.Values{"brand": {brand}, "format": {"csv"}, "locale": {ui.Lang(ctx)}}.Encode()})
			}
		}
	}
	return s.render(c, http.StatusOK, ui.DashboardPage(d))
}

// describe is what a person is told of a failed read.
func describe(err error) string {
	e, _ := httpx.Describe(err)
	return e.Message
}

// uiContext is the request's context in the page's language.
func (s *Service) uiContext(c echo.Context) context.Context {
	return ui.WithNow(ui.WithLang(c.Request().Context(), uiLang(c)), s.now())
}

// crises reads the crisis part of a page: the brand's crises (newest
// first, the open one in the banner) and the publishing queue's state.
// What does not answer is said on the page, not fatal to it.
func (s *Service) crises(c echo.Context, brand string, loc *time.Location) ui.Crises {
	ctx := s.uiContext(c)
	out := ui.Crises{Brand: brand, Loc: loc, CanPause: principal(c).Allowed(brand, access.CrisesManage)}
	var wg sync.WaitGroup
	var pauseErr error
	wg.Go(func() {
		out.Pause, pauseErr = rpc.Ask(ctx, s.rpc, query.GetPause, query.ListAccountsRequest{Brand: brand})
	})
	list, err := rpc.Ask(ctx, s.rpc, query.ListCrises, query.ListCrisesRequest{Brand: brand, Limit: 20})
	wg.Wait()
	out.PauseKnown = pauseErr == nil
	if pauseErr != nil {
		out.Problems = append(out.Problems, ui.T(ctx, "crisis.pause_failed", describe(pauseErr)))
	}
	if err != nil {
		out.Problems = append(out.Problems, ui.T(ctx, "crisis.list_failed", describe(err)))
		return out
	}
	for _, cr := range list.Crises {
		if cr.Status == query.CrisisOpen && out.Open == nil {
			open := cr
			out.Open = &open
		}
		out.List = append(out.List, ui.CrisisView{Crisis: cr, Windows: crisisChart(ctx, cr, loc)})
	}
	return out
}

// crisisPause pauses (or resumes) the brand's publishing queue and answers
// the banner again (htmx), or goes back to the page.
func (s *Service) crisisPause(pause bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		brand, err := brandParam(c)
		if err != nil {
			return err
		}
		req := query.PauseRequest{Brand: brand, By: principal(c).ID, Reason: c.FormValue("reason")}
		ep := query.ResumePublishing
		if pause {
			ep = query.PausePublishing
		}
		if _, err := rpc.Ask(c.Request().Context(), s.rpc, ep, req); err != nil {
			return err
		}
		if !isHX(c) {
			return c.Redirect(http.StatusSeeOther, ui.BrandURL("/dashboard", brand))
		}
		return s.render(c, http.StatusOK, ui.CrisisBanner(s.crises(c, brand, s.brandZone(c.Request().Context(), brand))))
	}
}

// dashboardCSV answers one chart's table as CSV: the same figures, the same
// builder as the page.
func (s *Service) dashboardCSV(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	q, err := s.dashboardParams(c, brand)
	if err != nil {
		return err
	}
	f, err := csvFormatOf(c)
	if err != nil {
		return err
	}
	lang := "en"
	if f.french {
		lang = "fr"
	}
	ctx := ui.WithLang(c.Request().Context(), lang)
	cur, prev, err := s.periodKPIs(ctx, q)
	if err != nil {
		return err
	}
	chart, err := chartByID(dashboardCharts(ctx, cur, prev, nil), c.Param("chart"))
	if err != nil {
		return httpx.NotFound(err.Error())
	}
	rows := make([][]any, len(chart.Table.Rows))
	for i, r := range chart.Table.Rows {
		rows[i] = make([]any, len(r))
		for j, v := range r {
			switch x := v.(type) {
			case ui.Percent:
				rows[i][j] = (*float64)(x)
			case ui.Seconds:
				rows[i][j] = (*int64)(x)
			default:
				rows[i][j] = v
			}
		}
	}
	name := chart.ID + "-" + brand + "-" + q.from.Format(time.DateOnly) + ".csv"
	return s.writeCSV(c, f, name, chart.Table.Head, func(context.Context, string) ([][]any, string, error) { return rows, "", nil })
}
