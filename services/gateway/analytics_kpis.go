package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// kpis serves GET /api/v1/kpis?brand=&from=&to=&tz=&network=&voice=.
//
// from and to are dates in the brand's time zone tz (IANA, default UTC) or
// RFC 3339 times; a date to is inclusive (the period ends at the end of that
// day), a time to exclusive. Without from and to, the period is the last
// seven days in tz, today included; one without the other is a 400. Each voice parameter is one share-of-voice name
// and its keywords: voice=Café Lumière:café lumière|lumiere.
func (s *Service) kpis(c echo.Context) error {
	req, err := s.kpisRequest(c)
	if err != nil {
		return err
	}
	csvOut, err := wantsCSV(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetKPIs, req)
	if err != nil {
		return err
	}
	if csvOut {
		return s.exportKPIs(c, resp)
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Service) kpisRequest(c echo.Context) (query.KPIsRequest, error) {
	req, loc, err := s.kpiPeriod(c)
	if err != nil {
		return req, err
	}
	if asOf, err := timeParam(c, "as_of", loc); err != nil {
		return req, err
	} else if asOf != nil {
		req.AsOf = *asOf
	}
	if req.Voices, err = voicesParam(c); err != nil {
		return req, err
	}
	return req, nil
}

// postPerformance serves GET /api/v1/kpis/posts?brand=&from=&to=&tz=&network=&limit=:
// the brand's posts published in the period with their latest counts and
// engagement, and its follower counts by day (the period as for kpis).
func (s *Service) postPerformance(c echo.Context) error {
	period, _, err := s.kpiPeriod(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 1, query.MaxPostLimit)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPostPerformance, query.PostPerformanceRequest{
		Brand: period.Brand, Network: period.Network, From: period.From, To: period.To, TZ: period.TZ, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// kpiPeriod reads the brand, network, time zone and period of a KPI
// route, and the zone's location. Without tz, the zone is the brand's (its
// report settings'), UTC when it has none.
func (s *Service) kpiPeriod(c echo.Context) (query.KPIsRequest, *time.Location, error) {
	brand, err := brandParam(c)
	if err != nil {
		return query.KPIsRequest{}, nil, err
	}
	req := query.KPIsRequest{Brand: brand, Network: c.QueryParam("network"), TZ: c.QueryParam("tz")}
	loc, err := time.LoadLocation(req.TZ)
	if err != nil {
		return req, nil, httpx.BadRequest("tz", "%q is not an IANA time zone (e.g. Europe/Paris)", req.TZ)
	}
	if req.TZ == "" {
		if loc = s.brandZone(c.Request().Context(), brand); loc != time.UTC {
			req.TZ = loc.String()
		}
	}
	from, err := timeParam(c, "from", loc)
	if err != nil {
		return req, nil, err
	}
	to, err := timeParam(c, "to", loc)
	if err != nil {
		return req, nil, err
	}
	switch {
	case from == nil && to == nil:
		now := time.Now().In(loc)
		end := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
		start := end.AddDate(0, 0, -7)
		from, to = &start, &end
	case from == nil:
		return req, nil, httpx.BadRequest("from", "from is required with to (or give neither: the last 7 days)")
	case to == nil:
		return req, nil, httpx.BadRequest("to", "to is required with from (or give neither: the last 7 days)")
	default:
		if _, err := time.Parse(time.DateOnly, c.QueryParam("to")); err == nil {
			end := to.AddDate(0, 0, 1)
			to = &end
		}
	}
	req.From, req.To = *from, *to
	return req, loc, nil
}

// voicesParam reads the repeated voice=<name>:<keyword>|<keyword> parameter.
func voicesParam(c echo.Context) ([]query.Voice, error) {
	var voices []query.Voice
	for _, v := range c.QueryParams()["voice"] {
		name, kws, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, httpx.BadRequest("voice", "want voice=<name>:<keyword>|<keyword>...")
		}
		voice := query.Voice{Name: strings.TrimSpace(name)}
		for _, k := range strings.Split(kws, "|") {
			if k = strings.TrimSpace(k); k != "" {
				voice.Keywords = append(voice.Keywords, k)
			}
		}
		voices = append(voices, voice)
	}
	return voices, nil
}
