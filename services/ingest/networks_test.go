package ingest_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest"
)

var receivedAt = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metaSource() ingest.Source {
	return ingest.Source{ID: "fb-page", Brand: "cafe-lumiere", Network: "meta",
		Secrets: map[string]string{ingest.MetaAppSecret: "meta-app-secret", ingest.MetaVerifyToken: "verify-me"}}
}

func xSource() ingest.Source {
	return ingest.Source{ID: "x-main", Brand: "cafe-lumiere", Network: "x", Account: "2244994945",
		Secrets: map[string]string{ingest.XConsumerSecret: "x-consumer-secret"}}
}

func TestMeta(t *testing.T) {
	src := metaSource()
	body := readFile(t, "meta_page_feed.json")
	t.Run("verify_known_answer", func(t *testing.T) {
		// Computed independently with Python's hmac module.
		h := http.Header{}
		h.Set(ingest.MetaSignatureHeader, "sha256=09f5e0743ec83e33969df00971d157bf4bd5e48441762a7f9432ca449b8a9eff")
		if err := (ingest.Meta{}).Verify(h, body, src); err != nil {
			t.Fatal(err)
		}
		h.Set(ingest.MetaSignatureHeader, "sha256=19f5e0743ec83e33969df00971d157bf4bd5e48441762a7f9432ca449b8a9eff")
		if err := (ingest.Meta{}).Verify(h, body, src); err == nil {
			t.Fatal("altered signature accepted")
		}
		noSecret := src
		noSecret.Secrets = nil
		if err := (ingest.Meta{}).Verify(http.Header{ingest.MetaSignatureHeader: {ingest.Sign(nil, body)}}, body, noSecret); err == nil {
			t.Fatal("a source without app secret accepted a signature made with an empty key")
		}
	})
	t.Run("verification_request", func(t *testing.T) {
		cases := []struct {
			name string
			q    string
			ok   bool
		}{
			{"answers_the_challenge", "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", true},
			{"wrong_token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444", false},
			{"wrong_mode", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1", false},
			{"no_challenge", "hub.mode=subscribe&hub.verify_token=verify-me", false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				q, _ := url.ParseQuery(tc.q)
				b, _, err := (ingest.Meta{}).Challenge(q, src)
				if (err == nil) != tc.ok || tc.ok && string(b) != "1158201444" {
					t.Fatalf("Challenge = %q, %v", b, err)
				}
			})
		}
	})
	t.Run("page_feed_comments_and_replies", func(t *testing.T) {
		d, err := (ingest.Meta{}).Parse(body, src, receivedAt)
		if err != nil {
			t.Fatal(err)
		}
		// The page's own reply and the reaction are not interactions; the
		// malformed change and the one without id are skipped.
		if len(d.Items) != 2 || len(d.Skipped) != 2 {
			t.Fatalf("items %+v skipped %+v", d.Items, d.Skipped)
		}
		c, r := d.Items[0], d.Items[1]
		if c.ID != "facebook:444_555" || c.Kind != v1.KindComment || c.Author.DisplayName != "Lucie Martin" || c.Brand != "cafe-lumiere" ||
			c.Account != "1029384756" || !c.CreatedAt.Equal(time.Unix(1763889990, 0)) || c.Text != "Bonjour, livrez-vous en Belgique ?" {
			t.Fatalf("comment %+v", c)
		}
		if r.Kind != v1.KindReply || r.ParentID != "444_555" || r.ThreadID != "1029384756_444" {
			t.Fatalf("reply %+v", r)
		}
		if d.Skipped[0].Index != 4 || d.Skipped[1].Index != 5 {
			t.Fatalf("skipped %+v", d.Skipped)
		}
	})
	t.Run("instagram_comments_and_mentions", func(t *testing.T) {
		d, err := (ingest.Meta{}).Parse(readFile(t, "meta_instagram.json"), src, receivedAt)
		if err != nil || len(d.Items) != 2 {
			t.Fatalf("%+v %v", d, err)
		}
		if d.Items[0].ID != "instagram:17865799348089039" || d.Items[0].Author.Handle != "@marie.dupont" || d.Items[0].ThreadID != "123123" {
			t.Fatalf("comment %+v", d.Items[0])
		}
		if d.Items[1].Kind != v1.KindMention || d.Items[1].ThreadID != "999888" {
			t.Fatalf("mention %+v", d.Items[1])
		}
	})
	t.Run("malformed_delivery_names_the_problem", func(t *testing.T) {
		for _, tc := range []struct{ body, field string }{{`{"object":"page"`, "body"}, {`{"object":"whatsapp","entry":[]}`, "object"}} {
			_, err := (ingest.Meta{}).Parse([]byte(tc.body), src, receivedAt)
			he, ok := err.(*httpx.Error)
			if !ok || he.Field != tc.field {
				t.Fatalf("%s: %v", tc.body, err)
			}
		}
	})
}

func TestX(t *testing.T) {
	src := xSource()
	body := readFile(t, "x_activity.json")
	t.Run("crc_known_answer", func(t *testing.T) {
		// Computed independently with Python's hmac and base64 modules.
		if got := ingest.CRCResponse([]byte("x-consumer-secret"), "crc-token-123"); got != "sha256=YUsT0aLbF0VtFGcLCND1EU/aQP0sjPL19cPulVY7Wes=" {
			t.Fatalf("CRCResponse = %s", got)
		}
		b, ctype, err := (ingest.X{}).Challenge(url.Values{"crc_token": {"crc-token-123"}}, src)
		if err != nil || ctype != "application/json" || string(b) != `{"response_token":"sha256=YUsT0aLbF0VtFGcLCND1EU/aQP0sjPL19cPulVY7Wes="}` {
			t.Fatalf("Challenge = %s %s %v", b, ctype, err)
		}
		if _, _, err := (ingest.X{}).Challenge(url.Values{}, src); err == nil {
			t.Fatal("challenge without crc_token answered")
		}
	})
	t.Run("signature_known_answer", func(t *testing.T) {
		h := http.Header{}
		h.Set(ingest.XSignatureHeader, "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
		if err := (ingest.X{}).Verify(h, body, src); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "sha256=", "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvR=", "sha256=!!!"} {
			h.Set(ingest.XSignatureHeader, bad)
			if err := (ingest.X{}).Verify(h, body, src); err == nil {
				t.Fatalf("signature %q accepted", bad)
			}
		}
	})
	t.Run("mentions_replies_and_dms", func(t *testing.T) {
		d, err := (ingest.X{}).Parse(body, src, receivedAt)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Items) != 3 || len(d.Skipped) != 1 || !strings.Contains(d.Skipped[0].Reason, "created_at") {
			t.Fatalf("items %+v skipped %+v", d.Items, d.Skipped)
		}
		reply, mention, dm := d.Items[0], d.Items[1], d.Items[2]
		if reply.Kind != v1.KindReply || reply.ID != "x:1590000000000000001" || reply.Author.Handle != "@jeanne_d" || reply.Lang != "fr" {
			t.Fatalf("reply %+v", reply)
		}
		if mention.Kind != v1.KindMention || !strings.HasSuffix(mention.Text, "perfect for mornings.") || !mention.Author.Verified || mention.Author.Followers != 120000 {
			t.Fatalf("mention %+v", mention)
		}
		if dm.Kind != v1.KindDM || dm.ID != "x:dm-1591" || dm.Author.Handle != "@jeanne_d" || !dm.CreatedAt.Equal(time.UnixMilli(1763885700000)) {
			t.Fatalf("dm %+v", dm)
		}
	})
	t.Run("delivery_for_another_account_is_refused", func(t *testing.T) {
		_, err := (ingest.X{}).Parse([]byte(`{"for_user_id":"42"}`), src, receivedAt)
		if he, ok := err.(*httpx.Error); !ok || he.Field != "for_user_id" {
			t.Fatalf("err = %v", err)
		}
	})
}

func FuzzMetaParse(f *testing.F) {
	f.Add(readFile(f, "meta_page_feed.json"))
	f.Add(readFile(f, "meta_instagram.json"))
	f.Add([]byte(`{"object":"page","entry":[{"changes":[{"field":"feed","value":{}}]}]}`))
	fuzzParse(f, ingest.Meta{}, metaSource())
}

func FuzzXParse(f *testing.F) {
	f.Add(readFile(f, "x_activity.json"))
	f.Add([]byte(`{"for_user_id":"2244994945","tweet_create_events":[{}],"direct_message_events":[{"type":"message_create"}]}`))
	fuzzParse(f, ingest.X{}, xSource())
}

// fuzzParse checks that a parser never panics and only lets valid
// interactions of the source's brand through.
func fuzzParse(f *testing.F, wh ingest.Webhook, src ingest.Source) {
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := wh.Parse(body, src, receivedAt)
		if err != nil {
			if _, ok := err.(*httpx.Error); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range d.Items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
	})
}

func FuzzXVerify(f *testing.F) {
	f.Add([]byte("body"), "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		h := http.Header{}
		h.Set(ingest.XSignatureHeader, header)
		if (ingest.X{}).Verify(h, body, xSource()) == nil {
			// Only the true HMAC may pass; a forged one would be a finding.
			want := ingest.CRCResponse([]byte("x-consumer-secret"), string(body))
			if strings.TrimSpace(header) != want && "sha256="+strings.TrimSpace(header) != want {
				t.Fatalf("accepted forged signature %q", header)
			}
		}
	})
}
