package gateway

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
)

// MinKeyLength is the shortest accepted API key.
const MinKeyLength = 24

// How a principal authenticated.
const (
	// ViaConfigKey is a key from gateway.api_keys: a machine, owner of its
	// brands.
	ViaConfigKey = "config_key"
	// ViaSession is a browser's session cookie.
	ViaSession = "session"
	// ViaUserKey is a user's personal API key, narrowed to its scopes.
	ViaUserKey = "user_key"
)

// Principal is an authenticated caller: who, how, and their role per brand.
type Principal struct {
	// ID names the caller in records: a user id, or a non-secret
	// fingerprint of a configured key.
	ID    string
	Email string
	Via   string
	// Roles maps a brand to the caller's role; "*" is every brand.
	Roles map[string]access.Role
	// Scopes narrow a personal API key; nil for sessions and config keys.
	Scopes []access.Action
	// KeyID is the personal key's id (ViaUserKey).
	KeyID string
}

// Role is the caller's role on brand ("" for none).
func (p Principal) Role(brand string) access.Role {
	if r, ok := p.Roles[brand]; ok {
		return r
	}
	return p.Roles["*"]
}

// CanSee reports whether the principal has a role on brand.
func (p Principal) CanSee(brand string) bool { return p.Role(brand) != "" }

// Allowed reports whether the principal may perform action on brand: the
// role allows it and, for a personal key, the key's scopes include it.
func (p Principal) Allowed(brand string, action access.Action) bool {
	if !access.Allowed(p.Role(brand), action) {
		return false
	}
	return p.Via != ViaUserKey || slices.Contains(p.Scopes, action)
}

// Brands lists the brands named in the principal's roles (not "*").
func (p Principal) Brands() []string {
	var out []string
	for b := range p.Roles {
		if b != "*" {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

// APIKeys maps the SHA-256 of each configured key to its principal; only
// hashes are kept in memory after parsing.
type APIKeys map[[sha256.Size]byte]Principal

// ParseAPIKeys parses the gateway.api_keys setting. A configured key is the
// owner of its brands.
func ParseAPIKeys(s string) (APIKeys, error) {
	keys := APIKeys{}
	for i, entry := range strings.Fields(s) {
		key, brands, ok := strings.Cut(entry, ":")
		if !ok || brands == "" {
			return nil, fmt.Errorf("entry %d: want <key>:<brand>[,<brand>...]", i+1)
		}
		if len(key) < MinKeyLength {
			return nil, fmt.Errorf("entry %d: key shorter than %d characters", i+1, MinKeyLength)
		}
		p := Principal{Via: ViaConfigKey, Roles: map[string]access.Role{}}
		for _, b := range strings.Split(brands, ",") {
			if b != "*" {
				if err := events.ValidateBrand(b); err != nil {
					return nil, fmt.Errorf("entry %d: %w", i+1, err)
				}
			}
			p.Roles[b] = access.Owner
		}
		h := sha256.Sum256([]byte(key))
		p.ID = fmt.Sprintf("key-%x", h[:4])
		if _, dup := keys[h]; dup {
			return nil, fmt.Errorf("entry %d: duplicate key", i+1)
		}
		keys[h] = p
	}
	return keys, nil
}

// Authenticate returns the principal of a presented key. The key is hashed
// before the lookup, so the lookup's timing says nothing about the key.
func (k APIKeys) Authenticate(presented string) (Principal, bool) {
	if presented == "" {
		return Principal{}, false
	}
	p, ok := k[sha256.Sum256([]byte(presented))]
	return p, ok
}

// Member reports whether id names a configured key scoped to brand.
func (k APIKeys) Member(brand, id string) bool {
	for _, p := range k {
		if p.ID == id && p.CanSee(brand) {
			return true
		}
	}
	return false
}

const (
	principalKey = "ruche.principal"
	actionKey    = "ruche.action"
)

func principal(c echo.Context) Principal {
	p, _ := c.Get(principalKey).(Principal)
	return p
}

// repeatable are, per route, the query parameters that may repeat: the
// interaction filters (also comma-separated) and the KPIs' voices.
var repeatable = map[string][]string{
	"/api/v1/interactions": {"network", "kind", "verdict", "status", "sentiment", "intent", "label"},
	"/api/v1/kpis":         {"voice"},
}

// singleParams refuses a repeated query parameter that must be single
// (?brand=demo&brand=other would otherwise answer for the first one).
func singleParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for name, values := range c.QueryParams() {
			if len(values) < 2 || slices.Contains(repeatable[c.Path()], name) {
				continue
			}
			return httpx.BadRequest(name, "must be given once (it is given %d times)", len(values))
		}
		return next(c)
	}
}

// presentedKey reads "Authorization: Bearer <key>" or "X-Api-Key".
func presentedKey(c echo.Context) string {
	presented := c.Request().Header.Get("X-Api-Key")
	if auth := c.Request().Header.Get(echo.HeaderAuthorization); presented == "" && auth != "" {
		scheme, token, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			presented = strings.TrimSpace(token)
		}
	}
	return presented
}

// authorize checks that the caller may perform the route's action on
// brand. The guard does it for ?brand=; handlers that read the brand from
// a body call it themselves.
func authorize(c echo.Context, brand string) error {
	action, _ := c.Get(actionKey).(access.Action)
	if action == "" {
		return httpx.Forbidden("this route has no entry in the permission table")
	}
	p := principal(c)
	if !p.CanSee(brand) {
		return httpx.Forbidden("no role on brand " + brand)
	}
	if !p.Allowed(brand, action) {
		if p.Via == ViaUserKey && access.Allowed(p.Role(brand), action) {
			return httpx.Forbidden(fmt.Sprintf("this API key's scopes do not include %s", action))
		}
		return httpx.Forbidden(fmt.Sprintf("role %s on brand %s does not allow %s", p.Role(brand), brand, action))
	}
	return nil
}

// brandParam returns the "brand" query parameter once the caller is known to
// be allowed the route's action on it.
func brandParam(c echo.Context) (string, error) {
	brand := c.QueryParam("brand")
	if brand == "" {
		return "", httpx.BadRequest("brand", "the brand query parameter is required")
	}
	if err := events.ValidateBrand(brand); err != nil {
		return "", httpx.BadRequest("brand", "%v", err)
	}
	return brand, authorize(c, brand)
}
