package v1_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/publish/v1"
)

func TestRequested(t *testing.T) {
	r := v1.Requested{
		ID: "publish:case:mastodon:109876543210:hide:7", Brand: "cafe-lumiere", Kind: v1.KindHide,
		InteractionID: "mastodon:109876543210", Network: "mastodon", RequestedBy: "key-1a2b3c4d",
		Reason: "insult", RequestedAt: time.Date(2026, 11, 20, 9, 45, 0, 0, time.UTC),
	}
	if got, want := events.Subject(r, r.Brand), "ruche.publish.requested.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "publish.requested.v1.json", r)
}

func TestRequestedPost(t *testing.T) {
	r := v1.Requested{
		ID: "post:cafe-lumiere:2026-11-21-menu", Brand: "cafe-lumiere", Kind: v1.KindPost, RequestedBy: "scheduling",
		RequestedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), ApprovalID: "approval:menu-hiver",
		Variants: []v1.Variant{
			{Network: "mastodon", Text: "Le menu d'hiver arrive lundi ☕", Lang: "fr",
				Media: []v1.Media{{URL: "https://media.cafelumiere.fr/menu-hiver.jpg", Kind: "image", MimeType: "image/jpeg",
					AltText: "Une ardoise : soupe à l'oignon, chocolat chaud, tarte aux pommes"}},
				FirstComment: "Réservations : cafelumiere.fr/reserver"},
			{Network: "bluesky", Account: "cafelumiere.fr", Text: "Menu d'hiver lundi !", Lang: "fr"},
		},
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "publish.requested.post.v1.json", r)
}

func TestOutcomes(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 0, 2, 0, time.UTC)
	s := v1.Succeeded{
		ID: v1.OutcomeID("post:cafe-lumiere:2026-11-21-menu", "mastodon", "", "succeeded"), RequestID: "post:cafe-lumiere:2026-11-21-menu",
		Brand: "cafe-lumiere", Kind: v1.KindPost, Network: "mastodon", PlatformID: "113541234567890",
		URL: "https://piaille.fr/@cafelumiere/113541234567890", Attempts: 1, PublishedAt: at,
	}
	if got, want := events.Subject(s, s.Brand), "ruche.publish.succeeded.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	eventstest.Golden(t, "publish.succeeded.v1.json", s)
	f := v1.Failed{
		ID: v1.OutcomeID("post:cafe-lumiere:2026-11-21-menu", "bluesky", "cafelumiere.fr", "failed"), RequestID: "post:cafe-lumiere:2026-11-21-menu",
		Brand: "cafe-lumiere", Kind: v1.KindPost, Network: "bluesky", Account: "cafelumiere.fr", Code: "InvalidRequest",
		Reason: "Record/text must not be longer than 300 graphemes", Attempts: 1, FailedAt: at,
	}
	eventstest.Golden(t, "publish.failed.v1.json", f)
}

func TestRequestedValidate(t *testing.T) {
	base := func() v1.Requested {
		return v1.Requested{ID: "r1", Brand: "b", Kind: v1.KindReply, InteractionID: "sandbox:42", Text: "Merci !", ApprovalID: "a1", RequestedBy: "u"}
	}
	cases := []struct {
		name   string
		mutate func(*v1.Requested)
		field  string
	}{
		{"missing_brand", func(r *v1.Requested) { r.Brand = "" }, "brand"},
		{"unknown_kind", func(r *v1.Requested) { r.Kind = "boost" }, "kind"},
		{"reply_without_text", func(r *v1.Requested) { r.Text = " " }, "text"},
		{"reply_without_approval", func(r *v1.Requested) { r.ApprovalID = "" }, "approval_id"},
		{"bad_interaction_id", func(r *v1.Requested) { r.InteractionID = "42" }, "interaction_id"},
		{"post_without_variants", func(r *v1.Requested) { r.Kind = v1.KindPost }, "variants"},
		{"post_variant_twice", func(r *v1.Requested) {
			r.Kind, r.Variants = v1.KindPost, []v1.Variant{{Network: "x", Text: "a"}, {Network: "x", Text: "b"}}
		}, "variants[1]"},
		{"media_without_alt", func(r *v1.Requested) {
			r.Kind, r.Variants = v1.KindPost, []v1.Variant{{Network: "x", Text: "a", Media: []v1.Media{{URL: "https://m.example/a.png", Kind: "image"}}}}
		}, "variants[0].media[0].alt_text"},
		{"media_bad_url", func(r *v1.Requested) {
			r.Kind, r.Variants = v1.KindPost, []v1.Variant{{Network: "x", Text: "a", Media: []v1.Media{{URL: "file:///etc/passwd", Kind: "image", AltText: "x"}}}}
		}, "variants[0].media[0].url"},
		{"media_bad_kind", func(r *v1.Requested) {
			r.Kind, r.Variants = v1.KindPost, []v1.Variant{{Network: "x", Text: "a", Media: []v1.Media{{URL: "https://m.example/a.png", Kind: "sound", AltText: "x"}}}}
		}, "variants[0].media[0].kind"},
		{"hide_with_variants", func(r *v1.Requested) { r.Kind, r.Variants = v1.KindHide, []v1.Variant{{Network: "x", Text: "a"}} }, "variants"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.mutate(&r)
			if err := r.Validate(); err == nil || !eventstest.Contains(err.Error(), tc.field) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tc.field)
			}
		})
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid reply: %v", err)
	}
}

func TestParseInteractionID(t *testing.T) {
	for in, want := range map[string][2]string{"sandbox:42": {"sandbox", "42"}, "mastodon:piaille.fr/1098": {"mastodon", "piaille.fr/1098"},
		"bluesky:at://did:plc:abc/app.bsky.feed.post/3kx": {"bluesky", "at://did:plc:abc/app.bsky.feed.post/3kx"}} {
		n, id, err := v1.ParseInteractionID(in)
		if err != nil || n != want[0] || id != want[1] {
			t.Fatalf("ParseInteractionID(%q) = %q, %q, %v", in, n, id, err)
		}
	}
	for _, bad := range []string{"", "x", ":1", "x:", "x:host/"} {
		if _, _, err := v1.ParseInteractionID(bad); err == nil {
			t.Fatalf("ParseInteractionID(%q) accepted", bad)
		}
	}
}

func TestApprovalCovers(t *testing.T) {
	a := v1.Approval{ID: "a1", Brand: "b", Kind: v1.KindReply, ContentHashes: []string{v1.ContentHash("Merci !")}, ApprovedBy: "user:lea", ApprovedAt: time.Unix(1, 0)}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := a.Covers("b", v1.KindReply, "Merci !"); err != nil {
		t.Fatalf("approved text refused: %v", err)
	}
	for name, c := range map[string]struct {
		brand string
		kind  v1.Kind
		text  string
	}{
		"tampered_text": {"b", v1.KindReply, "Merci !!"},
		"other_brand":   {"c", v1.KindReply, "Merci !"},
		"other_kind":    {"b", v1.KindPost, "Merci !"},
	} {
		if err := a.Covers(c.brand, c.kind, c.text); !errors.Is(err, v1.ErrNotApproved) {
			t.Fatalf("%s: Covers = %v, want ErrNotApproved", name, err)
		}
	}
}

func TestVariantHash(t *testing.T) {
	text := v1.Variant{Network: "mastodon", Text: "Merci !"}
	if got, want := v1.VariantHash(text), v1.ContentHash("Merci !"); got != want {
		t.Fatalf("text-only VariantHash = %s, want ContentHash %s (old approvals must verify)", got, want)
	}
	img := v1.Media{URL: "https://m.example/a.png", Kind: "image", AltText: "Une tasse"}
	withMedia := v1.Variant{Text: "Merci !", Media: []v1.Media{img}}
	a := v1.Approval{ID: "a1", Brand: "b", Kind: v1.KindPost, ContentHashes: []string{v1.VariantHash(withMedia)}, ApprovedBy: "user:lea", ApprovedAt: time.Unix(1, 0)}
	if err := a.CoversVariant("b", v1.KindPost, withMedia); err != nil {
		t.Fatalf("approved media refused: %v", err)
	}
	otherAlt := img
	otherAlt.AltText = "Une théière"
	for name, v := range map[string]v1.Variant{
		"text_only":     {Text: "Merci !"},
		"other_alt":     {Text: "Merci !", Media: []v1.Media{otherAlt}},
		"first_comment": {Text: "Merci !", Media: []v1.Media{img}, FirstComment: "Lien : example.org"},
		"media_twice":   {Text: "Merci !", Media: []v1.Media{img, img}},
	} {
		if err := a.CoversVariant("b", v1.KindPost, v); !errors.Is(err, v1.ErrNotApproved) {
			t.Fatalf("%s: CoversVariant = %v, want ErrNotApproved", name, err)
		}
	}
	// Network, account and language are not part of what is approved.
	withMedia.Network, withMedia.Lang = "bluesky", "fr"
	if err := a.CoversVariant("b", v1.KindPost, withMedia); err != nil {
		t.Fatalf("same content on another network refused: %v", err)
	}
}
