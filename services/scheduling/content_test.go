package scheduling_test

import (
	"errors"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling"
)

func TestValidateContent(t *testing.T) {
	img := func(alt string) query.PostMedia {
		return query.PostMedia{URL: "https://cdn.example/a.jpg", Kind: "image", AltText: alt}
	}
	cases := []struct {
		name  string
		v     query.PostVariant
		field string // "" when valid
	}{
		{"x_at_its_limit", query.PostVariant{Network: "x", Text: strings.Repeat("é", 280)}, ""},
		{"x_over_its_limit", query.PostVariant{Network: "x", Text: strings.Repeat("é", 281)}, "variants[0].text"},
		{"the_link_counts_where_the_text_lacks_it", query.PostVariant{Network: "x", Text: strings.Repeat("a", 250), Link: "https://cafe.example/une-longue-adresse"}, "variants[0].text"},
		{"bluesky_300", query.PostVariant{Network: "bluesky", Text: strings.Repeat("a", 301)}, "variants[0].text"},
		{"mastodon_500", query.PostVariant{Network: "mastodon", Text: strings.Repeat("a", 500)}, ""},
		{"unknown_network", query.PostVariant{Network: "myspace", Text: "a"}, "variants[0].network"},
		{"empty_text", query.PostVariant{Network: "sandbox", Text: "  "}, "variants[0].text"},
		{"bad_lang", query.PostVariant{Network: "sandbox", Text: "a", Lang: "de"}, "variants[0].lang"},
		{"bad_link", query.PostVariant{Network: "sandbox", Text: "a", Link: "javascript:alert(1)"}, "variants[0].link"},
		{"five_images_on_x", query.PostVariant{Network: "x", Text: "a", Media: []query.PostMedia{img("1"), img("2"), img("3"), img("4"), img("5")}}, "variants[0].media"},
		{"ten_images_on_meta", query.PostVariant{Network: "meta", Text: "a", Media: []query.PostMedia{img("1"), img("2"), img("3"), img("4"), img("5"), img("6"), img("7"), img("8"), img("9"), img("10")}}, ""},
		{"media_without_alt_text", query.PostVariant{Network: "mastodon", Text: "a", Media: []query.PostMedia{img(" ")}}, "variants[0].media[0].alt_text"},
		{"alt_text_over_mastodons_limit", query.PostVariant{Network: "mastodon", Text: "a", Media: []query.PostMedia{img(strings.Repeat("a", 1501))}}, "variants[0].media[0].alt_text"},
		{"video_with_an_image_on_x", query.PostVariant{Network: "x", Text: "a", Media: []query.PostMedia{{URL: "https://cdn.example/v.mp4", Kind: "video", AltText: "v"}, img("i")}}, "variants[0].media[0].kind"},
		{"unknown_media_kind", query.PostVariant{Network: "sandbox", Text: "a", Media: []query.PostMedia{{URL: "https://cdn.example/a.pdf", Kind: "pdf", AltText: "a"}}}, "variants[0].media[0].kind"},
		{"media_without_url", query.PostVariant{Network: "sandbox", Text: "a", Media: []query.PostMedia{{Kind: "image", AltText: "a"}}}, "variants[0].media[0].url"},
		{"first_comment_over_the_limit", query.PostVariant{Network: "x", Text: "a", FirstComment: strings.Repeat("a", 281)}, "variants[0].first_comment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := query.PostContent{Variants: []query.PostVariant{tc.v}}
			err := scheduling.ValidateContent(&c)
			var fe *scheduling.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Fatalf("ValidateContent = %v, want an error on %s", err, tc.field)
			}
		})
	}
}

func TestValidateContentPost(t *testing.T) {
	v := query.PostVariant{Network: "sandbox", Text: "a"}
	for name, c := range map[string]struct {
		content query.PostContent
		field   string
	}{
		"no_variant":        {query.PostContent{}, "variants"},
		"a_network_twice":   {query.PostContent{Variants: []query.PostVariant{v, v}}, "variants[1].network"},
		"an_empty_label":    {query.PostContent{Variants: []query.PostVariant{v}, Labels: []string{"menu", " "}}, "labels[1]"},
		"a_long_campaign":   {query.PostContent{Variants: []query.PostVariant{v}, Campaign: strings.Repeat("c", 81)}, "campaign"},
		"two_accounts_ok":   {query.PostContent{Variants: []query.PostVariant{v, {Network: "sandbox", Account: "other", Text: "b"}}}, ""},
		"labels_normalised": {query.PostContent{Variants: []query.PostVariant{v}, Labels: []string{"soldes", " menu ", "soldes"}}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := scheduling.ValidateContent(&c.content)
			var fe *scheduling.FieldError
			if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field) {
				t.Fatalf("ValidateContent = %v, want field %q", err, c.field)
			}
			if name == "labels_normalised" && strings.Join(c.content.Labels, ",") != "menu,soldes" {
				t.Fatalf("labels = %v", c.content.Labels)
			}
		})
	}
}

func TestContentHashCoversEveryVariant(t *testing.T) {
	a := query.PostContent{Variants: []query.PostVariant{{Network: "sandbox", Text: "a", Media: []query.PostMedia{{URL: "https://cdn.example/a.jpg", Kind: "image", AltText: "un café"}}}}}
	b := a
	b.Variants = []query.PostVariant{a.Variants[0]}
	b.Variants[0].Media = []query.PostMedia{{URL: "https://cdn.example/a.jpg", Kind: "image", AltText: "un thé"}}
	if scheduling.ContentHash(a) == scheduling.ContentHash(b) {
		t.Fatal("changing an alt text kept the content hash: the approval would still count")
	}
	b.Variants[0].Media = a.Variants[0].Media
	b.Campaign = "autre"
	if scheduling.ContentHash(a) != scheduling.ContentHash(b) {
		t.Fatal("the campaign is not reviewed content")
	}
}
