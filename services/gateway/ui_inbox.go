package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// inboxPageSize is how many rows a page of the stream shows.
const inboxPageSize = 50

// inboxRoutes serve the inbox: the page, the stream's fragments, an item,
// the decisions, the claim lock and the live arrivals.
func (s *Service) inboxRoutes(g *echo.Group) {
	g.GET("/inbox", s.inboxPage)
	g.GET("/inbox/list", s.inboxList)
	g.GET("/inbox/item", s.inboxItem)
	g.POST("/inbox/decide", s.inboxDecide)
	g.POST("/inbox/release", s.inboxRelease)
	g.GET("/inbox/lock", s.inboxLock)
	g.GET("/inbox/events", s.inboxEvents)
	g.GET("/inbox/row", s.inboxRow)
	g.POST("/inbox/label", s.inboxLabel)
}

// itemParams are the brand (?brand=, allowed the route's action) and the
// interaction (?id= or a form's id=) of a fragment.
func itemParams(c echo.Context) (brand, id string, err error) {
	if brand, err = brandParam(c); err != nil {
		return "", "", err
	}
	id = c.FormValue("id")
	if id == "" || !strings.Contains(id, ":") {
		return "", "", httpx.BadRequest("id", "must be an interaction id such as mastodon:1098765")
	}
	return brand, id, nil
}

// lock reads who holds the claim on id's case.
func (s *Service) lock(c echo.Context, brand, id string) (ui.Lock, error) {
	claims, err := s.claims(c, brand)
	if err != nil {
		return ui.Lock{}, err
	}
	return claims[id], nil
}

// claims are the brand's held claims by interaction, with the holders'
// display names.
func (s *Service) claims(c echo.Context, brand string) (map[string]ui.Lock, error) {
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListClaims, query.ListClaimsRequest{Brand: brand})
	if err != nil {
		return nil, err
	}
	me := principal(c).ID
	out := make(map[string]ui.Lock, len(resp.Claims))
	names := map[string]string{}
	for _, cl := range resp.Claims {
		name, ok := names[cl.Moderator]
		if !ok {
			name = s.displayName(c, cl.Moderator)
			names[cl.Moderator] = name
		}
		out[cl.InteractionID] = ui.Lock{Brand: brand, ID: cl.InteractionID, Holder: name, Mine: cl.Moderator == me, Until: cl.ExpiresAt}
	}
	return out, nil
}

// displayName is a user's name (or email), or the id of a key.
func (s *Service) displayName(c echo.Context, id string) string {
	if u, err := s.store.User(c.Request().Context(), id); err == nil {
		if u.Name != "" {
			return u.Name
		}
		return u.Email
	}
	return id
}

// inboxItem is one interaction beside the stream.
func (s *Service) inboxItem(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	// The three reads at once: the panel waits for the slowest only.
	var (
		d       query.InteractionDetail
		lock    ui.Lock
		members []ui.Member
		errs    [3]error
		wg      sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); lock, errs[1] = s.lock(c, brand, id) }()
	go func() { defer wg.Done(); members, errs[2] = s.members(c, brand) }()
	d, errs[0] = rpc.Ask(c.Request().Context(), s.rpc, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return s.render(c, http.StatusOK, ui.ItemPanel(ui.Item{Brand: brand, Detail: d, Lock: lock, Members: members, Can: uiCan(c, brand)}))
}

// inboxDecide records a decision on one or several interactions (bulk):
// each is decided in turn, and the rows say so; the first failure stops
// and is told, the decisions before it stay (each is its own record).
func (s *Service) inboxDecide(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return httpx.BadRequest("body", "not a form: %v", err)
	}
	ids := form["id"]
	if len(ids) == 0 || len(ids) > inboxPageSize {
		return httpx.BadRequest("id", "give 1 to %d interaction ids", inboxPageSize)
	}
	body := DecideCaseBody{Decision: casev1.Decision(form.Get("decision")), Assignee: form.Get("assignee"), Reason: form.Get("reason")}
	var done []ui.Decision
	var failed error
	for _, id := range ids {
		network, _, _ := strings.Cut(id, ":")
		body.Network = network
		if _, err := s.decide(c, brand, id, body); err != nil {
			failed = err
			break
		}
		done = append(done, ui.Decision{ID: id, Decision: string(body.Decision)})
	}
	if failed != nil {
		e, known := httpx.Describe(failed)
		if !known {
			return failed
		}
		c.Response().Header().Set("HX-Trigger", toastTrigger(e.Message))
	}
	if len(done) > 0 {
		ids := make([]string, len(done))
		for i, d := range done {
			ids[i] = d.ID
		}
		b, _ := json.Marshal(map[string]any{"ruche:decided": map[string]any{"ids": ids}})
		c.Response().Header().Set("HX-Trigger-After-Swap", string(b))
	}
	return s.render(c, http.StatusOK, ui.Decided(done))
}

// toastTrigger is an HX-Trigger header that shows msg in the live region.
func toastTrigger(msg string) string {
	b, _ := json.Marshal(map[string]string{"ruche:toast": msg})
	return string(b)
}

// inboxLock is who is answering an interaction now.
func (s *Service) inboxLock(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	lock, err := s.lock(c, brand, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.LockView(lock))
}

// inboxRelease gives the caller's claim up (leaving the reply unsent).
func (s *Service) inboxRelease(c echo.Context) error {
	brand, id, err := itemParams(c)
	if err != nil {
		return err
	}
	if _, err := rpc.Ask(c.Request().Context(), s.rpc, query.ReleaseCase, query.ReleaseCaseRequest{Brand: brand, InteractionID: id, Moderator: principal(c).ID}); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.LockView(ui.Lock{}))
}

// filterValues are the filter parameters of the request (brand and
// cursor left out), as the filter form shows them and links keep them.
func filterValues(c echo.Context) url.Values {
	v := url.Values{}
	for name, values := range c.QueryParams() {
		if name != "brand" && name != "cursor" && name != "open" {
			for _, x := range values {
				if x != "" {
					v[name] = append(v[name], x)
				}
			}
		}
	}
	return v
}

// inboxRows reads one page of the stream with the request's filters (the
// API's own parsing: GET /api/v1/interactions takes the same parameters).
func (s *Service) inboxRows(c echo.Context, brand string) (ui.List, error) {
	req := query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{
		Brand: brand, Cursor: c.QueryParam("cursor"), Limit: inboxPageSize}}
	var err error
	if req.InteractionFilter, err = interactionFilter(c); err != nil {
		return ui.List{}, err
	}
	mark := s.readRowNotes(c, brand)
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListInteractions, req)
	if err != nil {
		mark(nil)
		return ui.List{}, err
	}
	l := ui.List{Brand: brand, Rows: make([]ui.Row, 0, len(resp.Items))}
	for _, it := range resp.Items {
		l.Rows = append(l.Rows, ui.Row{Interaction: it})
	}
	mark(l.Rows)
	if resp.NextCursor != "" {
		q := filterValues(c)
		q.Set("brand", brand)
		q.Set("cursor", resp.NextCursor)
		l.More = "/inbox/list?" + q.Encode()
	}
	return l, nil
}

// members are the users who may be assigned the brand's work.
func (s *Service) members(c echo.Context, brand string) ([]ui.Member, error) {
	users, err := s.store.Members(c.Request().Context(), brand)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Member, 0, len(users))
	for _, u := range users {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		out = append(out, ui.Member{ID: u.ID, Name: name})
	}
	return out, nil
}

func (s *Service) inboxPage(c echo.Context) error {
	brand, err := s.pageBrand(c)
	if err != nil {
		return err
	}
	list, err := s.inboxRows(c, brand)
	if err != nil {
		return err
	}
	members, err := s.members(c, brand)
	if err != nil {
		return err
	}
	views, err := s.uiViews(c, brand)
	if err != nil {
		return err
	}
	ctx := ui.WithLang(c.Request().Context(), uiLang(c))
	in := ui.Inbox{Brand: brand, Filter: filterValues(c), List: list, Members: members, Views: views}
	return s.render(c, http.StatusOK, ui.InboxPage(s.page(c, "inbox", ui.T(ctx, "inbox.title"), brand), in))
}

// inboxList is the stream's fragment: the filters changed, or the next page.
func (s *Service) inboxList(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	list, err := s.inboxRows(c, brand)
	if err != nil {
		return err
	}
	if c.QueryParam("cursor") == "" {
		q := filterValues(c)
		q.Set("brand", brand)
		c.Response().Header().Set("HX-Push-Url", "/inbox?"+q.Encode())
	}
	return s.render(c, http.StatusOK, ui.ListItems(list))
}
