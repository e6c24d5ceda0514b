package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// Cookie and header names of a browser session. The session cookie is
// HttpOnly; the CSRF cookie is readable by the page, which echoes it in
// the CSRF header (double submit, checked against the session's own token).
const (
	SessionCookie = "ruche_session"
	CSRFCookie    = "ruche_csrf"
	CSRFHeader    = "X-Csrf-Token"
)

// touchEvery bounds how often a session's last activity is written: the
// idle timeout is minutes, a write per request would be waste.
const touchEvery = time.Minute

var errUnauthenticated = httpx.Unauthorized("sign in, or send an API key (Authorization: Bearer <key>)")

// authenticate finds the caller: a configured key, a personal key, or a
// session cookie, in that order. sess is set for a session.
func (s *Service) authenticate(c echo.Context) (Principal, *accounts.Session, error) {
	ctx := c.Request().Context()
	if presented := presentedKey(c); presented != "" {
		if p, ok := s.keys.Authenticate(presented); ok {
			return p, nil, nil
		}
		if !strings.HasPrefix(presented, accounts.KeyPrefix) {
			return Principal{}, nil, errUnauthenticated
		}
		k, err := s.store.Key(ctx, presented, s.now())
		if err != nil {
			return Principal{}, nil, s.authError(err)
		}
		u, err := s.store.User(ctx, k.UserID)
		if err != nil {
			return Principal{}, nil, s.authError(err)
		}
		return Principal{ID: u.ID, Email: u.Email, Via: ViaUserKey, Roles: u.Roles, Scopes: k.Scopes, KeyID: k.ID}, nil, nil
	}
	ck, err := c.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return Principal{}, nil, errUnauthenticated
	}
	sess, u, err := s.session(ctx, ck.Value)
	if err != nil {
		return Principal{}, nil, err
	}
	return Principal{ID: u.ID, Email: u.Email, Via: ViaSession, Roles: u.Roles}, &sess, nil
}

// session checks a session token: known, not idle too long, not older than
// the absolute timeout, not revoked by its user's sign-out-everywhere.
func (s *Service) session(ctx context.Context, token string) (accounts.Session, accounts.User, error) {
	sess, u, err := s.checkSession(ctx, token)
	if err != nil {
		return sess, u, err
	}
	if now := s.now(); now.Sub(sess.LastSeen) > touchEvery {
		if err := s.store.TouchSession(ctx, token, now); err != nil && !errors.Is(err, accounts.ErrNotFound) {
			return sess, u, err
		}
	}
	return sess, u, nil
}

// checkSession is session without counting as activity: a long-lived
// request re-checks its caller with it.
func (s *Service) checkSession(ctx context.Context, token string) (accounts.Session, accounts.User, error) {
	sess, err := s.store.Session(ctx, token)
	if err != nil {
		return sess, accounts.User{}, s.authError(err)
	}
	now := s.now()
	if now.Sub(sess.LastSeen) > s.cfg.SessionIdle || now.Sub(sess.CreatedAt) > s.cfg.SessionAbsolute {
		_ = s.store.DeleteSession(ctx, token)
		return sess, accounts.User{}, httpx.Unauthorized("the session has expired: sign in again")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return sess, u, s.authError(err)
	}
	if sess.CreatedAt.Before(u.SessionsValidAfter) {
		_ = s.store.DeleteSession(ctx, token)
		return sess, u, httpx.Unauthorized("the session was revoked: sign in again")
	}
	return sess, u, nil
}

// authError turns a lookup failure into a 401, keeping storage failures as
// errors (a 500 logged, not a silent sign-out).
func (s *Service) authError(err error) error {
	if errors.Is(err, accounts.ErrNotFound) {
		return errUnauthenticated
	}
	return err
}

// checkCSRF requires, for a session's state-changing request, the CSRF
// header matching the session's token and, when the browser sends one, an
// Origin of this site.
func (s *Service) checkCSRF(c echo.Context, sess *accounts.Session) error {
	if !s.sameOrigin(c) {
		return s.refuse(c, "cross-origin request refused")
	}
	if !sess.CSRFMatches(c.Request().Header.Get(CSRFHeader)) {
		return s.refuse(c, "missing or wrong CSRF token (send the "+CSRFCookie+" cookie's value in "+CSRFHeader+")")
	}
	return nil
}

// sameOrigin accepts a request without Origin (not a browser's
// cross-site form or fetch) or whose Origin is this site: the configured
// public URL, or the Host the request was sent to.
func (s *Service) sameOrigin(c echo.Context) bool {
	origin := c.Request().Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if s.cfg.PublicURL != "" {
		pub, _ := url.Parse(s.cfg.PublicURL)
		return strings.EqualFold(u.Scheme, pub.Scheme) && strings.EqualFold(u.Host, pub.Host)
	}
	return strings.EqualFold(u.Host, c.Request().Host)
}

// startSession signs user in and answers with the session (JSON).
func (s *Service) startSession(c echo.Context, u accounts.User, via string) error {
	signed, err := s.newSession(c, u, via)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, signed)
}

// newSession starts a new session for user (never one the browser brought,
// so a planted cookie cannot be fixed; that one is revoked) and sets its
// cookies.
func (s *Service) newSession(c echo.Context, u accounts.User, via string) (SignedIn, error) {
	ctx := c.Request().Context()
	if old, err := c.Cookie(SessionCookie); err == nil {
		_ = s.store.DeleteSession(ctx, old.Value)
	}
	token, sess, err := s.store.CreateSession(ctx, u.ID, via, s.now())
	if err != nil {
		return SignedIn{}, err
	}
	s.setCookies(c, token, sess.CSRF, int(s.cfg.SessionAbsolute.Seconds()))
	return SignedIn{User: userView(u), CSRFToken: sess.CSRF, ExpiresAt: sess.CreatedAt.Add(s.cfg.SessionAbsolute)}, nil
}

// setCookies writes (maxAge > 0) or clears (maxAge < 0) the session cookies.
func (s *Service) setCookies(c echo.Context, token, csrf string, maxAge int) {
	for _, ck := range []*http.Cookie{
		{Name: SessionCookie, Value: token, HttpOnly: true},
		{Name: CSRFCookie, Value: csrf},
	} {
		ck.Path, ck.MaxAge, ck.Secure, ck.SameSite = "/", maxAge, true, http.SameSiteLaxMode
		c.SetCookie(ck)
	}
}

// SignedIn is the answer of a sign-in.
type SignedIn struct {
	User      UserView  `json:"user"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserView is a user as the API shows it (no secrets, no lockout state).
type UserView struct {
	ID    string                 `json:"id"`
	Email string                 `json:"email"`
	Name  string                 `json:"name,omitempty"`
	Roles map[string]access.Role `json:"roles"`
	SSO   bool                   `json:"sso"`
}

func userView(u accounts.User) UserView {
	return UserView{ID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles, SSO: u.OIDCSubject != ""}
}
