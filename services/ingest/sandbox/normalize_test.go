package sandbox_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

func TestNormalize(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	good := `{"id":"42","type":"reply","account":"demo","thread_id":"7","in_reply_to_id":"9",
		"author":{"id":"u1","username":"lea.roux","display_name":"Léa Roux","followers_count":1200,"verified":true,"created_at":"2019-01-01T00:00:00Z"},
		"text":"Même problème ici","lang":"fr","url":"http://sandbox/@lea.roux/42","created_at":"2026-11-23T09:59:58+01:00","hidden":false,
		"ground_truth":{"category":"complaint"},"some_new_field":true}`
	t.Run("maps_every_field", func(t *testing.T) {
		r, err := sandbox.Normalize(json.RawMessage(good), "demo", "sandbox-demo", now)
		if err != nil {
			t.Fatal(err)
		}
		want := v1.Received{
			ID: "sandbox:42", Brand: "demo", Network: "sandbox", Account: "demo", Kind: v1.KindReply, PlatformID: "42",
			ThreadID: "7", ParentID: "9", Author: v1.Author{ID: "u1", Handle: "@lea.roux", DisplayName: "Léa Roux", Followers: 1200, Verified: true},
			Text: "Même problème ici", Lang: "fr", URL: "http://sandbox/@lea.roux/42", CreatedAt: time.Date(2026, 11, 23, 8, 59, 58, 0, time.UTC),
			ReceivedAt: now, Source: v1.SourceSandbox, SourceID: "sandbox-demo",
		}
		if r.Author.CreatedAt == nil || !r.Author.CreatedAt.Equal(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("author created_at %v", r.Author.CreatedAt)
		}
		r.Author.CreatedAt = nil
		if r.Author != want.Author || r.ID != want.ID || r.Kind != want.Kind || r.ThreadID != want.ThreadID || r.ParentID != want.ParentID ||
			!r.CreatedAt.Equal(want.CreatedAt) || r.CreatedAt.Location() != time.UTC || r.Text != want.Text || r.URL != want.URL || r.Source != want.Source || r.SourceID != want.SourceID {
			t.Fatalf("got  %+v\nwant %+v", r, want)
		}
	})
	cases := []struct {
		name, item, says string
	}{
		{"not_json", `{"id":`, "decode"},
		{"text_not_a_string", `{"id":"1","type":"comment","text":42}`, "decode"},
		{"bad_date", `{"id":"1","type":"comment","author":{"id":"u"},"created_at":"yesterday"}`, "decode"},
		{"unknown_type", `{"id":"1","type":"tweet","author":{"id":"u"},"created_at":"2026-01-01T00:00:00Z"}`, "unknown type"},
		{"brand_post", `{"id":"1","type":"post","author":{"id":"b"},"created_at":"2026-01-01T00:00:00Z"}`, "unknown type"},
		{"missing_id", `{"type":"comment","author":{"id":"u"},"created_at":"2026-01-01T00:00:00Z"}`, "platform_id"},
		{"missing_author", `{"id":"1","type":"comment","author":{"id":""},"created_at":"2026-01-01T00:00:00Z"}`, "author.id"},
		{"missing_created_at", `{"id":"1","type":"comment","author":{"id":"u"}}`, "created_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sandbox.Normalize(json.RawMessage(tc.item), "demo", "s", now)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want one saying %q", err, tc.says)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"id":"1","type":"comment","author":{"id":"u"},"text":"Bonjour","created_at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"1","type":"dm","author":{"id":"u","followers_count":-1},"created_at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, item []byte) {
		r, err := sandbox.Normalize(item, "demo", "s", time.Unix(0, 0))
		if err == nil {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("accepted an invalid interaction: %v", verr)
			}
		}
	})
}
