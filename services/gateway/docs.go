package gateway

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// The OpenAPI document is written by hand; TestOpenAPI holds it to the
// route table (every route documented, nothing documented that is not a
// route, each permission as the table says).
//
//go:embed assets/openapi.yaml assets/welcome.html
var assets embed.FS

// Spec is the part of the OpenAPI document the docs page shows.
type Spec struct {
	Info struct {
		Title       string `yaml:"title"`
		Version     string `yaml:"version"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Paths map[string]map[string]Operation `yaml:"paths"`
}

// Operation is one method of one path.
type Operation struct {
	OperationID string `yaml:"operationId"`
	Summary     string `yaml:"summary"`
	Tags        []string
	Permission  string `yaml:"x-ruche-permission"`
	Parameters  []struct {
		Name string `yaml:"name"`
		In   string `yaml:"in"`
		Ref  string `yaml:"$ref"`
	} `yaml:"parameters"`
}

// OpenAPI returns the embedded OpenAPI 3.1 document.
func OpenAPI() []byte {
	b, _ := assets.ReadFile("assets/openapi.yaml")
	return b
}

// ParseSpec reads the OpenAPI document.
func ParseSpec(b []byte) (Spec, error) {
	var s Spec
	if err := yaml.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("openapi.yaml: %w", err)
	}
	return s, nil
}

type docsOp struct {
	Method, Path string
	Operation
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2rem;text-transform:capitalize}
.op{margin:.6rem 0;padding:.5rem .7rem;border:1px solid #e4e4e4;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#0b6}.POST{color:#06c}.PUT{color:#a60}.DELETE{color:#c22}
code{background:#f4f4f4;padding:0 .2rem}.perm{float:right;font-size:.85rem;color:#555}
pre{white-space:pre-wrap;background:#f8f8f8;padding:.8rem}
</style></head><body>
<h1>{{.Title}} <small>v{{.Version}}</small></h1>
<pre>{{.Description}}</pre>
<p>Machine-readable: <a href="/openapi.yaml">/openapi.yaml</a> (OpenAPI 3.1).</p>
{{range .Groups}}<h2>{{.Tag}}</h2>
{{range .Ops}}<div class="op"><span class="m {{.Method}}">{{.Method}}</span><code>{{.Path}}</code>
<span class="perm">{{.Permission}}</span><div>{{.Summary}}</div>
{{with .Parameters}}<div><small>parameters: {{range .}}{{if .Ref}}brand (query) {{else}}{{.Name}} ({{.In}}) {{end}}{{end}}</small></div>{{end}}
</div>{{end}}{{end}}
</body></html>`))

type docsGroup struct {
	Tag string
	Ops []docsOp
}

// renderDocs renders the reference page from the document, so the page
// and the document cannot disagree.
func renderDocs(spec Spec) ([]byte, error) {
	byTag := map[string][]docsOp{}
	for path, methods := range spec.Paths {
		for m, op := range methods {
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], docsOp{Method: strings.ToUpper(m), Path: path, Operation: op})
		}
	}
	var groups []docsGroup
	for tag, ops := range byTag {
		slices.SortFunc(ops, func(a, b docsOp) int {
			return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
		})
		groups = append(groups, docsGroup{tag, ops})
	}
	slices.SortFunc(groups, func(a, b docsGroup) int { return strings.Compare(a.Tag, b.Tag) })
	var buf bytes.Buffer
	err := docsPage.Execute(&buf, map[string]any{"Title": spec.Info.Title, "Version": spec.Info.Version,
		"Description": spec.Info.Description, "Groups": groups})
	return buf.Bytes(), err
}

// docsRoutes serve the document, its page and the welcome page.
func (s *Service) docsRoutes(e *echo.Echo) error {
	spec, err := ParseSpec(OpenAPI())
	if err != nil {
		return err
	}
	page, err := renderDocs(spec)
	if err != nil {
		return err
	}
	welcome, _ := assets.ReadFile("assets/welcome.html")
	e.GET("/openapi.yaml", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/yaml", OpenAPI()) })
	e.GET("/docs", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, page) })
	e.GET("/welcome", func(c echo.Context) error {
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		return c.HTMLBlob(http.StatusOK, welcome)
	})
	return nil
}
