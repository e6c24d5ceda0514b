package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// weeklyReport serves GET /api/v1/reports/weekly?brand=&week=2026-W47&tz=&locale=fr&network=&voice=
// as an HTML page, or as JSON (figures and HTML) with format=json. The
// locale defaults to the Accept-Language's.
func (s *Service) weeklyReport(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	req := query.WeeklyReportRequest{Brand: brand, Week: c.QueryParam("week"), TZ: c.QueryParam("tz"),
		Locale: c.QueryParam("locale"), Network: c.QueryParam("network")}
	if req.Locale == "" {
		if f, _ := csvFormatOf(c); f.french {
			req.Locale = "fr"
		}
	}
	if req.Voices, err = voicesParam(c); err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format != "" && format != "html" && format != "json" {
		return httpx.BadRequest("format", "must be html or json")
	}
	var resp query.WeeklyReport
	if err := s.ask(c.Request().Context(), query.WeeklyReportSubject, req, &resp); err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(http.StatusOK, resp)
	}
	// The page is self-contained: no script, inline style only.
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.HTML(http.StatusOK, resp.HTML)
}
