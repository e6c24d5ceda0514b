package meta_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/meta"
)

func metaSource() connector.Source {
	return connector.Source{ID: "fb-page", Brand: "cafe-lumiere", Network: "meta",
		Secrets: map[string]string{meta.AppSecret: "meta-app-secret", meta.VerifyToken: "verify-me"}}
}

func TestMeta(t *testing.T) {
	src := metaSource()
	body := ingesttest.ReadFile(t, "meta_page_feed.json")
	t.Run("verify_known_answer", func(t *testing.T) {
		// Computed independently with Python's hmac module.
		h := http.Header{}
		h.Set(meta.SignatureHeader, "sha256=09f5e0743ec83e33969df00971d157bf4bd5e48441762a7f9432ca449b8a9eff")
		if err := (meta.Webhook{}).Verify(h, body, src); err != nil {
			t.Fatal(err)
		}
		h.Set(meta.SignatureHeader, "sha256=19f5e0743ec83e33969df00971d157bf4bd5e48441762a7f9432ca449b8a9eff")
		if err := (meta.Webhook{}).Verify(h, body, src); err == nil {
			t.Fatal("altered signature accepted")
		}
		noSecret := src
		noSecret.Secrets = nil
		if err := (meta.Webhook{}).Verify(http.Header{meta.SignatureHeader: {connector.Sign(nil, body)}}, body, noSecret); err == nil {
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
				b, _, err := (meta.Webhook{}).Challenge(q, src)
				if (err == nil) != tc.ok || tc.ok && string(b) != "1158201444" {
					t.Fatalf("Challenge = %q, %v", b, err)
				}
			})
		}
	})
	t.Run("page_feed_comments_and_replies", func(t *testing.T) {
		d, err := (meta.Webhook{}).Parse(body, src, ingesttest.ReceivedAt)
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
		d, err := (meta.Webhook{}).Parse(ingesttest.ReadFile(t, "meta_instagram.json"), src, ingesttest.ReceivedAt)
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
			_, err := (meta.Webhook{}).Parse([]byte(tc.body), src, ingesttest.ReceivedAt)
			he, ok := err.(*httpx.Error)
			if !ok || he.Field != tc.field {
				t.Fatalf("%s: %v", tc.body, err)
			}
		}
	})
}

func FuzzMetaParse(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "meta_page_feed.json"))
	f.Add(ingesttest.ReadFile(f, "meta_instagram.json"))
	f.Add([]byte(`{"object":"page","entry":[{"changes":[{"field":"feed","value":{}}]}]}`))
	ingesttest.FuzzWebhook(f, meta.Webhook{}, metaSource())
}

// TestMetaEditsAndRemovals: an "edited" Page comment is the comment and an
// edit of it, a "remove" a deletion (Graph API webhooks, feed field).
func TestMetaEditsAndRemovals(t *testing.T) {
	body := []byte(`{"object":"page","entry":[{"id":"1029384756","time":1763890100,"changes":[
{"field":"feed","value":{"item":"comment","verb":"edited","comment_id":"444_555","post_id":"1029384756_444","message":"Livrez-vous en Suisse ?","created_time":1763889990,"from":{"id":"77","name":"Lucie Martin"}}},
{"field":"feed","value":{"item":"comment","verb":"remove","comment_id":"444_556","post_id":"1029384756_444","created_time":1763889995,"from":{"id":"78"}}},
{"field":"feed","value":{"item":"comment","verb":"remove","post_id":"1029384756_444","from":{"id":"79"}}}]}]}`)
	d, err := (meta.Webhook{}).Parse(body, metaSource(), ingesttest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Items) != 1 || len(d.Updates) != 1 || len(d.Deletions) != 1 || len(d.Skipped) != 1 || d.Skipped[0].Index != 2 {
		t.Fatalf("delivery %+v", d)
	}
	u := d.Updates[0]
	if u.InteractionID != "facebook:444_555" || u.Text != "Livrez-vous en Suisse ?" || u.ID != v1.UpdatedID(u.InteractionID, u.Text) ||
		!u.EditedAt.Equal(time.Unix(1763890100, 0)) || u.Validate() != nil || d.Items[0].ID != u.InteractionID {
		t.Fatalf("edit %+v", u)
	}
	if del := d.Deletions[0]; del.InteractionID != "facebook:444_556" || del.ID != "deleted:facebook:444_556" || del.Brand != "cafe-lumiere" {
		t.Fatalf("deletion %+v", del)
	}
}
