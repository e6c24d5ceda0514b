package gateway_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/gateway"
)

// TestUIInboxEventsEndWithAccess: the live stream is one long request,
// authorised when it opened; a member whose role is taken away, or who
// signs out, stops receiving the brand's arrivals at the next heartbeat.
func TestUIInboxEventsEndWithAccess(t *testing.T) {
	for _, tc := range []struct {
		name   string
		revoke func(g *testGateway, who caller, id string)
	}{
		{"role_removed", func(g *testGateway, _ caller, id string) {
			g.must(caller{key: ownerKeyA}, "DELETE", "/api/v1/users/"+id+"/role?brand=a", ``, 204)
		}},
		{"signed_out", func(g *testGateway, who caller, _ string) {
			g.must(who, "POST", "/api/v1/auth/logout", ``, 204)
		}},
		{"signed_out_everywhere", func(g *testGateway, _ caller, id string) {
			g.must(caller{key: ownerKeyA}, "DELETE", "/api/v1/users/"+id+"/sessions?brand=a", ``, 204)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGateway(t)
			gateway.SetEventsHeartbeat(g.gw, 50*time.Millisecond)
			_, id := g.join("a", "moderator", "camille@a.example")
			r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
			who := caller{session: r.cookies[gateway.SessionCookie].Value, csrf: r.cookies[gateway.CSRFCookie].Value}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			lines := g.events(ctx, t, r.cookies[gateway.SessionCookie])
			pings := 0
			for pings < 2 && lines.Scan() { // the stream lives past heartbeats
				if lines.Text() == ": ping" {
					pings++
				}
			}
			if pings < 2 {
				t.Fatalf("the stream ended before any revocation: %v", lines.Err())
			}
			tc.revoke(g, who, id)
			for lines.Scan() {
			}
			if ctx.Err() != nil {
				t.Fatal("the stream outlived the access it was opened with")
			}
		})
	}
}

// events opens the brand a's inbox event stream as a browser with cookie
// and answers its lines, once it is open (200, text/event-stream).
func (g *testGateway) events(ctx context.Context, t *testing.T, cookie *http.Cookie) *bufio.Scanner {
	t.Helper()
	srv := httptest.NewServer(g.gw.Handler())
	t.Cleanup(srv.Close)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/inbox/events?brand=a", nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %v", resp.StatusCode, resp.Header)
	}
	return bufio.NewScanner(resp.Body)
}
