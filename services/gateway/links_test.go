package gateway_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestShortLinks(t *testing.T) {
	gw, si := newAnalyticsGateway(t, map[string]func(json.RawMessage) (any, string){
		query.OpenLink.Subject(): func(raw json.RawMessage) (any, string) {
			var r query.OpenLinkRequest
			_ = json.Unmarshal(raw, &r)
			if r.Code != "Xq3kP9wLm2RtV7bN" {
				return "no short link", "404"
			}
			return query.OpenLinkResponse{Target: "https://cafe.example/menu?utm_source=sandbox", Counted: !r.Bot}, ""
		},
	})
	click := func(path string, headers map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "203.0.113.7:51000"
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		gw.Handler().ServeHTTP(rec, req) // no credentials: a public route
		return rec
	}
	browser := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
	rec := click("/l/Xq3kP9wLm2RtV7bN", map[string]string{"User-Agent": browser})
	if rec.Code != 302 || rec.Header().Get("Location") != "https://cafe.example/menu?utm_source=sandbox" || rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	var got query.OpenLinkRequest
	si.last(t, query.OpenLink.Subject(), &got)
	if got.Bot || got.Address != "203.0.113.7" {
		t.Fatalf("a person's click: %+v", got)
	}
	for name, h := range map[string]map[string]string{
		"crawler":           {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
		"link_preview":      {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
		"mastodon_card":     {"User-Agent": "http.rb/5.1.1 (Mastodon/4.3.2; +https://piaille.fr/) Bot"},
		"no_user_agent":     {},
		"chrome_prefetch":   {"User-Agent": browser, "Sec-Purpose": "prefetch;prerender"},
		"safari_preview":    {"User-Agent": browser, "X-Purpose": "preview"},
		"library":           {"User-Agent": "python-requests/2.32.3"},
		"firefox_prefetch_": {"User-Agent": browser, "X-Moz": "prefetch"},
	} {
		t.Run(name, func(t *testing.T) {
			if rec := click("/l/Xq3kP9wLm2RtV7bN", h); rec.Code != 302 {
				t.Fatalf("%d", rec.Code)
			}
			si.last(t, query.OpenLink.Subject(), &got)
			if !got.Bot {
				t.Fatalf("%v counted as a visitor", h)
			}
		})
	}
	if rec := click("/l/unknown", map[string]string{"User-Agent": browser}); rec.Code != 404 || rec.Header().Get("Location") != "" {
		t.Fatalf("an unknown code: %d %v", rec.Code, rec.Header())
	}
}
