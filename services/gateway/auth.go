package gateway

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// MinKeyLength is the shortest accepted API key.
const MinKeyLength = 24

// Principal is an authenticated caller and the brands it may see.
type Principal struct {
	// KeyID is a non-secret fingerprint of the key, for logs and audit.
	KeyID  string
	Brands []string
}

// CanSee reports whether the principal is scoped to brand.
func (p Principal) CanSee(brand string) bool {
	return slices.Contains(p.Brands, "*") || slices.Contains(p.Brands, brand)
}

// APIKeys maps the SHA-256 of each key to its principal; only hashes are
// kept in memory after parsing.
type APIKeys map[[sha256.Size]byte]Principal

// ParseAPIKeys parses the gateway.api_keys setting.
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
		p := Principal{}
		for _, b := range strings.Split(brands, ",") {
			if b != "*" {
				if err := events.ValidateBrand(b); err != nil {
					return nil, fmt.Errorf("entry %d: %w", i+1, err)
				}
			}
			p.Brands = append(p.Brands, b)
		}
		h := sha256.Sum256([]byte(key))
		p.KeyID = fmt.Sprintf("key-%x", h[:4])
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

// Member reports whether id names a member of brand. Until user accounts
// exist, the members of a brand are the API keys scoped to it, named by
// their KeyID.
func (k APIKeys) Member(brand, id string) bool {
	for _, p := range k {
		if p.KeyID == id && p.CanSee(brand) {
			return true
		}
	}
	return false
}

const principalKey = "ruche.principal"

// repeatable are, per route, the query parameters that may repeat: the
// interaction filters (also comma-separated) and the KPIs' voices.
var repeatable = map[string][]string{
	"/api/v1/interactions": {"network", "kind", "verdict", "status", "sentiment", "intent"},
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

// requireKey authenticates "Authorization: Bearer <key>" or "X-Api-Key".
func requireKey(keys APIKeys) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			presented := c.Request().Header.Get("X-Api-Key")
			if auth := c.Request().Header.Get(echo.HeaderAuthorization); presented == "" && auth != "" {
				scheme, token, _ := strings.Cut(auth, " ")
				if strings.EqualFold(scheme, "Bearer") {
					presented = strings.TrimSpace(token)
				}
			}
			p, ok := keys.Authenticate(presented)
			if !ok {
				return httpx.Unauthorized("a valid API key is required (Authorization: Bearer <key>)")
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// brandParam returns the "brand" query parameter once the caller is known to
// be scoped to it.
func brandParam(c echo.Context) (string, error) {
	brand := c.QueryParam("brand")
	if brand == "" {
		return "", httpx.BadRequest("brand", "the brand query parameter is required")
	}
	if err := events.ValidateBrand(brand); err != nil {
		return "", httpx.BadRequest("brand", "%v", err)
	}
	p, _ := c.Get(principalKey).(Principal)
	if !p.CanSee(brand) {
		return "", httpx.Forbidden("this API key is not scoped to brand " + brand)
	}
	return brand, nil
}
