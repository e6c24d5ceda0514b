package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/accounts"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// viewRoutes keep the caller's saved views of the inbox, per brand:
//
//	GET    /api/v1/views?brand=          the caller's views
//	PUT    /api/v1/views/:name?brand=    save one ({"query": "sentiment=negative"})
//	DELETE /api/v1/views/:name?brand=
func (s *Service) viewRoutes(api *echo.Group) {
	api.GET("/views", s.listViews)
	api.PUT("/views/:name", s.putView)
	api.DELETE("/views/:name", s.deleteView)
}

// ViewBody is the body of PUT /api/v1/views/{name}.
type ViewBody struct {
	// Query is the inbox filter as a query string (the parameters of GET
	// /api/v1/interactions; brand, cursor and open are left out).
	Query string `json:"query"`
}

// ViewsView is the caller's views on a brand, in the order saved.
type ViewsView struct {
	Items []accounts.View `json:"items"`
}

// Saved views' limits: a name fits a sidebar, a query a URL.
const (
	maxViewName  = 40
	maxViewQuery = 2000
)

// viewFilters are the query parameters a view may keep: the inbox filters.
var viewFilters = []string{"q", "network", "kind", "verdict", "status", "sentiment", "intent", "label",
	"min_priority", "max_priority", "assignee", "queue", "author", "from", "to"}

// viewParams are a view route's brand and view name.
func viewParams(c echo.Context) (brand, name string, err error) {
	if brand, err = brandParam(c); err != nil {
		return "", "", err
	}
	name, err = viewName(c)
	return brand, name, err
}

// viewName reads the :name of a view route.
func viewName(c echo.Context) (string, error) {
	name, err := url.PathUnescape(c.Param("name"))
	name = strings.TrimSpace(name)
	switch {
	case err != nil || name == "":
		return "", httpx.BadRequest("name", "a view needs a name")
	case utf8.RuneCountInString(name) > maxViewName:
		return "", httpx.BadRequest("name", "at most %d characters", maxViewName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", httpx.BadRequest("name", "control characters are not allowed")
	}
	return name, nil
}

// viewQuery keeps the filter parameters of q, in a stable order; any other
// parameter is refused, naming it.
func viewQuery(q string) (string, error) {
	if len(q) > maxViewQuery {
		return "", httpx.BadRequest("query", "at most %d bytes", maxViewQuery)
	}
	values, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil {
		return "", httpx.BadRequest("query", "not a query string: %v", err)
	}
	kept := url.Values{}
	for name, vs := range values {
		switch {
		case name == "brand" || name == "cursor" || name == "open":
			continue
		case !slices.Contains(viewFilters, name):
			return "", httpx.BadRequest("query", "%q is not an inbox filter (one of %s)", name, strings.Join(viewFilters, ", "))
		}
		for _, v := range vs {
			if v != "" {
				kept.Add(name, v)
			}
		}
	}
	return kept.Encode(), nil
}

func (s *Service) listViews(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	views, err := s.store.Views(c.Request().Context(), principal(c).ID, brand)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ViewsView{Items: views})
}

func (s *Service) putView(c echo.Context) error {
	brand, name, err := viewParams(c)
	if err != nil {
		return err
	}
	var body ViewBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	q, err := viewQuery(body.Query)
	if err != nil {
		return err
	}
	views, err := s.store.PutView(c.Request().Context(), principal(c).ID, brand, accounts.View{Name: name, Query: q})
	if errors.Is(err, accounts.ErrTooMany) {
		return httpx.BadRequest("name", "%v: delete one first", err)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ViewsView{Items: views})
}

func (s *Service) deleteView(c echo.Context) error {
	brand, name, err := viewParams(c)
	if err != nil {
		return err
	}
	views, err := s.store.DeleteView(c.Request().Context(), principal(c).ID, brand, name)
	if err != nil {
		return notFoundAs(err, "view "+name)
	}
	return c.JSON(http.StatusOK, ViewsView{Items: views})
}

// uiViews are the caller's views on brand, as the inbox lists them.
func (s *Service) uiViews(c echo.Context, brand string) ([]ui.View, error) {
	views, err := s.store.Views(c.Request().Context(), principal(c).ID, brand)
	if err != nil {
		return nil, err
	}
	out := make([]ui.View, len(views))
	for i, v := range views {
		out[i] = ui.View{Name: v.Name, Query: v.Query}
	}
	return out, nil
}
