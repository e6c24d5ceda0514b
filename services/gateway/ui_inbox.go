package gateway

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	query "github.com/ruche-project/ruche/events/query/v1"
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
}

// filterValues are the filter parameters of the request (brand and
// cursor left out), as the filter form shows them and links keep them.
func filterValues(c echo.Context) url.Values {
	v := url.Values{}
	for name, values := range c.QueryParams() {
		if name != "brand" && name != "cursor" {
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
	resp, err := rpc.Ask(c.Request().Context(), s.rpc, query.ListInteractions, req)
	if err != nil {
		return ui.List{}, err
	}
	l := ui.List{Brand: brand, Rows: make([]ui.Row, 0, len(resp.Items))}
	for _, it := range resp.Items {
		l.Rows = append(l.Rows, ui.Row{Interaction: it})
	}
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
	ctx := ui.WithLang(c.Request().Context(), uiLang(c))
	in := ui.Inbox{Brand: brand, Filter: filterValues(c), List: list, Members: members}
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
