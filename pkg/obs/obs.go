// Package obs is Ruche's observability plumbing: the slog logger (JSON or
// text, with the correlation id and brand of the context on every line) and
// the context keys that carry them from an HTTP request into message
// metadata and back.
package obs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

// LogConfig configures the process logger (section "log").
type LogConfig struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// RegisterFlags registers the logger's flags under prefix (e.g. "log.").
func (c *LogConfig) RegisterFlags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.Level, prefix+"level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.Format, prefix+"format", "json", "log format: json or text")
}

// Validate checks the level and the format.
func (c *LogConfig) Validate() error {
	if _, err := parseLevel(c.Level); err != nil {
		return err
	}
	if c.Format != "json" && c.Format != "text" {
		return fmt.Errorf("log.format must be json or text, got %q", c.Format)
	}
	return nil
}

// NewLogger builds the process logger writing to w.
func NewLogger(c LogConfig, w io.Writer) (*slog.Logger, error) {
	lvl, err := parseLevel(c.Level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if c.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{h}), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("log.level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

type ctxKey int

const (
	correlationKey ctxKey = iota
	brandKey
)

// WithCorrelationID returns a context carrying the correlation id.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey, id)
}

// CorrelationID returns the context's correlation id, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey).(string)
	return id
}

// WithBrand returns a context carrying the brand being worked on, for logs.
func WithBrand(ctx context.Context, brand string) context.Context {
	return context.WithValue(ctx, brandKey, brand)
}

// contextHandler adds correlation_id and brand from the context to every
// record logged with a context.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := CorrelationID(ctx); id != "" {
		r.AddAttrs(slog.String("correlation_id", id))
	}
	if b, _ := ctx.Value(brandKey).(string); b != "" {
		r.AddAttrs(slog.String("brand", b))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
