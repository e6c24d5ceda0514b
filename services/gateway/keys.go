package gateway

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// keyRoutes manage the caller's personal API keys.
func (s *Service) keyRoutes(api *echo.Group) {
	api.GET("/keys", s.listKeys)
	api.POST("/keys", s.createKey)
	api.DELETE("/keys/:id", s.deleteKey)
}

// Personal key lifetimes.
const (
	DefaultKeyTTL = 90 * 24 * time.Hour
	MaxKeyTTL     = 366 * 24 * time.Hour
)

// CreateKeyBody is the body of POST /api/v1/keys.
type CreateKeyBody struct {
	Name string `json:"name"`
	// Scopes are actions (access.Actions); empty means every action the
	// user's roles allow today.
	Scopes []string `json:"scopes,omitempty"`
	// TTL such as "720h" (default 90 days, at most 366).
	TTL string `json:"ttl,omitempty"`
}

// CreatedKey is a new key: the key itself is in this answer only.
type CreatedKey struct {
	Key string `json:"key"`
	accounts.APIKey
}

// userOnly refuses configured keys, which have no account.
func userOnly(c echo.Context) (Principal, error) {
	p := principal(c)
	if p.Via == ViaConfigKey {
		return p, httpx.Forbidden("a configured API key has no account: sign in as a user")
	}
	return p, nil
}

func (s *Service) createKey(c echo.Context) error {
	p, err := userOnly(c)
	if err != nil {
		return err
	}
	if p.Via != ViaSession {
		return httpx.Forbidden("keys are created from a signed-in session (ruche login), not with another key")
	}
	var body CreateKeyBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if body.Name = strings.TrimSpace(body.Name); body.Name == "" || len(body.Name) > 100 {
		return httpx.BadRequest("name", "must be 1 to 100 characters")
	}
	ttl, err := lifetime(body.TTL, DefaultKeyTTL, MaxKeyTTL)
	if err != nil {
		return err
	}
	scopes := make([]access.Action, 0, len(body.Scopes))
	for _, sc := range body.Scopes {
		a, err := access.ParseAction(sc)
		if err != nil {
			return httpx.BadRequest("scopes", "%v", err)
		}
		scopes = append(scopes, a)
	}
	if len(scopes) == 0 {
		for _, a := range access.Actions {
			for _, b := range p.Brands() {
				if p.Allowed(b, a) && !slices.Contains(scopes, a) {
					scopes = append(scopes, a)
				}
			}
		}
	}
	now := s.now()
	key, k, err := s.store.CreateKey(c.Request().Context(), accounts.APIKey{UserID: p.ID, Name: body.Name, Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	if err != nil {
		return err
	}
	setAuditChange(c, "", nil, k)
	return c.JSON(http.StatusCreated, CreatedKey{Key: key, APIKey: k})
}

func (s *Service) listKeys(c echo.Context) error {
	p, err := userOnly(c)
	if err != nil {
		return err
	}
	keys, err := s.store.Keys(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []accounts.APIKey{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": keys})
}

func (s *Service) deleteKey(c echo.Context) error {
	p, err := userOnly(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteKey(c.Request().Context(), p.ID, c.Param("id")); err != nil {
		return notFoundAs(err, "key")
	}
	return c.NoContent(http.StatusNoContent)
}

// Invite creates an invitation link giving role on brand (an owner's
// first-login link for `ruche up` comes from here too).
func (s *Service) Invite(ctx context.Context, brand string, role access.Role, email, by string, ttl time.Duration, base string) (LinkView, error) {
	now := s.now()
	token, t, err := s.store.CreateToken(ctx, accounts.Token{Kind: accounts.Invitation, Brand: brand, Role: role, Email: email,
		CreatedBy: by, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	if err != nil {
		return LinkView{}, err
	}
	// The token travels in the fragment: browsers never send it to a
	// server, so it stays out of access logs and Referer headers.
	return LinkView{ID: t.ID, URL: strings.TrimSuffix(base, "/") + "/welcome#invitation=" + token, Token: token, ExpiresAt: t.ExpiresAt}, nil
}

// publicURL is the base of links: gateway.public_url, or the address the
// request came to.
func (s *Service) publicURL(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}
