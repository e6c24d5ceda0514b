package gateway

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// signInRoutes are the routes of signing in and out.
func (s *Service) signInRoutes(api *echo.Group) {
	api.POST("/auth/login", s.login)
	api.POST("/auth/logout", s.logout)
	api.POST("/auth/logout-all", s.logoutAll)
	api.POST("/auth/password-reset", s.resetPassword)
	api.GET("/auth/invitations/:token", s.peekInvitation)
	api.POST("/auth/invitations/:token/accept", s.acceptInvitation)
	api.GET("/me", s.me)
}

// LoginBody is the body of POST /api/v1/auth/login.
type LoginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// dummyHash is verified when the email is unknown, so that the answer
// takes as long as for a known one.
var dummyHash = access.HashPassword("not a password of anyone")

var errBadCredentials = httpx.Unauthorized("wrong email or password")

func (s *Service) login(c echo.Context) error {
	var body LoginBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	u, err := s.checkPassword(c, body.Email, body.Password)
	if err != nil {
		return err
	}
	return s.startSession(c, u, "password")
}

// checkPassword finds the user of a sign-in and checks the password,
// counting failures and locking the account after repeated ones (the API's
// login and the workspace's sign-in form both ask it).
func (s *Service) checkPassword(c echo.Context, email, password string) (accounts.User, error) {
	ctx := c.Request().Context()
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrNotFound) {
		_ = access.VerifyPassword(dummyHash, password)
		return u, errBadCredentials
	} else if err != nil {
		return u, err
	}
	setAuditActor(c, u)
	now := s.now()
	if wait := u.LockedUntil.Sub(now); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return u, &httpx.Error{Status: http.StatusTooManyRequests, Code: "locked",
			Message: fmt.Sprintf("too many failed sign-ins: try again in %d s", secs)}
	}
	if u.PasswordHash == "" || access.VerifyPassword(u.PasswordHash, password) != nil {
		if _, err := s.store.UpdateUser(ctx, u.ID, func(u *accounts.User) error {
			u.Failures++
			u.LockedUntil = now.Add(access.LockFor(u.Failures))
			return nil
		}); err != nil {
			return u, err
		}
		return u, errBadCredentials
	}
	if u.Failures > 0 {
		if u, err = s.store.UpdateUser(ctx, u.ID, func(u *accounts.User) error {
			u.Failures, u.LockedUntil = 0, now
			return nil
		}); err != nil {
			return u, err
		}
	}
	return u, nil
}

func (s *Service) logout(c echo.Context) error {
	if ck, err := c.Cookie(SessionCookie); err == nil {
		if err := s.store.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setCookies(c, "", "", -1)
	return c.NoContent(http.StatusNoContent)
}

// logoutAll revokes every session of the caller, this one included.
func (s *Service) logoutAll(c echo.Context) error {
	if err := s.revokeSessions(c, principal(c).ID); err != nil {
		return err
	}
	s.setCookies(c, "", "", -1)
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) revokeSessions(c echo.Context, userID string) error {
	ctx := c.Request().Context()
	now := s.now()
	if _, err := s.store.UpdateUser(ctx, userID, func(u *accounts.User) error {
		u.SessionsValidAfter = now
		return nil
	}); err != nil {
		return notFoundAs(err, "user")
	}
	return s.store.DeleteSessions(ctx, userID)
}

func (s *Service) me(c echo.Context) error {
	p := principal(c)
	if p.Via == ViaConfigKey {
		return c.JSON(http.StatusOK, map[string]any{"id": p.ID, "via": p.Via, "roles": p.Roles})
	}
	u, err := s.store.User(c.Request().Context(), p.ID)
	if err != nil {
		return notFoundAs(err, "user")
	}
	return c.JSON(http.StatusOK, map[string]any{"user": userView(u), "via": p.Via})
}

// ResetBody is the body of POST /api/v1/auth/password-reset.
type ResetBody struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// resetPassword sets a password with a reset token (given by a manager,
// POST /users/{id}/password-reset): every session of the user ends, and a
// new one starts.
func (s *Service) resetPassword(c echo.Context) error {
	var body ResetBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if err := access.CheckPassword(body.Password); err != nil {
		return httpx.BadRequest("password", "%v", err)
	}
	ctx := c.Request().Context()
	t, err := s.store.UseToken(ctx, accounts.PasswordReset, body.Token, s.now())
	if err != nil {
		return tokenError(err, "token", "this reset link is unknown, used or expired")
	}
	now := s.now()
	u, err := s.store.UpdateUser(ctx, t.UserID, func(u *accounts.User) error {
		if t.CreatedAt.Before(u.SessionsValidAfter) {
			return accounts.ErrNotFound // revoked by a later sign-out-everywhere
		}
		u.PasswordHash = access.HashPassword(body.Password)
		u.Failures, u.LockedUntil, u.SessionsValidAfter = 0, now, now
		return nil
	})
	if err != nil {
		return tokenError(err, "token", "this reset link is unknown, used or expired")
	}
	setAuditActor(c, u)
	if err := s.store.DeleteSessions(ctx, u.ID); err != nil {
		return err
	}
	return s.startSession(c, u, "reset")
}

// InvitationView is what the holder of an invitation link sees.
type InvitationView struct {
	Brand     string      `json:"brand"`
	Role      access.Role `json:"role"`
	Email     string      `json:"email,omitempty"`
	ExpiresAt string      `json:"expires_at"`
}

func (s *Service) peekInvitation(c echo.Context) error {
	t, err := s.store.PeekToken(c.Request().Context(), accounts.Invitation, c.Param("token"), s.now())
	if err != nil {
		return tokenError(err, "token", "this invitation is unknown, used or expired")
	}
	return c.JSON(http.StatusOK, InvitationView{Brand: t.Brand, Role: t.Role, Email: t.Email, ExpiresAt: t.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")})
}

// AcceptBody is the body of POST /api/v1/auth/invitations/{token}/accept:
// a new account's email (when the invitation names none), name and
// password, or an existing account's email and password.
type AcceptBody struct {
	Email    string `json:"email,omitempty"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password"`
}

// acceptInvitation gives the invitation's role to a new account, or to an
// existing one whose password is given, and signs it in.
func (s *Service) acceptInvitation(c echo.Context) error {
	var body AcceptBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := s.now()
	t, err := s.store.PeekToken(ctx, accounts.Invitation, c.Param("token"), now)
	if err != nil {
		return tokenError(err, "token", "this invitation is unknown, used or expired")
	}
	email := body.Email
	if t.Email != "" {
		if email != "" && !equalEmails(email, t.Email) {
			return httpx.BadRequest("email", "this invitation is for %s", t.Email)
		}
		email = t.Email
	}
	if email, err = accounts.NormalizeEmail(email); err != nil {
		return httpx.BadRequest("email", "%v", err)
	}
	existing, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, accounts.ErrNotFound):
		if err := access.CheckPassword(body.Password); err != nil {
			return httpx.BadRequest("password", "%v", err)
		}
	case err != nil:
		return err
	case existing.PasswordHash == "" || access.VerifyPassword(existing.PasswordHash, body.Password) != nil:
		return httpx.Unauthorized("an account with this email exists: give its password to accept")
	}
	if t, err = s.store.UseToken(ctx, accounts.Invitation, c.Param("token"), now); err != nil {
		return tokenError(err, "token", "this invitation is unknown, used or expired")
	}
	var u accounts.User
	if existing.ID == "" {
		u, err = s.store.CreateUser(ctx, accounts.User{Email: email, Name: body.Name, CreatedAt: now,
			PasswordHash: access.HashPassword(body.Password), Roles: map[string]access.Role{t.Brand: t.Role}})
	} else {
		u, err = s.store.UpdateUser(ctx, existing.ID, func(u *accounts.User) error {
			u.Roles[t.Brand] = t.Role
			return nil
		})
	}
	if err != nil {
		return err
	}
	setAuditActor(c, u)
	setAuditChange(c, t.Brand, nil, map[string]any{"user": u.ID, "email": u.Email, "role": t.Role})
	return s.startSession(c, u, "invitation")
}

func equalEmails(a, b string) bool {
	na, err1 := accounts.NormalizeEmail(a)
	nb, err2 := accounts.NormalizeEmail(b)
	return err1 == nil && err2 == nil && na == nb
}

// tokenError is a 404 naming field for an unknown token.
func tokenError(err error, field, msg string) error {
	if errors.Is(err, accounts.ErrNotFound) {
		return &httpx.Error{Status: http.StatusNotFound, Code: "not_found", Message: msg, Field: field}
	}
	return err
}

// notFoundAs is a 404 "<what> not found" for ErrNotFound.
func notFoundAs(err error, what string) error {
	if errors.Is(err, accounts.ErrNotFound) {
		return httpx.NotFound(what + " not found")
	}
	return err
}
