package scheduling

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// Limits are one network's documented limits on a post.
type Limits struct {
	// Chars is the longest text, in characters (code points) — X counts
	// weighted characters and Bluesky graphemes; code points are the
	// conservative reading for the texts brands write (a few emoji aside).
	Chars int
	// Media is the most media references of one post.
	Media int
	// AltChars is the longest alt text of one media.
	AltChars int
	// VideoAlone: a video or GIF is the post's only media.
	VideoAlone bool
}

// networkLimits are the networks publishing has a connector for, with
// their documented limits: X (280 characters, 4 images or 1 video/GIF,
// alt text 1,000), Bluesky (300 graphemes, 4 images or 1 video, alt text
// 2,000), Mastodon (500 characters by default, 4 media, description 1,500),
// Meta/Facebook Page (63,206 characters, 10 photos or 1 video, alt text
// 1,000 as we set it), and the sandbox (5,000 characters, as its API
// checks).
var networkLimits = map[string]Limits{
	"x":        {Chars: 280, Media: 4, AltChars: 1000, VideoAlone: true},
	"bluesky":  {Chars: 300, Media: 4, AltChars: 2000, VideoAlone: true},
	"mastodon": {Chars: 500, Media: 4, AltChars: 1500},
	"meta":     {Chars: 63206, Media: 10, AltChars: 1000, VideoAlone: true},
	"sandbox":  {Chars: 5000, Media: 4, AltChars: 1500},
}

// Content bounds of our own.
const (
	maxLabels       = 20
	maxLabelChars   = 40
	maxCampaign     = 80
	maxComment      = 2000
	maxFirstComment = 2000
)

// FieldError is bad input, naming the field in JSON terms.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// SentText is what publishing sends for a variant: its text, followed by
// its link when the text does not carry it (the publish request has no
// link field; the approval covers this exact text).
func SentText(v query.PostVariant) string {
	if v.Link == "" || strings.Contains(v.Text, v.Link) {
		return v.Text
	}
	return v.Text + "\n\n" + v.Link
}

// SentVariant is the variant as publishing receives it: the text it sends
// (SentText), its media and its first comment. Scheduling's approval
// record hashes exactly this (publishv1.VariantHash) and its release sends
// exactly this, so what was approved is what goes out.
func SentVariant(v query.PostVariant) publishv1.Variant {
	out := publishv1.Variant{Network: v.Network, Account: v.Account, Text: SentText(v), Lang: v.Lang, FirstComment: v.FirstComment}
	for _, m := range v.Media {
		out.Media = append(out.Media, publishv1.Media{URL: m.URL, Kind: m.Kind, AltText: m.AltText})
	}
	return out
}

// ValidateContent checks a post's content against its networks' limits and
// normalises it (trimmed text, sorted unique labels).
func ValidateContent(c *query.PostContent) error {
	if len(c.Variants) == 0 {
		return fieldErr("variants", "at least one network variant is required")
	}
	if len(c.Variants) > publishv1.MaxVariants {
		return fieldErr("variants", "at most %d variants", publishv1.MaxVariants)
	}
	seen := map[string]bool{}
	for i := range c.Variants {
		if err := validateVariant(i, &c.Variants[i]); err != nil {
			return err
		}
		k := c.Variants[i].Network + "/" + c.Variants[i].Account
		if seen[k] {
			return fieldErr(fmt.Sprintf("variants[%d].network", i), "%s (account %q) appears twice", c.Variants[i].Network, c.Variants[i].Account)
		}
		seen[k] = true
	}
	c.Campaign = strings.TrimSpace(c.Campaign)
	if utf8.RuneCountInString(c.Campaign) > maxCampaign {
		return fieldErr("campaign", "longer than %d characters", maxCampaign)
	}
	labels := c.Labels[:0:0]
	for i, l := range c.Labels {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			return fieldErr(fmt.Sprintf("labels[%d]", i), "empty")
		case utf8.RuneCountInString(l) > maxLabelChars:
			return fieldErr(fmt.Sprintf("labels[%d]", i), "longer than %d characters", maxLabelChars)
		}
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	if len(labels) > maxLabels {
		return fieldErr("labels", "at most %d labels", maxLabels)
	}
	slices.Sort(labels)
	c.Labels = labels
	return nil
}

func validateVariant(i int, v *query.PostVariant) error {
	f := func(name string) string { return fmt.Sprintf("variants[%d].%s", i, name) }
	lim, ok := networkLimits[v.Network]
	if !ok {
		return fieldErr(f("network"), "%q is not one of %v", v.Network, networks())
	}
	v.Text = strings.TrimSpace(v.Text)
	if v.Text == "" {
		return fieldErr(f("text"), "required")
	}
	if v.Lang != "" && v.Lang != "fr" && v.Lang != "en" {
		return fieldErr(f("lang"), "%q, want fr or en", v.Lang)
	}
	if v.Link != "" {
		u, err := url.Parse(v.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fieldErr(f("link"), "%q is not an http(s) URL", v.Link)
		}
	}
	if n := utf8.RuneCountInString(SentText(*v)); n > lim.Chars {
		return fieldErr(f("text"), "%d characters with the link, %s allows %d", n, v.Network, lim.Chars)
	}
	if len(v.Media) > lim.Media {
		return fieldErr(f("media"), "%d media, %s allows %d", len(v.Media), v.Network, lim.Media)
	}
	for j, m := range v.Media {
		mf := func(name string) string { return fmt.Sprintf("variants[%d].media[%d].%s", i, j, name) }
		u, err := url.Parse(m.URL)
		if m.URL == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fieldErr(mf("url"), "an http(s) URL of the media is required")
		}
		switch m.Kind {
		case "image":
		case "video", "gif":
			if lim.VideoAlone && len(v.Media) > 1 {
				return fieldErr(mf("kind"), "a %s must be the only media on %s", m.Kind, v.Network)
			}
		default:
			return fieldErr(mf("kind"), "%q, want image, video or gif", m.Kind)
		}
		if strings.TrimSpace(m.AltText) == "" {
			// Accessibility: every media is described (the networks accept
			// none; the brand's posts do not go out without).
			return fieldErr(mf("alt_text"), "required: describe the media for people who cannot see it")
		}
		if n := utf8.RuneCountInString(m.AltText); n > lim.AltChars {
			return fieldErr(mf("alt_text"), "%d characters, %s allows %d", n, v.Network, lim.AltChars)
		}
	}
	if utf8.RuneCountInString(v.FirstComment) > min(maxFirstComment, lim.Chars) {
		return fieldErr(f("first_comment"), "longer than %d characters", min(maxFirstComment, lim.Chars))
	}
	return nil
}

func networks() []string {
	out := make([]string, 0, len(networkLimits))
	for n := range networkLimits {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ContentHash is "sha256:<hex>" of the post's content as reviewed: every
// variant (text, link, media, first comment), in order. An approval
// carries it; content with another hash needs approving again.
func ContentHash(c query.PostContent) string {
	b, _ := json.Marshal(c.Variants)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
