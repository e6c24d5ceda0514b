package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// The settings' forms that add something: a source, a network account, an
// invitation. Each posts through htmx; a refusal answers 422 with the form
// again, its values kept (never a secret), the message in it and the field
// it names marked, so the manager corrects it in place.
//
//	POST /settings/sources/add     a source (ingest)
//	POST /settings/accounts/add    a network account (publishing)
//	POST /settings/people/invite   an invitation link, shown once
//	POST /settings/drafting        the drafting model and token budget
func (s *Service) settingsFormRoutes(g *echo.Group) {
	g.POST("/settings/sources/add", s.addSourceForm)
	g.POST("/settings/accounts/add", s.addAccountForm)
	g.POST("/settings/people/invite", s.inviteForm)
	g.POST("/settings/drafting", s.draftingForm)
}

// readForm is the form's values for fields, trimmed.
func readForm(c echo.Context, fields ...string) ui.Form {
	f := ui.Form{Values: map[string]string{}}
	for _, name := range fields {
		f.Values[name] = strings.TrimSpace(c.FormValue(name))
	}
	return f
}

// refused answers a form's refusal: the form again with the message and the
// field it names (one of fields, or the form as a whole). An error that is
// not the caller's (internal) goes on to the error handler.
func (s *Service) refused(c echo.Context, err error, f ui.Form, fields []string, form func(ui.Form) templ.Component) error {
	e, known := httpx.Describe(err)
	if !known || e.Status >= 500 {
		return err
	}
	f.Field = formField(e, fields)
	f.Error = strings.TrimPrefix(e.Message, "invalid: ")
	if e.Field != "" && !strings.HasPrefix(f.Error, e.Field+": ") {
		f.Error = e.Field + ": " + f.Error
	}
	return s.render(c, http.StatusUnprocessableEntity, form(f))
}

// formField is the form field an error names: its field ("account.id",
// "secrets.token", "add[0]"), or the start of its message ("id: ...", as
// ingest words them), mapped onto the form's fields.
func formField(e *httpx.Error, fields []string) string {
	name := e.Field
	if name == "" {
		// Drafting words it "invalid: base_url: ...".
		name, _, _ = strings.Cut(strings.TrimPrefix(e.Message, "invalid: "), ":")
		name, _, _ = strings.Cut(name, " ")
	}
	name = strings.TrimPrefix(name, "account.")
	if rest, ok := strings.CutPrefix(name, "settings."); ok && slices.Contains(fields, rest) {
		name = rest // a setting with a field of its own (an account's url)
	}
	name, _, _ = strings.Cut(name, ".")
	name, _, _ = strings.Cut(name, "[")
	if slices.Contains(fields, name) {
		return name
	}
	return ""
}

// pairs reads "key=value" lines (a source's settings or secrets).
func pairs(field, text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, httpx.BadRequest(field, "line %d: write one setting a line, as name=value", i+1)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

var sourceFields = []string{"id", "network", "account", "settings", "secrets"}

func (s *Service) addSourceForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f := readForm(c, "id", "network", "account", "settings")
	// The audit keeps what was asked, never a secret (the form's body
	// holds them: it is not what the record stores).
	setAuditChange(c, brand, nil, map[string]any{"source": f.Values["id"], "network": f.Values["network"], "settings": f.Values["settings"]})
	form := func(f ui.Form) templ.Component { return ui.SourceForm(brand, f) }
	spec := query.SourceSpec{ID: f.Values["id"], Brand: brand, Network: f.Values["network"], Account: f.Values["account"]}
	if spec.Settings, err = pairs("settings", f.Values["settings"]); err != nil {
		return s.refused(c, err, f, sourceFields, form)
	}
	if spec.Secrets, err = pairs("secrets", c.FormValue("secrets")); err != nil {
		return s.refused(c, err, f, sourceFields, form)
	}
	for name, missing := range map[string]bool{"id": spec.ID == "", "network": spec.Network == ""} {
		if missing {
			return s.refused(c, httpx.BadRequest(name, "is required"), f, sourceFields, form)
		}
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutSource, query.PutSourceRequest{Source: spec}); err != nil {
		return s.refused(c, err, f, sourceFields, form)
	}
	return done(c, "sources", brand)
}

var accountFields = []string{"id", "network", "handle", "url", "token"}

func (s *Service) addAccountForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f := readForm(c, "id", "network", "handle", "url")
	setAuditChange(c, brand, nil, map[string]any{"account": f.Values["id"], "network": f.Values["network"], "handle": f.Values["handle"], "url": f.Values["url"]})
	form := func(f ui.Form) templ.Component { return ui.AccountForm(brand, f) }
	spec := query.AccountSpec{ID: f.Values["id"], Brand: brand, Network: f.Values["network"], Handle: f.Values["handle"], Token: c.FormValue("token")}
	if u := f.Values["url"]; u != "" {
		spec.Settings = map[string]string{"url": u}
	}
	if spec.Network == "" {
		return s.refused(c, httpx.BadRequest("network", "is required"), f, accountFields, form)
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutAccount, query.PutAccountRequest{Account: spec}); err != nil {
		return s.refused(c, err, f, accountFields, form)
	}
	return done(c, "sources", brand)
}

var inviteFields = []string{"email", "role"}

// inviteForm makes an invitation link and shows it once, in the form's
// place, to hand to the person invited.
func (s *Service) inviteForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f := readForm(c, "email", "role")
	setAuditChange(c, brand, nil, map[string]any{"role": f.Values["role"], "email": f.Values["email"]})
	roles := grantable(c, brand)
	form := func(f ui.Form) templ.Component { return ui.InviteForm(brand, roles, f) }
	role, err := access.ParseRole(f.Values["role"])
	if err != nil {
		return s.refused(c, httpx.BadRequest("role", "%v", err), f, inviteFields, form)
	}
	if err := mayGrant(c, brand, role); err != nil {
		return s.refused(c, httpx.BadRequest("role", "%s", err.Error()), f, inviteFields, form)
	}
	email := f.Values["email"]
	if email != "" {
		if email, err = accounts.NormalizeEmail(email); err != nil {
			return s.refused(c, httpx.BadRequest("email", "%v", err), f, inviteFields, form)
		}
	}
	link, err := s.Invite(c.Request().Context(), brand, role, email, principal(c).ID, DefaultInvitationTTL, s.publicURL(c))
	if err != nil {
		return s.refused(c, err, f, inviteFields, form)
	}
	setAuditChange(c, brand, nil, map[string]any{"invitation": link.ID, "role": role, "email": email})
	return s.render(c, http.StatusOK, form(ui.Form{Values: map[string]string{"role": string(role)}, Link: link.URL, Expires: link.ExpiresAt}))
}

// grantable are the roles the caller may give on brand.
func grantable(c echo.Context, brand string) []string {
	var out []string
	for _, r := range access.Roles {
		if mayGrant(c, brand, r) == nil {
			out = append(out, string(r))
		}
	}
	return out
}

var draftingFields = []string{"base_url", "model", "embedding_model", "api_key", "token_budget"}

// draftingForm sets the brand's drafting model and token budget; the key is
// write-only (empty keeps the stored one) and never in the audit.
func (s *Service) draftingForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f := readForm(c, "base_url", "model", "embedding_model", "token_budget")
	apiKey := strings.TrimSpace(c.FormValue("api_key"))
	setAuditChange(c, brand, nil, map[string]any{"base_url": f.Values["base_url"], "model": f.Values["model"],
		"embedding_model": f.Values["embedding_model"], "token_budget": f.Values["token_budget"], "api_key_set": apiKey != ""})
	form := func(f ui.Form) templ.Component { return ui.DraftingForm(brand, f) }
	req := query.PutModelRequest{Brand: brand, BaseURL: f.Values["base_url"], Model: f.Values["model"], EmbeddingModel: f.Values["embedding_model"], APIKey: apiKey}
	if b := f.Values["token_budget"]; b != "" {
		if req.TokenBudget, err = strconv.ParseInt(b, 10, 64); err != nil || req.TokenBudget < 0 {
			return s.refused(c, httpx.BadRequest("token_budget", "must be a whole number of tokens, 0 or more"), f, draftingFields, form)
		}
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutModel, req); err != nil {
		return s.refused(c, err, f, draftingFields, form)
	}
	return done(c, "drafting", brand)
}
