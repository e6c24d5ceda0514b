package generic_test

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

func TestVerifySignature(t *testing.T) {
	// Known answer: the example of GitHub's webhook documentation.
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := connector.Sign(secret, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	cases := []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"valid", want, body, true},
		{"valid_bare_hex", strings.TrimPrefix(want, "sha256="), body, true},
		{"missing", "", body, false},
		{"not_hex", "sha256=zz", body, false},
		{"truncated", want[:len(want)-2], body, false},
		{"other_body", want, []byte("Hello, World?"), false},
		{"body_with_trailing_newline", want, []byte("Hello, World!\n"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := connector.VerifySignature(secret, tc.body, tc.header); got != tc.ok {
				t.Fatalf("VerifySignature = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestParseGenericSpeaksJSON(t *testing.T) {
	src := connector.Source{ID: "site", Brand: "demo", Network: "generic"}
	cases := []struct {
		name, body, field, want string
	}{
		{"array_body", `[{"id":"1"}]`, "body", "must be a JSON object, got array"},
		{"string_author", `{"id":"1","author":"léa"}`, "author", "must be a JSON object, got string"},
		{"number_text", `{"id":"1","author":{"id":"a"},"text":12}`, "text", "must be a JSON string, got number"},
		{"number_created_at", `{"id":"1","author":{"id":"a"},"created_at":1732350000}`, "created_at", "must be a JSON string, got number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := generic.ParseItem([]byte(tc.body), src, ingesttest.ReceivedAt)
			he, ok := err.(*httpx.Error)
			if !ok || he.Field != tc.field || he.Message != tc.want {
				t.Fatalf("err = %#v, want %q on %q", err, tc.want, tc.field)
			}
		})
	}
}

func TestParseGeneric(t *testing.T) {
	src := connector.Source{ID: "site", Brand: "demo", Network: "generic"}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	t.Run("maps_every_field", func(t *testing.T) {
		r, err := generic.ParseItem([]byte(`{"id":"c-1","network":"forum","kind":"reply","thread_id":"t","parent_id":"p",
			"author":{"id":"u1","handle":"@léa","followers":12},"text":"Très bon produit","lang":"fr","created_at":"2026-11-22T08:00:00+01:00"}`), src, now)
		if err != nil {
			t.Fatal(err)
		}
		want := v1.Received{ID: "forum:c-1", Brand: "demo", Network: "forum", Kind: v1.KindReply, PlatformID: "c-1", ThreadID: "t", ParentID: "p",
			Author: v1.Author{ID: "u1", Handle: "@léa", Followers: 12}, Text: "Très bon produit", Lang: "fr",
			CreatedAt: time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC), ReceivedAt: now, Source: v1.SourceWebhook, SourceID: "site"}
		if r.ID != want.ID || r.Author != want.Author || !r.CreatedAt.Equal(want.CreatedAt) || r.Kind != want.Kind || r.SourceID != "site" || r.Brand != "demo" {
			t.Fatalf("got %+v\nwant %+v", r, want)
		}
	})
	cases := []struct {
		name, body, field string
	}{
		{"not_json", `{"id":`, "body"},
		{"missing_created_at", `{"id":"1","author":{"id":"a"},"text":"x"}`, "created_at"},
		{"empty", ``, "body"},
		{"unknown_field", `{"id":"1","author":{"id":"a"},"txt":"x","created_at":"2026-11-23T08:00:00Z"}`, "txt"},
		{"wrong_type", `{"id":1,"author":{"id":"a"}}`, "id"},
		{"missing_id", `{"author":{"id":"a"},"text":"x","created_at":"2026-11-23T08:00:00Z"}`, "id"},
		{"missing_author", `{"id":"1","text":"x","created_at":"2026-11-23T08:00:00Z"}`, "author.id"},
		{"bad_kind", `{"id":"1","kind":"tweet","author":{"id":"a"},"created_at":"2026-11-23T08:00:00Z"}`, "kind"},
		{"two_objects", `{"id":"1","author":{"id":"a"}} {}`, "body"},
		{"bad_date", `{"id":"1","author":{"id":"a"},"created_at":"yesterday"}`, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := generic.ParseItem([]byte(tc.body), src, now)
			he, ok := err.(*httpx.Error)
			if !ok || he.Status != 400 || he.Field != tc.field {
				t.Fatalf("err = %#v, want a 400 naming %q", err, tc.field)
			}
		})
	}
}

func FuzzParseGeneric(f *testing.F) {
	f.Add([]byte(`{"id":"1","author":{"id":"a"},"text":"Bonjour","created_at":"2026-11-23T08:00:00Z"}`))
	f.Add([]byte(`{"id":"1","network":"x","kind":"dm","author":{"id":"a","followers":-1},"created_at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`[]`))
	src := connector.Source{ID: "s", Brand: "demo"}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := generic.ParseItem(body, src, time.Unix(0, 0))
		if err == nil {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("accepted an invalid interaction: %v", verr)
			}
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte("k"), []byte("body"), 3)
	f.Fuzz(func(t *testing.T, secret, body []byte, flip int) {
		good := connector.Sign(secret, body)
		if !connector.VerifySignature(secret, body, good) {
			t.Fatal("own signature rejected")
		}
		bad := []byte(good)
		i := len("sha256=") + (flip%64+64)%64
		bad[i] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", bad[i])+1)%16]
		if connector.VerifySignature(secret, body, string(bad)) {
			t.Fatalf("altered signature %s accepted", bad)
		}
	})
}

func TestParseGenericEditsAndDeletions(t *testing.T) {
	src := connector.Source{ID: "site", Brand: "demo", Network: "generic"}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	t.Run("edited_at_makes_an_edit", func(t *testing.T) {
		d, err := generic.ParseDelivery([]byte(`{"id":"c-1","text":"Nouveau texte","lang":"fr","edited_at":"2026-11-23T09:00:00Z"}`), src, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Items) != 0 || len(d.Deletions) != 0 || len(d.Updates) != 1 {
			t.Fatalf("got %+v", d)
		}
		u := d.Updates[0]
		if u.InteractionID != "generic:c-1" || u.ID != v1.UpdatedID("generic:c-1", "Nouveau texte") || u.Text != "Nouveau texte" ||
			!u.EditedAt.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) || !u.ReceivedAt.Equal(now) || u.SourceID != "site" || u.Brand != "demo" {
			t.Fatalf("got %+v", u)
		}
	})
	t.Run("action_edited_without_edited_at_is_now", func(t *testing.T) {
		d, err := generic.ParseDelivery([]byte(`{"id":"c-1","network":"forum","action":"edited","text":"v2"}`), src, now)
		if err != nil || len(d.Updates) != 1 || !d.Updates[0].EditedAt.Equal(now) || d.Updates[0].InteractionID != "forum:c-1" {
			t.Fatalf("got %+v, %v", d, err)
		}
	})
	t.Run("action_deleted", func(t *testing.T) {
		d, err := generic.ParseDelivery([]byte(`{"id":"c-1","action":"deleted","reason":"author"}`), src, now)
		if err != nil || len(d.Deletions) != 1 || len(d.Items) != 0 {
			t.Fatalf("got %+v, %v", d, err)
		}
		if del := d.Deletions[0]; del.ID != "deleted:generic:c-1" || del.Reason != "author" || !del.DeletedAt.Equal(now) {
			t.Fatalf("got %+v", del)
		}
	})
	cases := []struct{ name, body, field string }{
		{"unknown_action", `{"id":"1","action":"moved","author":{"id":"a"},"created_at":"2026-11-23T08:00:00Z"}`, "action"},
		{"edit_without_id", `{"action":"edited","text":"x"}`, "id"},
		{"delete_without_id", `{"action":"deleted"}`, "id"},
		{"edit_too_long", `{"id":"1","action":"edited","text":"` + strings.Repeat("a", v1.MaxTextBytes+1) + `"}`, "text"},
		{"edit_bad_edited_at", `{"id":"1","text":"x","edited_at":"hier"}`, "body"},
		{"edited_at_not_a_string", `{"id":"1","text":"x","edited_at":5}`, "edited_at"},
		{"deleted_at_not_a_string", `{"id":"1","action":"deleted","deleted_at":{}}`, "deleted_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := generic.ParseDelivery([]byte(tc.body), src, now)
			he, ok := err.(*httpx.Error)
			if !ok || he.Status != 400 || he.Field != tc.field {
				t.Fatalf("err = %#v, want a 400 naming %q", err, tc.field)
			}
		})
	}
}
