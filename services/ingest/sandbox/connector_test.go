package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

func sandboxSource(url string) connector.Source {
	return connector.Source{ID: "sandbox-demo", Brand: "demo", Network: "sandbox", Account: "demo", Settings: map[string]string{sandbox.SettingURL: url}}
}

func TestConnector(t *testing.T) {
	s := newSandbox(t, nil)
	c := sandbox.NewConnector(http.DefaultClient)
	src := sandboxSource(s.srv.URL)
	ctx := context.Background()

	t.Run("maps_items_and_moves_the_cursor", func(t *testing.T) {
		generated := s.net.Generate(25)
		page, err := c.Poll(ctx, src, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 25 || page.More || page.Cursor != generated[24].ID {
			t.Fatalf("%d items, more %v, cursor %q", len(page.Items), page.More, page.Cursor)
		}
		for i, it := range generated {
			r := page.Items[i]
			if r.ID != "sandbox:"+it.ID || r.Network != "sandbox" || r.Source != v1.SourceSandbox || r.SourceID != "sandbox-demo" || r.Brand != "demo" ||
				r.Text != it.Text || r.Author.Handle != "@"+it.Author.Username || !r.CreatedAt.Equal(it.CreatedAt) || string(r.Kind) != string(it.Type) {
				t.Fatalf("item %+v\nread as %+v", it, r)
			}
		}
		next, err := c.Poll(ctx, src, page.Cursor)
		if err != nil || len(next.Items) != 0 || next.Cursor != page.Cursor {
			t.Fatalf("caught up: %+v %v", next, err)
		}
	})
	t.Run("skips_malformed_items_and_keeps_the_rest", func(t *testing.T) {
		start, _ := c.Poll(ctx, src, "")
		s.net.Generate(2)
		for _, b := range []string{`{"type":"comment","text":42}`, `{"type":"tweet","author":{"id":"u1"},"text":"?","created_at":"2026-11-23T09:00:00Z"}`} {
			if _, err := s.net.Inject(json.RawMessage(b)); err != nil {
				t.Fatal(err)
			}
		}
		after := s.net.Generate(1)
		page, err := c.Poll(ctx, src, start.Cursor)
		if err != nil || len(page.Items) != 3 || len(page.Skipped) != 2 || page.Cursor != after[0].ID {
			t.Fatalf("page %+v %v", page, err)
		}
	})
	faults := []struct {
		name  string
		fault sandbox.Fault
		check func(error) bool
	}{
		{"unauthorized_is_credentials_refused", sandbox.Fault{Mode: sandbox.FaultUnauthorized, Count: 1}, func(err error) bool { return errors.Is(err, connector.ErrUnauthorized) }},
		{"rate_limit_carries_the_wait", sandbox.Fault{Mode: sandbox.FaultRateLimited, Count: 1, RetryAfterSeconds: 7}, func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait == 7*time.Second
		}},
		{"server_error_is_an_error", sandbox.Fault{Mode: sandbox.FaultServerError, Count: 1, Status: 503}, func(err error) bool { return err != nil && !errors.Is(err, connector.ErrUnauthorized) }},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.net.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Poll(ctx, src, ""); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("validates_the_source", func(t *testing.T) {
		for _, bad := range []connector.Source{sandboxSource("ftp://x"), {Settings: map[string]string{sandbox.SettingURL: s.srv.URL}}} {
			if err := c.ValidateSource(bad); err == nil {
				t.Fatalf("accepted %+v", bad)
			}
		}
	})
}
