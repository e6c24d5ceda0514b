package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
	"golang.org/x/net/html"
)

// HostOf is the host of a server's base URL (the whole string when it is
// not a URL).
func HostOf(server string) string {
	if u, err := url.Parse(server); err == nil {
		return u.Host
	}
	return server
}

// HTMLText turns HTML (a status, a feed entry) into plain text: paragraphs and <br> become
// new lines, entities are decoded, tags dropped.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); string(name) == "br" {
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "p" {
				b.WriteString("\n\n")
			}
		}
	}
}

// TruncateUTF8 cuts s to at most n bytes on a rune boundary, with an
// ellipsis when it cut.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// DescribeJSONError turns a decoding error of a delivery into a 400 that
// names the field and says what was expected in JSON terms.
func DescribeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return httpx.BadRequest("body", "malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		if te.Field == "" {
			return httpx.BadRequest("body", "must be a JSON %s, got %s", rpc.JSONKind(te.Type), te.Value)
		}
		return httpx.BadRequest(te.Field, "must be a JSON %s, got %s", rpc.JSONKind(te.Type), te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return httpx.BadRequest("body", "empty or truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return httpx.BadRequest(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	}
	return httpx.BadRequest("body", "%v", err)
}

// ParseUnixMillis parses a millisecond timestamp string.
func ParseUnixMillis(s string) (time.Time, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, err)
	}
	return time.UnixMilli(ms).UTC(), nil
}
