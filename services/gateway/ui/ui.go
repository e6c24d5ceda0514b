// Package ui is the web workspace's presentation: templ components (one
// *.templ file per screen, generated *_templ.go beside it), the French and
// English strings, and the static assets embedded in the binary. The
// handlers live in package gateway (ui_*.go), behind the same guard as the
// API; they build the view models declared here and render them.
//
// Regenerate after editing a .templ file: make ui-generate.
package ui

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"time"
)

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.1118 generate

// static holds the CSS, the hand-written JS and the vendored htmx
// (web/vendor.sh copies it from npm).
//
//go:embed static
var static embed.FS

// Static is the asset tree served under /assets/.
func Static() fs.FS {
	sub, _ := fs.Sub(static, "static")
	return sub
}

// versions are the assets' content hashes: pages link /assets/<name>?v=<hash>,
// so an asset can be cached for a year and a new build is fetched at once.
var versions = func() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(Static(), path)
		h := sha256.Sum256(b)
		out[path] = hex.EncodeToString(h[:6])
		return nil
	})
	return out
}()

// Asset is the URL of a static asset with its version.
func Asset(name string) string { return "/assets/" + name + "?v=" + versions[name] }

// Page is what the layout needs of every page.
type Page struct {
	Title string
	// Nav is the active entry of the navigation ("inbox", "drafts"...).
	Nav   string
	Brand string
	// Brands the viewer has a role on, for the brand switcher.
	Brands []string
	// User is the signed-in user's display name ("" on the sign-in page).
	User  string
	Theme string
	// Path is the request's path and query, for the language switch's return.
	Path string
}

type ctxKey int

const (
	langKey ctxKey = iota
	nowKey
)

// WithLang returns ctx carrying the page's language ("fr" or "en").
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey, lang)
}

// Lang is the language ctx carries (English by default).
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return "en"
}

// WithNow returns ctx carrying the rendering clock (relative times, SLA
// countdowns).
func WithNow(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, nowKey, now)
}

func now(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey).(time.Time); ok {
		return t
	}
	return time.Now()
}
