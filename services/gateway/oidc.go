package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/spf13/pflag"
	"golang.org/x/oauth2"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

// OIDCConfig is single sign-on with an OpenID Connect provider (settings
// gateway.oidc_*): Keycloak, Entra ID, Google Workspace, Okta... The
// provider's groups decide the roles: a person whose groups map to no role
// cannot sign in.
type OIDCConfig struct {
	// Issuer URL; empty turns single sign-on off.
	Issuer       string `koanf:"oidc_issuer"`
	ClientID     string `koanf:"oidc_client_id"`
	ClientSecret string `koanf:"oidc_client_secret"`
	// RedirectURL defaults to <public_url>/api/v1/auth/oidc/callback.
	RedirectURL string `koanf:"oidc_redirect_url"`
	// GroupsClaim names the ID token claim listing the groups ("groups";
	// Entra ID sends group ids there, Keycloak paths such as /ruche/demo).
	GroupsClaim string `koanf:"oidc_groups_claim"`
	// GroupRoles are space-separated "<group>=<brand>:<role>" entries.
	GroupRoles string `koanf:"oidc_group_roles"`
}

// RegisterFlags registers the OIDC flags under prefix.
func (c *OIDCConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Issuer, prefix+"oidc_issuer", "", "OpenID Connect issuer URL (empty: no single sign-on)")
	fs.StringVar(&c.ClientID, prefix+"oidc_client_id", "", "OpenID Connect client id")
	fs.StringVar(&c.ClientSecret, prefix+"oidc_client_secret", "", "OpenID Connect client secret")
	fs.StringVar(&c.RedirectURL, prefix+"oidc_redirect_url", "", "OpenID Connect redirect URL (default <public_url>/api/v1/auth/oidc/callback)")
	fs.StringVar(&c.GroupsClaim, prefix+"oidc_groups_claim", "groups", "ID token claim holding the person's groups")
	fs.StringVar(&c.GroupRoles, prefix+"oidc_group_roles", "", `group to role mapping: space-separated "<group>=<brand>:<role>"`)
}

// Validate checks the settings when single sign-on is on.
func (c *OIDCConfig) Validate() error {
	if c.Issuer == "" {
		return nil
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("gateway.oidc_client_id and gateway.oidc_client_secret are required with gateway.oidc_issuer")
	}
	_, err := ParseGroupRoles(c.GroupRoles)
	return err
}

// GroupRole is one brand role a group gives.
type GroupRole struct {
	Brand string
	Role  access.Role
}

// ParseGroupRoles parses gateway.oidc_group_roles.
func ParseGroupRoles(s string) (map[string][]GroupRole, error) {
	out := map[string][]GroupRole{}
	for i, entry := range strings.Fields(s) {
		group, target, ok1 := strings.Cut(entry, "=")
		brand, role, ok2 := strings.Cut(target, ":")
		if !ok1 || !ok2 || group == "" {
			return nil, fmt.Errorf("gateway.oidc_group_roles entry %d: want <group>=<brand>:<role>", i+1)
		}
		if err := events.ValidateBrand(brand); err != nil {
			return nil, fmt.Errorf("gateway.oidc_group_roles entry %d: %w", i+1, err)
		}
		r, err := access.ParseRole(role)
		if err != nil {
			return nil, fmt.Errorf("gateway.oidc_group_roles entry %d: %w", i+1, err)
		}
		out[group] = append(out[group], GroupRole{brand, r})
	}
	return out, nil
}

// RolesOf maps a person's groups to roles; when two groups give roles on
// the same brand, the higher role wins.
func RolesOf(mapping map[string][]GroupRole, groups []string) map[string]access.Role {
	roles := map[string]access.Role{}
	for _, g := range groups {
		for _, gr := range mapping[g] {
			if gr.Role.Rank() > roles[gr.Brand].Rank() {
				roles[gr.Brand] = gr.Role
			}
		}
	}
	return roles
}

// sso is the gateway's OIDC client; the provider's discovery document is
// fetched on first use (the provider need not be up when the gateway starts).
type sso struct {
	cfg     OIDCConfig
	mapping map[string][]GroupRole
	client  *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

func newSSO(cfg OIDCConfig) (*sso, error) {
	if cfg.Issuer == "" {
		return nil, nil
	}
	mapping, err := ParseGroupRoles(cfg.GroupRoles)
	if err != nil {
		return nil, err
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	return &sso{cfg: cfg, mapping: mapping, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

func (o *sso) ctx(ctx context.Context) context.Context { return oidc.ClientContext(ctx, o.client) }

func (o *sso) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("oidc discovery of %s: %w", o.cfg.Issuer, err)
		}
		o.provider = p
	}
	return o.provider, nil
}

func (o *sso) oauth(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// oidcCallbackRoute is recorded in the audit log although it is a GET: it
// signs someone in.
const oidcCallbackRoute = "/api/v1/auth/oidc/callback"

func (s *Service) oidcRoutes(api *echo.Group) {
	api.GET("/auth/oidc/login", s.oidcLogin)
	api.GET("/auth/oidc/callback", s.oidcCallback)
}

func (s *Service) redirectURL(c echo.Context) string {
	if s.cfg.OIDC.RedirectURL != "" {
		return s.cfg.OIDC.RedirectURL
	}
	return s.publicURL(c) + "/api/v1/auth/oidc/callback"
}

var errNoSSO = httpx.NotFound("single sign-on is not configured (gateway.oidc_issuer)")

// oidcLogin sends the browser to the provider, with a one-time state, a
// nonce and a PKCE challenge.
func (s *Service) oidcLogin(c echo.Context) error {
	if s.sso == nil {
		return errNoSSO
	}
	ret := c.QueryParam("return")
	if u, err := url.Parse(ret); ret == "" || err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		ret = "/" // only local paths: no open redirect
	}
	p, err := s.sso.discover(c.Request().Context())
	if err != nil {
		s.log.ErrorContext(c.Request().Context(), "oidc", "error", err)
		return httpx.Unavailable("the identity provider does not answer")
	}
	state, st := accounts.NewSecret(), accounts.State{Nonce: accounts.NewSecret(), Verifier: oauth2.GenerateVerifier(), Return: ret}
	if err := s.store.CreateState(c.Request().Context(), state, st); err != nil {
		return err
	}
	url := s.sso.oauth(p, s.redirectURL(c)).AuthCodeURL(state, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	return c.Redirect(http.StatusFound, url)
}

// oidcCallback finishes a sign-in: the state is used once, the code is
// exchanged with the PKCE verifier, the ID token's signature, issuer,
// audience, expiry and nonce are checked, and the groups give the roles.
func (s *Service) oidcCallback(c echo.Context) error {
	if s.sso == nil {
		return errNoSSO
	}
	ctx := c.Request().Context()
	if e := c.QueryParam("error"); e != "" {
		return httpx.Unauthorized("the identity provider refused the sign-in: " + e)
	}
	st, err := s.store.UseState(ctx, c.QueryParam("state"))
	if err != nil {
		return tokenError(err, "state", "this sign-in is unknown, used or expired: start again")
	}
	p, err := s.sso.discover(ctx)
	if err != nil {
		return httpx.Unavailable("the identity provider does not answer")
	}
	tok, err := s.sso.oauth(p, s.redirectURL(c)).Exchange(s.sso.ctx(ctx), c.QueryParam("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return httpx.Unauthorized("the identity provider refused the code")
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: s.sso.cfg.ClientID, Now: s.now}).Verify(s.sso.ctx(ctx), raw)
	if err != nil {
		s.log.WarnContext(ctx, "oidc: ID token refused", "error", err)
		return httpx.Unauthorized("the ID token is not valid")
	}
	if idt.Nonce != st.Nonce {
		return httpx.Unauthorized("the ID token's nonce is not this sign-in's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return httpx.Unauthorized("the ID token's claims are not readable")
	}
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	roles := RolesOf(s.sso.mapping, stringList(claims[s.sso.cfg.GroupsClaim]))
	if len(roles) == 0 {
		return httpx.Forbidden("none of your groups gives a role in Ruche")
	}
	u, err := s.ssoUser(ctx, idt.Issuer+" "+idt.Subject, email, claims["email_verified"] == true, name, roles)
	if err != nil {
		return err
	}
	setAuditActor(c, u)
	if _, err := s.newSession(c, u, "oidc"); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, st.Return)
}

// ssoUser finds the user of an identity (by its subject, then by a
// verified email, which links them) or creates it; its roles become the
// ones its groups give.
func (s *Service) ssoUser(ctx context.Context, subject, email string, verified bool, name string, roles map[string]access.Role) (accounts.User, error) {
	setRoles := func(u *accounts.User) error { u.Roles = roles; return nil }
	u, err := s.store.UserBySubject(ctx, subject)
	if err == nil {
		return s.store.UpdateUser(ctx, u.ID, setRoles)
	}
	if !errors.Is(err, accounts.ErrNotFound) {
		return u, err
	}
	if !verified {
		return u, httpx.Forbidden("the identity provider does not vouch for this email address")
	}
	if u, err = s.store.UserByEmail(ctx, email); err == nil {
		if u, err = s.store.LinkSubject(ctx, u.ID, subject); err != nil {
			return u, err
		}
		return s.store.UpdateUser(ctx, u.ID, setRoles)
	}
	if !errors.Is(err, accounts.ErrNotFound) {
		return u, err
	}
	return s.store.CreateUser(ctx, accounts.User{Email: email, Name: name, OIDCSubject: subject, Roles: roles, CreatedAt: s.now()})
}

// stringList reads a claim that is a list of strings (or one string).
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
