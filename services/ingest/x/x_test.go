package x_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/x"
)

func xSource() connector.Source {
	return connector.Source{ID: "x-main", Brand: "cafe-lumiere", Network: "x", Account: "2244994945",
		Secrets: map[string]string{x.ConsumerSecret: "x-consumer-secret"}}
}

func TestX(t *testing.T) {
	src := xSource()
	body := ingesttest.ReadFile(t, "x_activity.json")
	t.Run("crc_known_answer", func(t *testing.T) {
		// Computed independently with Python's hmac and base64 modules.
		if got := x.CRCResponse([]byte("x-consumer-secret"), "crc-token-123"); got != "sha256=YUsT0aLbF0VtFGcLCND1EU/aQP0sjPL19cPulVY7Wes=" {
			t.Fatalf("CRCResponse = %s", got)
		}
		b, ctype, err := (x.Webhook{}).Challenge(url.Values{"crc_token": {"crc-token-123"}}, src)
		if err != nil || ctype != "application/json" || string(b) != `{"response_token":"sha256=YUsT0aLbF0VtFGcLCND1EU/aQP0sjPL19cPulVY7Wes="}` {
			t.Fatalf("Challenge = %s %s %v", b, ctype, err)
		}
		if _, _, err := (x.Webhook{}).Challenge(url.Values{}, src); err == nil {
			t.Fatal("challenge without crc_token answered")
		}
	})
	t.Run("signature_known_answer", func(t *testing.T) {
		h := http.Header{}
		h.Set(x.SignatureHeader, "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
		if err := (x.Webhook{}).Verify(h, body, src); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "sha256=", "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvR=", "sha256=!!!"} {
			h.Set(x.SignatureHeader, bad)
			if err := (x.Webhook{}).Verify(h, body, src); err == nil {
				t.Fatalf("signature %q accepted", bad)
			}
		}
	})
	t.Run("mentions_replies_and_dms", func(t *testing.T) {
		d, err := (x.Webhook{}).Parse(body, src, ingesttest.ReceivedAt)
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
		_, err := (x.Webhook{}).Parse([]byte(`{"for_user_id":"42"}`), src, ingesttest.ReceivedAt)
		if he, ok := err.(*httpx.Error); !ok || he.Field != "for_user_id" {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestXKinds: the same case gets the same kind as on Bluesky and Mastodon.
func TestXKinds(t *testing.T) {
	tweet := func(extra string) string {
		return `{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1900","text":"@cafe regardez","created_at":"Mon Nov 23 08:00:00 +0000 2026",
		  "user":{"id_str":"42","screen_name":"lea"}` + extra + `}]}`
	}
	cases := []struct {
		name, extra string
		kind        v1.Kind
		parent      string
	}{
		{"reply_to_the_brand_that_mentions_it_is_a_reply", `,"in_reply_to_status_id_str":"1800","in_reply_to_user_id_str":"2244994945"`, v1.KindReply, "1800"},
		{"quote_of_the_brands_tweet_is_a_quote", `,"is_quote_status":true,"quoted_status_id_str":"1700","quoted_status":{"id_str":"1700","user":{"id_str":"2244994945"}}`, v1.KindQuote, "1700"},
		{"quote_of_another_tweet_is_a_mention", `,"is_quote_status":true,"quoted_status_id_str":"1600","quoted_status":{"id_str":"1600","user":{"id_str":"7"}}`, v1.KindMention, ""},
		{"plain_mention_is_a_mention", ``, v1.KindMention, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := (x.Webhook{}).Parse([]byte(tweet(tc.extra)), xSource(), ingesttest.ReceivedAt)
			if err != nil || len(d.Items) != 1 {
				t.Fatalf("%+v %v", d, err)
			}
			if r := d.Items[0]; r.Kind != tc.kind || r.ParentID != tc.parent {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

// TestXEditsAndDeletions: an edited tweet (a new tweet whose edit_history
// starts at the tweet edited) is that interaction and an edit of its text;
// tweet_delete_events are deletions, the brand's own tweets left out.
func TestXEditsAndDeletions(t *testing.T) {
	body := `{"for_user_id":"2244994945",
	  "tweet_create_events":[{"id_str":"1902","text":"@cafe ma commande est arrivée, merci","created_at":"Mon Nov 23 08:05:00 +0000 2026","lang":"fr",
	    "in_reply_to_status_id_str":"1800","in_reply_to_user_id_str":"2244994945","user":{"id_str":"42","screen_name":"lea"},
	    "edit_history":{"initial_tweet_id":"1900","edit_tweet_ids":["1900","1902"]}},
	   {"id_str":"1903","text":"@cafe pas modifié","created_at":"Mon Nov 23 08:06:00 +0000 2026","user":{"id_str":"42","screen_name":"lea"},
	    "edit_history":{"initial_tweet_id":"1903","edit_tweet_ids":["1903"]}}],
	  "tweet_delete_events":[{"status":{"id":"1901","user_id":"42"},"timestamp_ms":"1795420800000"},
	   {"status":{"id":"1799","user_id":"2244994945"},"timestamp_ms":"1795420800000"},
	   {"status":{"id":"1904","user_id":"42"},"timestamp_ms":"hier"},
	   {"status":{"user_id":"42"}}]}`
	d, err := (x.Webhook{}).Parse([]byte(body), xSource(), ingesttest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Items) != 2 || len(d.Updates) != 1 || len(d.Deletions) != 1 || len(d.Skipped) != 2 {
		t.Fatalf("items %+v updates %+v deletions %+v skipped %+v", d.Items, d.Updates, d.Deletions, d.Skipped)
	}
	t.Run("an_edit_is_the_interaction_edited_and_its_new_text", func(t *testing.T) {
		r, u := d.Items[0], d.Updates[0]
		if r.ID != "x:1900" || r.Kind != v1.KindReply || r.Text != "@cafe ma commande est arrivée, merci" {
			t.Fatalf("item %+v", r)
		}
		if u.InteractionID != "x:1900" || u.ID != v1.UpdatedID("x:1900", r.Text) || u.Text != r.Text || u.Lang != "fr" ||
			!u.EditedAt.Equal(time.Date(2026, 11, 23, 8, 5, 0, 0, time.UTC)) || u.Source != v1.SourceWebhook || u.Validate() != nil {
			t.Fatalf("update %+v", u)
		}
		if d.Items[1].ID != "x:1903" {
			t.Fatalf("a tweet never edited is itself: %+v", d.Items[1])
		}
	})
	t.Run("a_deleted_tweet_is_a_deletion", func(t *testing.T) {
		del := d.Deletions[0]
		if del.InteractionID != "x:1901" || del.ID != "deleted:x:1901" || !del.DeletedAt.Equal(time.UnixMilli(1795420800000)) ||
			del.Brand != "cafe-lumiere" || del.Validate() != nil {
			t.Fatalf("deletion %+v", del)
		}
		for _, sk := range d.Skipped {
			if !strings.Contains(sk.Reason, "tweet_delete_events") {
				t.Fatalf("skipped %+v", sk)
			}
		}
	})
}

func FuzzXParse(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "x_activity.json"))
	f.Add([]byte(`{"for_user_id":"2244994945","tweet_create_events":[{}],"direct_message_events":[{"type":"message_create"}]}`))
	f.Add([]byte(`{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"2","text":"x","created_at":"Mon Nov 23 08:05:00 +0000 2026","user":{"id_str":"4"},"edit_history":{"initial_tweet_id":"1"}}],"tweet_delete_events":[{"status":{"id":"1"},"timestamp_ms":"1"}]}`))
	ingesttest.FuzzWebhook(f, x.Webhook{}, xSource())
}

func FuzzXVerify(f *testing.F) {
	f.Add([]byte("body"), "sha256=xazVD0CXhSYfdXvqi1FE/Ph6ArkjYpprcM1w75RDhvQ=")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		h := http.Header{}
		h.Set(x.SignatureHeader, header)
		if (x.Webhook{}).Verify(h, body, xSource()) == nil {
			// Only the true HMAC may pass; a forged one would be a finding.
			want := x.CRCResponse([]byte("x-consumer-secret"), string(body))
			if strings.TrimSpace(header) != want && "sha256="+strings.TrimSpace(header) != want {
				t.Fatalf("accepted forged signature %q", header)
			}
		}
	})
}
