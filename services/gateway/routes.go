package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"

	"github.com/ruche-project/ruche/services/gateway/access"
)

// Who may call a route.
type audience int

const (
	// brandScoped routes act on one brand (?brand=, or a body's brand):
	// the caller's role there must allow the route's action.
	brandScoped audience = iota
	// signedIn routes act on the caller's own account.
	signedIn
	// public routes need no credentials (health, docs, sign-in).
	public
)

// rule is one route's entry in the permission table.
type rule struct {
	who    audience
	action access.Action
	// export is the action of the same route asked for a file
	// (?format=csv): exports are lists of people, narrower than reading.
	export access.Action
	// page is a route of the web workspace (HTML, not in the OpenAPI
	// document): a signed-out browser is sent to the sign-in page, and
	// a refusal is an error page.
	page bool
}

// routeRules maps every route ("METHOD /path" as echo names it) to who may
// call it. The guard refuses a registered route missing here (403), and
// TestRouteTable fails for one, so a new route cannot skip authorisation.
var routeRules = map[string]rule{
	"GET /":             {who: public},
	"GET /api/v1":       {who: public},
	"GET /healthz":      {who: public},
	"GET /readyz":       {who: public},
	"GET /openapi.yaml": {who: public},
	"GET /docs":         {who: public},
	"GET /welcome":      {who: public},
	"GET /l/:code":      {who: public},

	"POST /api/v1/auth/login":                     {who: public},
	"POST /api/v1/auth/password-reset":            {who: public},
	"GET /api/v1/auth/invitations/:token":         {who: public},
	"POST /api/v1/auth/invitations/:token/accept": {who: public},
	"GET /api/v1/auth/oidc/login":                 {who: public},
	"GET /api/v1/auth/oidc/callback":              {who: public},
	"POST /api/v1/auth/logout":                    {who: signedIn},
	"POST /api/v1/auth/logout-all":                {who: signedIn},
	"GET /api/v1/me":                              {who: signedIn},
	"GET /api/v1/keys":                            {who: signedIn},
	"POST /api/v1/keys":                           {who: signedIn},
	"DELETE /api/v1/keys/:id":                     {who: signedIn},
	"GET /api/v1/users":                           {action: access.UsersRead},
	"PUT /api/v1/users/:id/role":                  {action: access.UsersManage},
	"DELETE /api/v1/users/:id/role":               {action: access.UsersManage},
	"POST /api/v1/users/:id/password-reset":       {action: access.UsersManage},
	"DELETE /api/v1/users/:id/sessions":           {action: access.UsersManage},
	"GET /api/v1/invitations":                     {action: access.UsersManage},
	"POST /api/v1/invitations":                    {action: access.UsersManage},
	"DELETE /api/v1/invitations/:id":              {action: access.UsersManage},
	"GET /api/v1/teams":                           {action: access.UsersRead},
	"PUT /api/v1/teams":                           {action: access.UsersManage},
	"GET /api/v1/privacy/export":                  {action: access.PrivacyExport},
	"POST /api/v1/privacy/erasures":               {action: access.PrivacyErase},
	"GET /api/v1/webhooks":                        {action: access.WebhooksManage},
	"POST /api/v1/webhooks":                       {action: access.WebhooksManage},
	"PUT /api/v1/webhooks/:id":                    {action: access.WebhooksManage},
	"DELETE /api/v1/webhooks/:id":                 {action: access.WebhooksManage},
	"GET /api/v1/webhooks/:id/deliveries":         {action: access.WebhooksManage},
	"GET /api/v1/audit/search":                    {action: access.AuditRead},
	"GET /api/v1/kpis/drafts":                     {action: access.ReportsRead},
	"GET /api/v1/audit":                           {action: access.AuditRead, export: access.AuditExport},
	"GET /api/v1/interactions":                    {action: access.InteractionsRead, export: access.InteractionsExport},
	"GET /api/v1/interactions/:id":                {action: access.InteractionsRead},
	"GET /api/v1/interactions/:id/history":        {action: access.InteractionsRead},
	"GET /api/v1/kpis":                            {action: access.ReportsRead, export: access.InteractionsExport},
	"GET /api/v1/kpis/posts":                      {action: access.ReportsRead},
	"GET /api/v1/segments/:segment":               {action: access.SegmentsRead, export: access.SegmentsRead},
	"GET /api/v1/best-times":                      {action: access.ReportsRead},
	"POST /api/v1/contests/draw":                  {action: access.ContestsDraw},
	"GET /api/v1/contests/:id":                    {action: access.ContestsRead, export: access.InteractionsExport},
	"POST /api/v1/contests/:id/verify":            {action: access.ContestsRead},
	"GET /api/v1/reports/weekly":                  {action: access.ReportsRead},
	"GET /api/v1/reports/settings":                {action: access.ReportsRead},
	"PUT /api/v1/reports/settings":                {action: access.ReportsWrite},
	"GET /api/v1/reports/archive":                 {action: access.ReportsRead},
	"GET /api/v1/reports/archive/:week":           {action: access.ReportsRead},
	"GET /api/v1/sources":                         {action: access.SourcesRead},
	"POST /api/v1/sources":                        {action: access.SourcesWrite},
	"DELETE /api/v1/sources/:id":                  {action: access.SourcesWrite},
	"POST /api/v1/sources/:id/backfill":           {action: access.SourcesWrite},
	"GET /api/v1/policies":                        {action: access.PoliciesRead},
	"PUT /api/v1/policies":                        {action: access.PoliciesWrite},
	"POST /api/v1/policies/activate":              {action: access.PoliciesWrite},
	"POST /api/v1/policies/dry-run":               {action: access.PoliciesTest},
	"POST /api/v1/cases/:interaction_id/claim":    {action: access.CasesWork},
	"POST /api/v1/cases/:interaction_id/release":  {action: access.CasesWork},
	"POST /api/v1/cases/:interaction_id/decide":   {action: access.CasesDecide},
	"POST /api/v1/cases/:interaction_id/correct":  {action: access.CasesDecide},
	"GET /api/v1/corrections":                     {action: access.CasesWork},
	"GET /api/v1/crises":                          {action: access.CrisesRead},
	"GET /api/v1/crises/webhook":                  {action: access.CrisesManage},
	"PUT /api/v1/crises/webhook":                  {action: access.CrisesManage},
	"GET /api/v1/accounts":                        {action: access.AccountsRead},
	"GET /api/v1/links/settings":                  {action: access.AccountsRead},
	"PUT /api/v1/links/settings":                  {action: access.AccountsManage},
	"POST /api/v1/accounts":                       {action: access.AccountsManage},
	"DELETE /api/v1/accounts/:id":                 {action: access.AccountsManage},
	"GET /api/v1/publications/:id":                {action: access.PublishingRead},
	"POST /api/v1/publications/:id/retry":         {action: access.PublishingRetry},
	"GET /api/v1/publications/dead-letters":       {action: access.PublishingRead},
	"GET /api/v1/publications/audit":              {action: access.PublishingRead},
	"GET /api/v1/publishing/pause":                {action: access.PublishingRead},
	"PUT /api/v1/publishing/pause":                {action: access.CrisesManage},
	"DELETE /api/v1/publishing/pause":             {action: access.CrisesManage},
	"GET /api/v1/drafts":                          {action: access.DraftsRead},
	"GET /api/v1/drafts/:interaction_id":          {action: access.DraftsRead},
	"POST /api/v1/drafts/:interaction_id":         {action: access.DraftsWrite},
	"PUT /api/v1/drafts/:interaction_id/text":     {action: access.DraftsWrite},
	"POST /api/v1/drafts/:interaction_id/approve": {action: access.DraftsApprove},
	"POST /api/v1/drafts/:interaction_id/reject":  {action: access.DraftsApprove},
	"GET /api/v1/drafts/settings":                 {action: access.DraftsRead},
	"GET /api/v1/drafts/settings/replies":         {action: access.DraftsRead},
	"PUT /api/v1/drafts/settings/voice":           {action: access.DraftingSettings},
	"PUT /api/v1/drafts/settings/knowledge":       {action: access.DraftingSettings},
	"PUT /api/v1/drafts/settings/model":           {action: access.DraftingSettings},
	"GET /api/v1/posts":                           {action: access.PostsRead},
	"POST /api/v1/posts":                          {action: access.PostsWrite},
	"GET /api/v1/posts/:id":                       {action: access.PostsRead},
	"PUT /api/v1/posts/:id":                       {action: access.PostsWrite},
	"POST /api/v1/posts/:id/submit":               {action: access.PostsWrite},
	"POST /api/v1/posts/:id/comments":             {action: access.PostsRead},
	"POST /api/v1/posts/:id/approve":              {action: access.PostsApprove},
	"POST /api/v1/posts/:id/request-changes":      {action: access.PostsApprove},
	"PUT /api/v1/posts/:id/schedule":              {action: access.PostsSchedule},
	"DELETE /api/v1/posts/:id/schedule":           {action: access.PostsSchedule},
	"GET /api/v1/posts/held":                      {action: access.PostsRead},
	"POST /api/v1/posts/resume":                   {action: access.PostsResume},
	"GET /api/v1/posts/settings/approval":         {action: access.PostsRead},
	"PUT /api/v1/posts/settings/approval":         {action: access.PostsSettings},
	"GET /api/v1/calendar":                        {action: access.PostsRead},
	"GET /api/v1/slots":                           {action: access.PostsRead},
	"PUT /api/v1/slots":                           {action: access.PostsSettings},
	"POST /api/v1/queue":                          {action: access.PostsSchedule},
	"POST /api/v1/queue/recycle":                  {action: access.PostsWrite},
	"POST /api/v1/posts/import":                   {action: access.PostsWrite},
	"GET /api/v1/calendar/feed-token":             {action: access.PostsRead},
	"POST /api/v1/calendar/feed-token":            {action: access.PostsSettings},
	"DELETE /api/v1/calendar/feed-token":          {action: access.PostsSettings},
	"GET /ical/:brand/:file":                      {who: public},
	"GET /api/v1/views":                           {action: access.InteractionsRead},
	"PUT /api/v1/views/:name":                     {action: access.InteractionsRead},
	"DELETE /api/v1/views/:name":                  {action: access.InteractionsRead},

	// The web workspace (ui_*.go).
	"GET /assets/*":                {who: public, page: true},
	"GET /signin":                  {who: public, page: true},
	"POST /signin":                 {who: public, page: true},
	"POST /signout":                {who: signedIn, page: true},
	"POST /lang":                   {who: public, page: true},
	"GET /inbox":                   {action: access.InteractionsRead, page: true},
	"GET /inbox/list":              {action: access.InteractionsRead, page: true},
	"GET /inbox/events":            {action: access.InteractionsRead, page: true},
	"GET /inbox/item":              {action: access.InteractionsRead, page: true},
	"GET /inbox/lock":              {action: access.InteractionsRead, page: true},
	"GET /inbox/row":               {action: access.InteractionsRead, page: true},
	"POST /inbox/label":            {action: access.CasesDecide, page: true},
	"POST /inbox/decide":           {action: access.CasesDecide, page: true},
	"POST /inbox/release":          {action: access.CasesWork, page: true},
	"POST /inbox/reply":            {action: access.CasesWork, page: true},
	"GET /inbox/draft":             {action: access.DraftsRead, page: true},
	"GET /inbox/replies":           {action: access.DraftsRead, page: true},
	"POST /inbox/draft/edit":       {action: access.DraftsWrite, page: true},
	"POST /inbox/draft/approve":    {action: access.DraftsApprove, page: true},
	"POST /inbox/draft/reject":     {action: access.DraftsApprove, page: true},
	"POST /inbox/draft/regenerate": {action: access.DraftsWrite, page: true},
	"GET /review":                  {action: access.DraftsRead, page: true},

	// Dashboard and on call (ui_dashboard.go, ui_oncall.go).
	"GET /dashboard":            {action: access.ReportsRead, page: true},
	"GET /dashboard/csv/:chart": {action: access.InteractionsExport, page: true},
	"POST /crisis/pause":        {action: access.CrisesManage, page: true},
	"POST /crisis/resume":       {action: access.CrisesManage, page: true},
	"GET /oncall":               {action: access.DraftsRead, page: true},
	"POST /oncall/approve":      {action: access.DraftsApprove, page: true},
	"POST /oncall/reject":       {action: access.DraftsApprove, page: true},

	// The calendar (ui_calendar.go).
	"GET /calendar":                       {action: access.PostsRead, page: true},
	"GET /calendar/grid":                  {action: access.PostsRead, page: true},
	"GET /calendar/post":                  {action: access.PostsRead, page: true},
	"POST /calendar/post/submit":          {action: access.PostsWrite, page: true},
	"POST /calendar/post/approve":         {action: access.PostsApprove, page: true},
	"POST /calendar/post/request-changes": {action: access.PostsApprove, page: true},
	"POST /calendar/post/schedule":        {action: access.PostsSchedule, page: true},
	"POST /calendar/post/queue":           {action: access.PostsSchedule, page: true},
	"POST /calendar/post/cancel":          {action: access.PostsSchedule, page: true},
	"POST /calendar/move":                 {action: access.PostsSchedule, page: true},
	"POST /calendar/create":               {action: access.PostsWrite, page: true},
	"POST /calendar/resume":               {action: access.PostsResume, page: true},

	// Settings (ui_settings.go).
	"GET /settings":                   {action: access.InteractionsRead, page: true},
	"GET /settings/sources":           {action: access.SourcesRead, page: true},
	"POST /settings/sources/keywords": {action: access.SourcesWrite, page: true},
	"GET /settings/policy":            {action: access.PoliciesRead, page: true},
	"POST /settings/policy/dry-run":   {action: access.PoliciesTest, page: true},
	"POST /settings/policy/save":      {action: access.PoliciesWrite, page: true},
	"POST /settings/policy/activate":  {action: access.PoliciesWrite, page: true},
	"GET /settings/people":            {action: access.UsersRead, page: true},
	"POST /settings/people/role":      {action: access.UsersManage, page: true},
	"GET /settings/reports":           {action: access.ReportsRead, page: true},
	"POST /settings/reports":          {action: access.ReportsWrite, page: true},
	"GET /settings/contests":          {action: access.ContestsRead, page: true},
	"POST /settings/contests/draw":    {action: access.ContestsDraw, page: true},
	"POST /settings/contests/verify":  {action: access.ContestsRead, page: true},
	"POST /settings/sources/add":      {action: access.SourcesWrite, page: true},
	"POST /settings/accounts/add":     {action: access.AccountsManage, page: true},
	"POST /settings/people/invite":    {action: access.UsersManage, page: true},
	"GET /settings/drafting":          {action: access.DraftsRead, page: true},
	"POST /settings/drafting":         {action: access.DraftingSettings, page: true},
}

// PageRoutes are the routes of the web workspace ("METHOD /path"): HTML
// pages, fragments and assets, outside the OpenAPI document.
func PageRoutes() map[string]bool {
	out := map[string]bool{}
	for k, r := range routeRules {
		if r.page {
			out[k] = true
		}
	}
	return out
}

// PermissionTable returns the permission table as text, for tests and the
// docs: per "METHOD /path", "public", "signed_in", or the action a brand
// role must allow.
func PermissionTable() map[string]string {
	out := make(map[string]string, len(routeRules))
	for k, r := range routeRules {
		switch r.who {
		case public:
			out[k] = "public"
		case signedIn:
			out[k] = "signed_in"
		default:
			out[k] = string(r.action)
		}
	}
	return out
}

// unsafe methods change state: they need CSRF proof from a browser and are
// recorded in the audit log.
func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// guard runs on every route, after routing: it looks the route up in the
// permission table, authenticates, checks CSRF for sessions, authorises the
// brand of ?brand=, and records state changes in the audit log.
func (s *Service) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Method + " " + c.Path()
		r, ok := routeRules[key]
		if !ok {
			if s.isRoute(c.Request().Method, c.Path()) {
				return s.refuse(c, "this route has no entry in the permission table")
			}
			return next(c) // not a route: echo answers 404 or 405
		}
		if r.page {
			// A page route's own failure is answered as a page (or a
			// fragment's message) before the audit records its status.
			page := func(c echo.Context) error { return s.pageError(c, next(c)) }
			return s.pageError(c, s.admit(c, r, page))
		}
		return s.admit(c, r, next)
	}
}

// admit authenticates, checks CSRF for sessions, authorises the brand of
// ?brand= and runs the route, recording state changes in the audit log.
func (s *Service) admit(c echo.Context, r rule, next echo.HandlerFunc) error {
	if r.who == public {
		if unsafe(c.Request().Method) && !s.sameOrigin(c) {
			return s.refuse(c, "cross-origin request refused")
		}
		return s.audited(c, next)
	}
	p, sess, err := s.authenticate(c)
	if err != nil {
		return err
	}
	c.Set(principalKey, p)
	if sess != nil && unsafe(c.Request().Method) {
		if err := s.checkCSRF(c, sess); err != nil {
			return err
		}
	}
	if r.who == brandScoped {
		action := r.action
		if r.export != "" && c.QueryParam("format") != "" && c.QueryParam("format") != "json" {
			action = r.export
		}
		c.Set(actionKey, action)
		if brand := c.QueryParam("brand"); brand != "" {
			if _, err := brandParam(c); err != nil {
				return err
			}
		}
	}
	return s.audited(c, next)
}

// isRoute tells a registered route (missing from the table: refused) from
// a path that matches none (echo's 404 or 405). Routes are read when asked,
// so one added after New is refused too.
func (s *Service) isRoute(method, path string) bool {
	for _, r := range s.echo.Routes() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

// refuse is a 403 that also goes to the log: a missing table entry or a
// cross-site request is a bug or an attack worth seeing.
func (s *Service) refuse(c echo.Context, msg string) error {
	s.log.WarnContext(c.Request().Context(), "request refused", "method", c.Request().Method, "route", c.Path(), "reason", msg)
	return httpx.Forbidden(msg)
}
