package gateway

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// The workspace's cookies: the language and the theme the user chose
// (preferences, readable by the page; no secrets).
const (
	LangCookie  = "ruche_lang"
	ThemeCookie = "ruche_theme"
)

// contentSecurityPolicy allows the workspace's own scripts and styles and
// nothing else: no inline script or style, no eval, no frame, no plugin,
// forms and fetches to this site only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// uiRoutes serves the workspace: the pages, their fragments (htmx) and
// the assets. Every route is in routeRules; pages have page: true, so the
// guard sends a signed-out browser to the sign-in page.
func (s *Service) uiRoutes(e *echo.Echo) {
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(ui.Static())))
	e.GET("/assets/*", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		if _, err := fs.Stat(ui.Static(), strings.TrimPrefix(c.Request().URL.Path, "/assets/")); err != nil {
			return httpx.NotFound("no such asset")
		}
		assets.ServeHTTP(c.Response(), c.Request())
		return nil
	})
	g := e.Group("", secureHeaders)
	g.GET("/signin", s.signInPage)
	g.POST("/signin", s.signInForm)
	g.POST("/signout", s.signOut)
	g.POST("/lang", s.setLang)
	s.inboxRoutes(g)
	s.draftUIRoutes(g)
	s.dashboardRoutes(g)
	s.calendarRoutes(g)
}

// secureHeaders are the headers of every workspace response.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// isHX tells an htmx request (a fragment) from a page load.
func isHX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// render writes a component in the request's language.
func (s *Service) render(c echo.Context, status int, comp templ.Component) error {
	ctx := ui.WithNow(ui.WithLang(c.Request().Context(), uiLang(c)), s.now())
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(ctx, c.Response())
}

// uiLang is the user's choice of language, then the browser's.
func uiLang(c echo.Context) string {
	choice := ""
	if ck, err := c.Cookie(LangCookie); err == nil {
		choice = ck.Value
	}
	return ui.Negotiate(choice, c.Request().Header.Get("Accept-Language"))
}

// page is the layout's part of a page for the signed-in caller.
func (s *Service) page(c echo.Context, nav, title, brand string) ui.Page {
	p := principal(c)
	name := p.Email
	if p.Via == ViaSession {
		if u, err := s.store.User(c.Request().Context(), p.ID); err == nil && u.Name != "" {
			name = u.Name
		}
	}
	if name == "" {
		name = p.ID
	}
	theme := ""
	if ck, err := c.Cookie(ThemeCookie); err == nil && (ck.Value == "dark" || ck.Value == "light") {
		theme = ck.Value
	}
	return ui.Page{Title: title, Nav: nav, Brand: brand, Brands: p.Brands(), User: name, Theme: theme, Path: c.Request().URL.RequestURI()}
}

// errRedirected says the handler answered with a redirect.
var errRedirected = errors.New("redirected")

// pageBrand is the brand of a page: ?brand=, which the caller must be
// allowed the route's action on; without it, the caller's first brand
// (a redirect, so the URL always names the brand).
func (s *Service) pageBrand(c echo.Context) (string, error) {
	if c.QueryParam("brand") != "" {
		return brandParam(c)
	}
	brands := principal(c).Brands()
	if len(brands) == 0 {
		return "", httpx.Forbidden(ui.T(ui.WithLang(c.Request().Context(), uiLang(c)), "app.nobrand"))
	}
	q := c.QueryParams()
	q.Set("brand", brands[0])
	if err := c.Redirect(http.StatusSeeOther, c.Request().URL.Path+"?"+q.Encode()); err != nil {
		return "", err
	}
	return "", errRedirected
}

// uiError answers a failed workspace request: a message for htmx (shown
// in the page's live region by app.js), an error page for a page load.
func (s *Service) uiError(c echo.Context, err error) error {
	if errors.Is(err, errRedirected) {
		return nil
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The browser gave up (a newer search replaced this one): the
		// services stopped working on it (rpc's cancel), nobody reads it.
		return nil
	}
	e, known := httpx.Describe(err)
	if !known {
		s.log.ErrorContext(c.Request().Context(), "page failed", "route", c.Path(), "error", err)
	}
	if isHX(c) {
		msg := e.Message
		if e.Field != "" && !strings.HasPrefix(msg, e.Field+": ") {
			msg = e.Field + ": " + msg // which input is wrong, said in the page
		}
		return c.String(e.Status, msg)
	}
	brand := ""
	if principal(c).CanSee(c.QueryParam("brand")) {
		brand = c.QueryParam("brand")
	}
	return s.render(c, e.Status, ui.ErrorPage(s.page(c, "", strconv.Itoa(e.Status), brand), e.Status, e.Message))
}

// pageError answers a workspace route's failure: a signed-out browser
// goes to the sign-in page, anything else is uiError's.
func (s *Service) pageError(c echo.Context, err error) error {
	if err == nil {
		return nil
	}
	if e, _ := httpx.Describe(err); e.Status == http.StatusUnauthorized {
		return signInRedirect(c)
	}
	return s.uiError(c, err)
}

// signInRedirect sends a signed-out browser to the sign-in page, back here
// afterwards.
func signInRedirect(c echo.Context) error {
	target := "/signin?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	if isHX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// localPath keeps a ?next= that stays on this site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/inbox"
	}
	return next
}

func (s *Service) signInPage(c echo.Context) error {
	if _, _, err := s.authenticate(c); err == nil {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, ui.SignIn(ui.Page{Title: ui.T(ui.WithLang(c.Request().Context(), uiLang(c)), "signin.title"), Path: c.Request().URL.RequestURI()},
		"", c.QueryParam("next"), "", s.sso != nil))
}

// signInForm signs in from the form (the same checks and lockout as
// POST /api/v1/auth/login) and goes on to ?next=.
func (s *Service) signInForm(c echo.Context) error {
	email, next := c.FormValue("email"), c.FormValue("next")
	u, err := s.checkPassword(c, email, c.FormValue("password"))
	if err == nil {
		if _, err = s.newSession(c, u, "password"); err == nil {
			return c.Redirect(http.StatusSeeOther, localPath(next))
		}
	}
	ctx := ui.WithLang(c.Request().Context(), uiLang(c))
	e, known := httpx.Describe(err)
	if !known {
		return err
	}
	problem := ui.T(ctx, "signin.wrong")
	if e.Code == "locked" {
		secs, _ := strconv.Atoi(c.Response().Header().Get("Retry-After"))
		problem = ui.T(ctx, "signin.locked", secs)
	}
	return s.render(c, e.Status, ui.SignIn(ui.Page{Title: ui.T(ctx, "signin.title"), Path: "/signin"}, email, next, problem, s.sso != nil))
}

// signOut ends the session and goes back to the sign-in page.
func (s *Service) signOut(c echo.Context) error {
	c.Response().Header().Set("HX-Redirect", "/signin")
	return s.logout(c)
}

// setLang keeps the user's choice of language for a year.
func (s *Service) setLang(c echo.Context) error {
	lang := c.FormValue("lang")
	if lang != "en" && lang != "fr" {
		return httpx.BadRequest("lang", "%q, want en or fr", lang)
	}
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		Secure: true, SameSite: http.SameSiteLaxMode})
	c.Response().Header().Set("HX-Refresh", "true")
	return c.NoContent(http.StatusNoContent)
}
