package gateway

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// openLink serves GET /l/:code, the short links of the brand's posts: a
// 302 to the link's recorded target (never anywhere else: an unknown code
// is a 404), the click counted unless a bot, a link preview or a prefetch
// asked. The visitor's address goes to publishing, which keeps only a
// keyed hash of it.
func (s *Service) openLink(c echo.Context) error {
	r := c.Request()
	resp, err := rpc.Ask(r.Context(), s.rpc, query.OpenLink, query.OpenLinkRequest{Code: c.Param("code"), Address: c.RealIP(), Bot: notAVisitor(r)})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store") // every click reaches us
	h.Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, resp.Target)
}

// botAgents are user agents of crawlers, link previews and HTTP libraries:
// they fetch a link without a person clicking it.
var botAgents = regexp.MustCompile(`(?i)bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|discord|slack|skype|pinterest|vkshare|quora link|outbrain|curl|wget|python-requests|go-http-client|okhttp|java/|headless|lighthouse|monitor|uptime|scanner|fetch`)

// notAVisitor is true for a request no person made: a known bot or
// library, no user agent at all, or a browser's prefetch or preview
// (Sec-Purpose / Purpose: prefetch, X-Purpose: preview, X-Moz: prefetch).
func notAVisitor(r *http.Request) bool {
	ua := r.UserAgent()
	if strings.TrimSpace(ua) == "" || botAgents.MatchString(ua) {
		return true
	}
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		if v := strings.ToLower(r.Header.Get(h)); strings.Contains(v, "prefetch") || strings.Contains(v, "preview") {
			return true
		}
	}
	return false
}

// linkSettings serves GET /api/v1/links/settings?brand=.
func (s *Service) linkSettings(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetLinkSettings, query.ListAccountsRequest{Brand: brand})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// putLinkSettings serves PUT /api/v1/links/settings?brand= with
// {"shorten": true, "utm": true}.
func (s *Service) putLinkSettings(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body struct {
		Shorten bool `json:"shorten"`
		UTM     bool `json:"utm"`
	}
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutLinkSettings, query.LinkSettings{Brand: brand, Shorten: body.Shorten, UTM: body.UTM})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}
