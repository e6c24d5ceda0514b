package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// dryRunDays is the history a dry run replays unless asked otherwise.
const dryRunDays = 7

// settingsRoutes serve the settings, one page per section. Changes post
// through htmx and answer HX-Redirect to the section (a full, fresh read);
// a refusal is the message in the page's live region.
//
//	GET  /settings/sources            sources and accounts with their health, keywords
//	POST /settings/sources/keywords   ?id=: a listening source's keywords
//	GET  /settings/policy             the moderation policy, its versions
//	POST /settings/policy/dry-run     what a draft policy would change on past traffic
//	POST /settings/policy/save        ?base=: a new version
//	POST /settings/policy/activate    ?version=
//	GET  /settings/people             members and roles
//	POST /settings/people/role        ?id=
//	GET  /settings/reports            weekly report settings, the archive
//	POST /settings/reports            ?revision=
//	GET  /settings/contests           the draw form; ?id= a draw and its audit trail
//	POST /settings/contests/draw
//	POST /settings/contests/verify    ?id=
//	GET  /settings/drafting           the drafting model, its key set or not, tokens used against the budget
func (s *Service) settingsRoutes(g *echo.Group) {
	g.GET("/settings", func(c echo.Context) error {
		return c.Redirect(http.StatusSeeOther, ui.BrandURL("/settings/sources", c.QueryParam("brand")))
	})
	g.GET("/settings/sources", s.settingsPage("sources", s.readSources))
	g.POST("/settings/sources/keywords", s.saveKeywords)
	g.GET("/settings/policy", s.settingsPage("policy", s.readPolicy))
	g.POST("/settings/policy/dry-run", s.dryRun)
	g.POST("/settings/policy/save", s.savePolicy)
	g.POST("/settings/policy/activate", s.activatePolicyForm)
	g.GET("/settings/people", s.settingsPage("people", s.readPeople))
	g.POST("/settings/people/role", s.saveRole)
	g.GET("/settings/reports", s.settingsPage("reports", s.readReports))
	g.POST("/settings/reports", s.saveReports)
	g.GET("/settings/contests", s.settingsPage("contests", s.readContest))
	g.POST("/settings/contests/draw", s.drawContestForm)
	g.POST("/settings/contests/verify", s.verifyContestForm)
	g.GET("/settings/drafting", s.settingsPage("drafting", s.readDrafting))
	s.settingsFormRoutes(g)
}

// settingsPage renders a section after read fills its part of the model.
func (s *Service) settingsPage(section string, read func(echo.Context, string, *ui.Settings)) echo.HandlerFunc {
	return func(c echo.Context) error {
		brand, err := s.pageBrand(c)
		if err != nil {
			return err
		}
		ctx := s.uiContext(c)
		v := ui.Settings{Page: s.page(c, "settings", ui.T(ctx, "settings.title"), brand), Section: section}
		read(c, brand, &v)
		return s.render(c, http.StatusOK, ui.SettingsPage(v))
	}
}

// problem notes a failed read on the page.
func (s *Service) problem(c echo.Context, v *ui.Settings, key string, err error) {
	v.Problems = append(v.Problems, ui.T(s.uiContext(c), key, describe(err)))
}

// done sends the browser back to the section after a change.
func done(c echo.Context, section, brand string) error {
	c.Response().Header().Set("HX-Redirect", ui.BrandURL("/settings/"+section, brand))
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) readSources(c echo.Context, brand string, v *ui.Settings) {
	ctx := c.Request().Context()
	p := principal(c)
	v.CanSources, v.CanAccounts = p.Allowed(brand, access.SourcesWrite), p.Allowed(brand, access.AccountsManage)
	var wg sync.WaitGroup
	var accErr error
	if p.Allowed(brand, access.AccountsRead) {
		wg.Go(func() {
			var resp query.ListAccountsResponse
			resp, accErr = rpc.Ask(ctx, s.rpc, query.ListAccounts, query.ListAccountsRequest{Brand: brand})
			v.Accounts = resp.Accounts
		})
	}
	resp, err := rpc.Ask(ctx, s.rpc, query.ListSources, query.ListSourcesRequest{Brand: brand})
	wg.Wait()
	if err != nil {
		s.problem(c, v, "settings.read_failed", err)
	}
	if accErr != nil {
		s.problem(c, v, "settings.read_failed", accErr)
	}
	v.Sources = resp.Sources
}

// saveKeywords replaces a listening source's keywords, its other settings
// kept. A source with secrets is changed through the API, which takes them
// again (they are write-only).
func (s *Service) saveKeywords(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := rpc.Ask(ctx, s.rpc, query.ListSources, query.ListSourcesRequest{Brand: brand})
	if err != nil {
		return err
	}
	id := c.QueryParam("id")
	for _, src := range list.Sources {
		if src.ID != id {
			continue
		}
		if len(src.SecretNames) > 0 {
			return httpx.BadRequest("id", "source %s has secrets: change it through the API, which takes them again", id)
		}
		var kws []string
		for _, k := range strings.FieldsFunc(c.FormValue("keywords"), func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
			if k = strings.TrimSpace(k); k != "" {
				kws = append(kws, k)
			}
		}
		if len(kws) == 0 {
			return httpx.BadRequest("keywords", "a listening source needs at least one keyword")
		}
		settings := map[string]string{}
		for k, v := range src.Settings {
			settings[k] = v
		}
		settings["keywords"] = strings.Join(kws, "\n")
		spec := query.SourceSpec{ID: src.ID, Brand: brand, Network: src.Network, Account: src.Account, Settings: settings}
		setAuditChange(c, brand, map[string]any{"source": id, "keywords": src.Settings["keywords"]}, map[string]any{"source": id, "keywords": settings["keywords"]})
		if _, err := rpc.Ask(ctx, s.rpc, query.PutSource, query.PutSourceRequest{Source: spec}); err != nil {
			return err
		}
		return done(c, "sources", brand)
	}
	return httpx.NotFound("no source " + id + " on brand " + brand)
}

func (s *Service) readPolicy(c echo.Context, brand string, v *ui.Settings) {
	p := principal(c)
	v.CanTest, v.CanPolicy, v.DryRunDays = p.Allowed(brand, access.PoliciesTest), p.Allowed(brand, access.PoliciesWrite), dryRunDays
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetPolicy, query.GetPolicyRequest{Brand: brand})
	if err != nil {
		s.problem(c, v, "settings.read_failed", err)
		return
	}
	v.Policy = resp
	// Without a policy of its own the brand runs the built-in one: a
	// draft starts from it, so a dry run shows only what the rules add.
	doc := query.PolicyDocument{Extends: "builtin", Rules: []query.PolicyRule{}}
	if resp.Policy != nil {
		doc = resp.Policy.Document
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	v.PolicyJSON = string(b)
}

// policyForm reads the document of the policy form.
func policyForm(c echo.Context) (query.PolicyDocument, error) {
	var doc query.PolicyDocument
	dec := json.NewDecoder(strings.NewReader(c.FormValue("document")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return doc, httpx.BadRequest("document", "the policy is not valid JSON: %v", err)
	}
	return doc, nil
}

// dryRun replays a draft policy on the brand's recent traffic and shows
// what would change (moderation's dry run; nothing is saved).
func (s *Service) dryRun(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	doc, err := policyForm(c)
	if err != nil {
		return err
	}
	days := dryRunDays
	if v := c.FormValue("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 90 {
			return httpx.BadRequest("days", "must be 1 to 90")
		}
	}
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.DryRunPolicy, query.DryRunPolicyRequest{Brand: brand, Document: doc, Days: days})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.DryRunResult(resp))
}

func (s *Service) savePolicy(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	doc, err := policyForm(c)
	if err != nil {
		return err
	}
	base, err := strconv.Atoi(c.QueryParam("base"))
	if err != nil {
		return httpx.BadRequest("base", "the version the edit started from is required")
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutPolicy, query.PutPolicyRequest{Brand: brand, BaseVersion: base, Document: doc, SavedBy: principal(c).ID}); err != nil {
		return err
	}
	return done(c, "policy", brand)
}

func (s *Service) activatePolicyForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.QueryParam("version"))
	if err != nil {
		return httpx.BadRequest("version", "must be a policy version")
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.ActivatePolicy, query.ActivatePolicyRequest{Brand: brand, Version: version, ActivatedBy: principal(c).ID}); err != nil {
		return err
	}
	return done(c, "policy", brand)
}

func (s *Service) readPeople(c echo.Context, brand string, v *ui.Settings) {
	v.CanPeople = principal(c).Allowed(brand, access.UsersManage)
	if v.CanPeople {
		v.InviteRoles = grantable(c, brand)
	}
	users, err := s.store.Members(c.Request().Context(), brand)
	if err != nil {
		s.problem(c, v, "settings.read_failed", err)
		return
	}
	for _, u := range users {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		v.Members = append(v.Members, ui.SettingsMember{ID: u.ID, Name: name, Email: u.Email, Role: string(u.Roles[brand]), SSO: u.OIDCSubject != ""})
	}
	for _, r := range access.Roles {
		v.Roles = append(v.Roles, string(r))
	}
}

func (s *Service) saveRole(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	role, err := access.ParseRole(c.FormValue("role"))
	if err != nil {
		return httpx.BadRequest("role", "%v", err)
	}
	if _, err := s.applyRole(c, brand, c.QueryParam("id"), role); err != nil {
		return err
	}
	return done(c, "people", brand)
}

func (s *Service) readReports(c echo.Context, brand string, v *ui.Settings) {
	ctx := c.Request().Context()
	v.CanReports = principal(c).Allowed(brand, access.ReportsWrite)
	var wg sync.WaitGroup
	var archErr error
	wg.Go(func() {
		var list query.StoredReports
		list, archErr = rpc.Ask(ctx, s.rpc, query.ListStoredReports, query.ListStoredReportsRequest{Brand: brand})
		v.Archive = list.Reports
	})
	settings, err := rpc.Ask(ctx, s.rpc, query.GetReportSettings, query.GetReportSettingsRequest{Brand: brand})
	wg.Wait()
	for _, e := range []error{err, archErr} {
		if e != nil {
			s.problem(c, v, "settings.read_failed", e)
		}
	}
	v.Reports = settings
}

func (s *Service) saveReports(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	rev, err := strconv.ParseUint(c.QueryParam("revision"), 10, 64)
	if err != nil {
		return httpx.BadRequest("revision", "the revision the edit started from is required")
	}
	form, err := c.FormParams()
	if err != nil {
		return httpx.BadRequest("body", "a form is expected")
	}
	st := query.ReportSettings{Enabled: form.Get("enabled") == "on", Weekday: form.Get("weekday"), TZ: form.Get("tz"),
		Locale: form.Get("locale"), Formats: form["format"], MaskExports: form.Get("mask_exports") == "on"}
	if st.Hour, err = strconv.Atoi(form.Get("hour")); err != nil {
		return httpx.BadRequest("hour", "must be 0 to 23")
	}
	for _, line := range strings.Split(form.Get("voices"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, kws, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return httpx.BadRequest("voices", "write one voice a line: Name: keyword | keyword")
		}
		voice := query.Voice{Name: strings.TrimSpace(name)}
		for _, k := range strings.Split(kws, "|") {
			if k = strings.TrimSpace(k); k != "" {
				voice.Keywords = append(voice.Keywords, k)
			}
		}
		st.Voices = append(st.Voices, voice)
	}
	req := query.PutReportSettingsRequest{Brand: brand, Revision: rev, Settings: st, UpdatedBy: principal(c).ID}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.PutReportSettings, req); err != nil {
		return err
	}
	return done(c, "reports", brand)
}

func (s *Service) readContest(c echo.Context, brand string, v *ui.Settings) {
	v.CanDraw = principal(c).Allowed(brand, access.ContestsDraw)
	v.ContestForm.Winners = 1
	id := c.QueryParam("id")
	if id == "" {
		return
	}
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetContest, query.ContestRef{Brand: brand, ID: id})
	if err != nil {
		s.problem(c, v, "settings.read_failed", err)
		return
	}
	v.Contest = &d
}

// drawContestForm draws from the form's rules and opens the draw's page.
func (s *Service) drawContestForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	rules := query.ContestRules{Network: c.FormValue("network"), PostID: c.FormValue("post_id"), RequireMention: c.FormValue("require_mention") == "on"}
	if rules.Winners, err = strconv.Atoi(c.FormValue("winners")); err != nil {
		return httpx.BadRequest("winners", "must be a number from 1 to %d", query.MaxContestWinners)
	}
	loc := s.brandZone(c.Request().Context(), brand)
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"from", &rules.From}, {"to", &rules.To}} {
		if v := c.FormValue(f.name); v != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
			if err != nil {
				return httpx.BadRequest(f.name, "want a date and time (2026-12-24T18:00)")
			}
			*f.dst = &t
		}
	}
	rules.Keywords = splitList(c.FormValue("keywords"))
	rules.ExcludedAuthors = splitList(c.FormValue("excluded"))
	d, err := rpc.Ask(c.Request().Context(), s.rpc, query.DrawContest, query.ContestDrawRequest{Brand: brand, Rules: rules, DrawnBy: principal(c).ID})
	if err != nil {
		return err
	}
	c.Response().Header().Set("HX-Redirect", ui.BrandURL("/settings/contests", brand)+"&id="+url.QueryEscape(d.ID))
	return c.NoContent(http.StatusNoContent)
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Service) verifyContestForm(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	v, err := rpc.Ask(c.Request().Context(), s.rpc, query.VerifyContest, query.ContestRef{Brand: brand, ID: c.QueryParam("id")})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.VerifyResult(v))
}

func (s *Service) readDrafting(c echo.Context, brand string, v *ui.Settings) {
	v.CanDrafting = principal(c).Allowed(brand, access.DraftingSettings)
	settings, err := rpc.Ask(c.Request().Context(), s.rpc, query.GetBrandSettings, query.BrandRef{Brand: brand})
	if err != nil {
		s.problem(c, v, "settings.read_failed", err)
		return
	}
	v.Drafting = settings
}
