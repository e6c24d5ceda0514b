package gateway

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
)

// pathID is a path parameter that names an id of a network (mastodon:
// host/123, at:// URIs): clients URL-escape it, echo leaves it escaped.
func pathID(c echo.Context, name string) (string, error) {
	id, err := url.PathUnescape(c.Param(name))
	if err != nil || id == "" {
		return "", httpx.BadRequest(name, "must be a URL-escaped id")
	}
	return id, nil
}
