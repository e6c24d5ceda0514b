package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// peopleRoutes manage a brand's members, invitations and teams.
func (s *Service) peopleRoutes(api *echo.Group) {
	api.GET("/users", s.listUsers)
	api.PUT("/users/:id/role", s.setRole)
	api.DELETE("/users/:id/role", s.removeRole)
	api.POST("/users/:id/password-reset", s.issueReset)
	api.DELETE("/users/:id/sessions", s.revokeUserSessions)
	api.GET("/invitations", s.listInvitations)
	api.POST("/invitations", s.invite)
	api.DELETE("/invitations/:id", s.deleteInvitation)
	api.GET("/teams", s.getTeams)
	api.PUT("/teams", s.putTeams)
}

// Member is one member of a brand.
type Member struct {
	ID    string      `json:"id"`
	Email string      `json:"email"`
	Name  string      `json:"name,omitempty"`
	Role  access.Role `json:"role"`
	SSO   bool        `json:"sso"`
}

func (s *Service) listUsers(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	users, err := s.store.Members(c.Request().Context(), brand)
	if err != nil {
		return err
	}
	out := make([]Member, 0, len(users))
	for _, u := range users {
		out = append(out, Member{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Roles[brand], SSO: u.OIDCSubject != ""})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// RoleBody is the body of PUT /api/v1/users/{id}/role.
type RoleBody struct {
	Role string `json:"role"`
}

// mayGrant checks that the caller outranks or equals both the role taken
// away and the role given (a manager cannot make or unmake an owner).
func mayGrant(c echo.Context, brand string, roles ...access.Role) error {
	mine := principal(c).Role(brand)
	for _, r := range roles {
		if r.Rank() > mine.Rank() {
			return httpx.Forbidden(fmt.Sprintf("a %s cannot grant or remove the role %s", mine, r))
		}
	}
	return nil
}

func (s *Service) setRole(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body RoleBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	role, err := access.ParseRole(body.Role)
	if err != nil {
		return httpx.BadRequest("role", "%v", err)
	}
	return s.changeRole(c, brand, role)
}

func (s *Service) removeRole(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	return s.changeRole(c, brand, "")
}

// changeRole sets (or, with "", removes) a member's role on brand. Only an
// existing member's role changes here: people join by invitation.
func (s *Service) changeRole(c echo.Context, brand string, role access.Role) error {
	u, err := s.applyRole(c, brand, c.Param("id"), role)
	if err != nil {
		return err
	}
	if role == "" {
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(http.StatusOK, Member{ID: u.ID, Email: u.Email, Name: u.Name, Role: role, SSO: u.OIDCSubject != ""})
}

// applyRole gives member id role on brand ("" takes it away), within what
// the caller may grant; a brand keeps at least one owner. The API and the
// settings page both change roles through it.
func (s *Service) applyRole(c echo.Context, brand, id string, role access.Role) (accounts.User, error) {
	ctx := c.Request().Context()
	current, err := s.store.User(ctx, id)
	if err == nil && current.Roles[brand] == "" {
		err = accounts.ErrNotFound
	}
	if err != nil {
		return accounts.User{}, notFoundAs(err, "member of brand "+brand)
	}
	if err := mayGrant(c, brand, current.Roles[brand], role); err != nil {
		return accounts.User{}, err
	}
	if current.Roles[brand] == access.Owner && role != access.Owner {
		if owners, err := s.owners(c, brand); err != nil {
			return accounts.User{}, err
		} else if owners < 2 {
			return accounts.User{}, &httpx.Error{Status: http.StatusConflict, Code: "conflict", Message: "a brand keeps at least one owner", Field: "role"}
		}
	}
	var before access.Role
	u, err := s.store.UpdateUser(ctx, id, func(u *accounts.User) error {
		before = u.Roles[brand]
		if before == "" {
			return accounts.ErrNotFound
		}
		if err := mayGrant(c, brand, before, role); err != nil {
			return err
		}
		if role == "" {
			delete(u.Roles, brand)
		} else {
			u.Roles[brand] = role
		}
		return nil
	})
	if err != nil {
		return accounts.User{}, notFoundAs(err, "member of brand "+brand)
	}
	setAuditChange(c, brand, map[string]any{"user": u.ID, "role": before}, map[string]any{"user": u.ID, "role": role})
	return u, nil
}

func (s *Service) owners(c echo.Context, brand string) (int, error) {
	members, err := s.store.Members(c.Request().Context(), brand)
	n := 0
	for _, m := range members {
		if m.Roles[brand] == access.Owner {
			n++
		}
	}
	return n, err
}

// target reads a user the caller manages on brand: a member there, and on
// no brand ranked above the caller's role on it (resetting a password or
// ending sessions acts on the whole account, every brand of it).
func (s *Service) target(c echo.Context, brand string) (accounts.User, error) {
	u, err := s.store.User(c.Request().Context(), c.Param("id"))
	if err == nil && u.Roles[brand] == "" {
		err = accounts.ErrNotFound
	}
	if err != nil {
		return u, notFoundAs(err, "member of brand "+brand)
	}
	p := principal(c)
	for b, r := range u.Roles {
		if !p.Allowed(b, access.UsersManage) || r.Rank() > p.Role(b).Rank() {
			return u, httpx.Forbidden(fmt.Sprintf("this account is also %s on brand %s, which you do not manage", r, b))
		}
	}
	return u, nil
}

// LinkView is a one-time link, shown once.
type LinkView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ResetTTL is how long a password reset link works.
const ResetTTL = 24 * time.Hour

func (s *Service) issueReset(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	u, err := s.target(c, brand)
	if err != nil {
		return err
	}
	now := s.now()
	token, t, err := s.store.CreateToken(c.Request().Context(), accounts.Token{Kind: accounts.PasswordReset, UserID: u.ID,
		CreatedBy: principal(c).ID, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)})
	if err != nil {
		return err
	}
	setAuditChange(c, brand, nil, map[string]any{"user": u.ID, "reset_link": t.ID})
	return c.JSON(http.StatusCreated, LinkView{ID: t.ID, URL: s.publicURL(c) + "/welcome#reset=" + token, Token: token, ExpiresAt: t.ExpiresAt})
}

func (s *Service) revokeUserSessions(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	u, err := s.target(c, brand)
	if err != nil {
		return err
	}
	if err := s.revokeSessions(c, u.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// InviteBody is the body of POST /api/v1/invitations.
type InviteBody struct {
	Role string `json:"role"`
	// Email, when set, is the only address that may accept.
	Email string `json:"email,omitempty"`
	// TTL is how long the link works, e.g. "72h" (default 7 days, at most 30).
	TTL string `json:"ttl,omitempty"`
}

// Invitation limits.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	MaxInvitationTTL     = 30 * 24 * time.Hour
)

func (s *Service) invite(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body InviteBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	role, err := access.ParseRole(body.Role)
	if err != nil {
		return httpx.BadRequest("role", "%v", err)
	}
	if err := mayGrant(c, brand, role); err != nil {
		return err
	}
	ttl, err := lifetime(body.TTL, DefaultInvitationTTL, MaxInvitationTTL)
	if err != nil {
		return err
	}
	if body.Email != "" {
		if body.Email, err = accounts.NormalizeEmail(body.Email); err != nil {
			return httpx.BadRequest("email", "%v", err)
		}
	}
	link, err := s.Invite(c.Request().Context(), brand, role, body.Email, principal(c).ID, ttl, s.publicURL(c))
	if err != nil {
		return err
	}
	setAuditChange(c, brand, nil, map[string]any{"invitation": link.ID, "role": role, "email": body.Email})
	return c.JSON(http.StatusCreated, link)
}

func (s *Service) listInvitations(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	items, err := s.store.Invitations(c.Request().Context(), brand, s.now())
	if err != nil {
		return err
	}
	if items == nil {
		items = []accounts.Token{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Service) deleteInvitation(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteInvitation(c.Request().Context(), brand, c.Param("id")); err != nil {
		return notFoundAs(err, "invitation")
	}
	return c.NoContent(http.StatusNoContent)
}

// TeamsView is a brand's teams with their revision, for If-Match.
type TeamsView struct {
	Teams    []accounts.Team `json:"teams"`
	Revision uint64          `json:"revision"`
}

func (s *Service) getTeams(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	teams, rev, err := s.store.Teams(c.Request().Context(), brand)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", fmt.Sprintf(`"%d"`, rev))
	return c.JSON(http.StatusOK, TeamsView{Teams: teams, Revision: rev})
}

// putTeams replaces the brand's teams. The revision read comes back in
// If-Match (or the body's revision): a stale one is a 409, so two managers
// editing at once never overwrite each other.
func (s *Service) putTeams(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body TeamsView
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if m := strings.Trim(c.Request().Header.Get("If-Match"), `"`); m != "" {
		if _, err := fmt.Sscanf(m, "%d", &body.Revision); err != nil {
			return httpx.BadRequest("If-Match", "must be the ETag of GET /teams")
		}
	}
	ctx := c.Request().Context()
	seen := map[string]bool{}
	for i, t := range body.Teams {
		if t.Name = strings.TrimSpace(t.Name); t.Name == "" || seen[t.Name] {
			return httpx.BadRequest(fmt.Sprintf("teams[%d].name", i), "must be a unique, non-empty name")
		}
		seen[t.Name] = true
		for _, id := range t.Members {
			if ok, err := s.store.IsMember(ctx, brand, id); err != nil {
				return err
			} else if !ok {
				return httpx.BadRequest(fmt.Sprintf("teams[%d].members", i), "%q is not a member of brand %s", id, brand)
			}
		}
		body.Teams[i].Members = slices.Compact(slices.Sorted(slices.Values(t.Members)))
		body.Teams[i].Name = t.Name
	}
	before, _, _ := s.store.Teams(ctx, brand)
	rev, err := s.store.PutTeams(ctx, brand, body.Teams, body.Revision)
	if errors.Is(err, accounts.ErrStale) {
		return &httpx.Error{Status: http.StatusConflict, Code: "conflict", Field: "revision",
			Message: fmt.Sprintf("the teams changed since revision %d: read them again", body.Revision)}
	}
	if err != nil {
		return err
	}
	setAuditChange(c, brand, before, body.Teams)
	c.Response().Header().Set("ETag", fmt.Sprintf(`"%d"`, rev))
	return c.JSON(http.StatusOK, TeamsView{Teams: body.Teams, Revision: rev})
}

// lifetime reads a "ttl" duration such as "72h" (def when empty, at most max).
func lifetime(s string, def, max time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > max {
		return 0, httpx.BadRequest("ttl", "must be a duration from 1s to %s, such as 72h", max)
	}
	return d, nil
}
