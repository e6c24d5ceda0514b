package gateway

import (
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// reportRoutes exposes the weekly report on demand, the brand's schedule
// settings, and the reports stored on that schedule. Every answer comes
// from analytics; the gateway checks the caller's brand and the HTTP shape.
func (s *Service) reportRoutes(api *echo.Group) {
	api.GET("/reports/weekly", s.weeklyReport)
	api.GET("/reports/settings", s.getReportSettings)
	api.PUT("/reports/settings", s.putReportSettings)
	api.GET("/reports/archive", s.listStoredReports)
	api.GET("/reports/archive/:week", s.getStoredReport)
}

// reportCSP keeps a report page self-contained: no script, inline style
// only (interaction texts are escaped, this is the second fence).
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'"

// reportFormat reads format=html|pdf|json, else the Accept header
// (application/pdf), else html.
func reportFormat(c echo.Context, allowed ...string) (string, error) {
	format := c.QueryParam("format")
	if format == "" {
		for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/pdf" {
				return query.ReportPDF, nil
			}
		}
		return query.ReportHTML, nil
	}
	for _, a := range allowed {
		if format == a {
			return format, nil
		}
	}
	return "", httpx.BadRequest("format", "must be %s", strings.Join(allowed, " or "))
}

// weeklyReport serves GET /api/v1/reports/weekly?brand=&week=2026-W47&tz=&locale=fr&network=&voice=
// as an HTML page, a PDF document with format=pdf (or Accept:
// application/pdf), or JSON (figures and HTML) with format=json. The locale
// defaults to the Accept-Language's.
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
	format, err := reportFormat(c, query.ReportHTML, query.ReportPDF, "json")
	if err != nil {
		return err
	}
	req.PDF = format == query.ReportPDF
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetWeeklyReport, req)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return c.JSON(http.StatusOK, resp)
	case query.ReportPDF:
		return reportFile(c, query.ReportPDF, "application/pdf", brand, resp.Week, resp.PDF)
	}
	c.Response().Header().Set("Content-Security-Policy", reportCSP)
	return c.HTML(http.StatusOK, resp.HTML)
}

// reportFile sends a report's file, named for a download.
func reportFile(c echo.Context, format, contentType, brand, week string, content []byte) error {
	name := "ruche-" + brand + "-" + week + "." + format
	disposition := "inline"
	if format == query.ReportPDF {
		disposition = "attachment"
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	if format == query.ReportHTML {
		c.Response().Header().Set("Content-Security-Policy", reportCSP)
	}
	return c.Blob(http.StatusOK, contentType, content)
}

// ReportSettingsBody is the body of PUT /api/v1/reports/settings: the
// settings and the revision they were read at (0 for the first save), as
// GET answers them.
type ReportSettingsBody struct {
	Revision uint64               `json:"revision"`
	Settings query.ReportSettings `json:"settings"`
}

// getReportSettings serves GET /api/v1/reports/settings?brand=
func (s *Service) getReportSettings(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetReportSettings, query.GetReportSettingsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// putReportSettings serves PUT /api/v1/reports/settings?brand=; a stale
// revision is a 409.
func (s *Service) putReportSettings(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body ReportSettingsBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	req := query.PutReportSettingsRequest{Brand: brand, Revision: body.Revision, Settings: body.Settings, UpdatedBy: principal(c).ID}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutReportSettings, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// listStoredReports serves GET /api/v1/reports/archive?brand=
func (s *Service) listStoredReports(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListStoredReports, query.ListStoredReportsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// getStoredReport serves GET /api/v1/reports/archive/2026-W47?brand=&format=html|pdf
func (s *Service) getStoredReport(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	format, err := reportFormat(c, query.ReportHTML, query.ReportPDF)
	if err != nil {
		return err
	}
	req := query.GetStoredReportRequest{Brand: brand, Week: c.Param("week"), Format: format}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetStoredReport, req)
	if err != nil {
		return err
	}
	return reportFile(c, format, resp.ContentType, brand, resp.Week, resp.Content)
}
