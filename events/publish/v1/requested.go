package v1

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
)

// Kind is what a publish request asks the network to do.
type Kind string

// Kinds.
const (
	// KindPost publishes the brand's own post, one per network variant.
	KindPost Kind = "post"
	// KindReply answers an interaction, with an approved text.
	KindReply Kind = "reply"
	// KindHide hides an interaction on its network.
	KindHide Kind = "hide"
	// KindUnhide makes a hidden interaction visible again; publishing treats
	// it as a no-op when the interaction is visible.
	KindUnhide Kind = "unhide"
	// KindDelete deletes one of the brand's own posts or replies.
	KindDelete Kind = "delete"
)

// Kinds lists every kind.
var Kinds = []Kind{KindPost, KindReply, KindHide, KindUnhide, KindDelete}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// NeedsApproval is true for the kinds that put the brand's words on a
// network: they carry an approval record whose content hash matches.
func (k Kind) NeedsApproval() bool { return k == KindPost || k == KindReply }

// Requested asks publishing to act on a network.
type Requested struct {
	// ID is the event id, deterministic for the cause (e.g. the case
	// decision's id with a "publish:" prefix). It is also the request's id
	// in publishing's ledger: one request is acted on once per network.
	ID    string `json:"id"`
	Brand string `json:"brand"`
	Kind  Kind   `json:"kind"`
	// InteractionID is the interaction acted on ("<network>:<platform id>"):
	// hidden, unhidden, answered (reply) or deleted (the brand's own).
	InteractionID string `json:"interaction_id,omitempty"`
	Network       string `json:"network,omitempty"`
	// RequestedBy is who asked: a moderator, or "policy".
	RequestedBy string    `json:"requested_by"`
	Reason      string    `json:"reason,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	// Text and Lang of a reply.
	Text string `json:"text,omitempty"`
	Lang string `json:"lang,omitempty"`
	// Variants of a post: one per network (and account), each with its text.
	Variants []Variant `json:"variants,omitempty"`
	// Account is the connected account a reply, hide, unhide or delete is
	// made from; empty means the brand's account on that network.
	Account string `json:"account,omitempty"`
	// ApprovalID names the approval record of a post or reply (see
	// Approval): publishing refuses to send a text it does not cover.
	ApprovalID string `json:"approval_id,omitempty"`
}

// Variant is a post's version for one network.
type Variant struct {
	Network string `json:"network"`
	// Account is the connected account to post from; empty means the
	// brand's account on Network.
	Account string `json:"account,omitempty"`
	Text    string `json:"text"`
	Lang    string `json:"lang,omitempty"`
	// Media are attached to the post, in order (a post only).
	Media []Media `json:"media,omitempty"`
	// FirstComment is published as a reply to the post, once the post is
	// published (a post only).
	FirstComment string `json:"first_comment,omitempty"`
}

// Media is one attachment of a post variant: where publishing fetches it,
// what it is and its description for people who cannot see it.
type Media struct {
	// URL is an http(s) URL publishing fetches the media from (only from
	// the origins its configuration allows).
	URL string `json:"url"`
	// Kind is image, video or gif.
	Kind string `json:"kind"`
	// MimeType, when set, is the type the fetched media must have
	// ("image/jpeg"); empty accepts any type of Kind.
	MimeType string `json:"mime_type,omitempty"`
	AltText  string `json:"alt_text"`
}

// MediaKinds are the kinds of Media.
var MediaKinds = []string{"image", "video", "gif"}

// MaxMedia bounds the media of one variant (no network takes more).
const MaxMedia = 10

// Name implements events.Event.
func (Requested) Name() string { return "publish.requested.v1" }

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid publish request")

// MaxVariants bounds the networks of one post.
const MaxVariants = 16

// Validate reports the first missing or malformed field, naming it.
func (r Requested) Validate() error {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: id is required", ErrInvalid)
	case !r.Kind.Valid():
		return fmt.Errorf("%w: kind %q is not one of %v", ErrInvalid, r.Kind, Kinds)
	case r.Kind == KindPost && len(r.Variants) == 0:
		return fmt.Errorf("%w: variants are required for a post", ErrInvalid)
	case r.Kind == KindPost && len(r.Variants) > MaxVariants:
		return fmt.Errorf("%w: variants: at most %d", ErrInvalid, MaxVariants)
	case r.Kind != KindPost && len(r.Variants) > 0:
		return fmt.Errorf("%w: variants are only for a post", ErrInvalid)
	case r.Kind != KindPost && r.InteractionID == "":
		return fmt.Errorf("%w: interaction_id is required for a %s", ErrInvalid, r.Kind)
	case r.Kind == KindReply && strings.TrimSpace(r.Text) == "":
		return fmt.Errorf("%w: text is required for a reply", ErrInvalid)
	case r.Kind.NeedsApproval() && r.ApprovalID == "":
		return fmt.Errorf("%w: approval_id is required for a %s", ErrInvalid, r.Kind)
	}
	if r.Kind != KindPost {
		if _, _, err := ParseInteractionID(r.InteractionID); err != nil {
			return fmt.Errorf("%w: interaction_id: %w", ErrInvalid, err)
		}
	}
	seen := map[string]bool{}
	for i, v := range r.Variants {
		switch {
		case v.Network == "":
			return fmt.Errorf("%w: variants[%d].network is required", ErrInvalid, i)
		case strings.TrimSpace(v.Text) == "":
			return fmt.Errorf("%w: variants[%d].text is required", ErrInvalid, i)
		case seen[v.Network+"/"+v.Account]:
			return fmt.Errorf("%w: variants[%d]: network %s (account %q) appears twice", ErrInvalid, i, v.Network, v.Account)
		}
		seen[v.Network+"/"+v.Account] = true
		if err := v.validateMedia(i); err != nil {
			return err
		}
	}
	return nil
}

func (v Variant) validateMedia(i int) error {
	if len(v.Media) > MaxMedia {
		return fmt.Errorf("%w: variants[%d].media: at most %d", ErrInvalid, i, MaxMedia)
	}
	for j, m := range v.Media {
		u, err := url.Parse(m.URL)
		switch {
		case m.URL == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			return fmt.Errorf("%w: variants[%d].media[%d].url: an http(s) URL is required", ErrInvalid, i, j)
		case !slices.Contains(MediaKinds, m.Kind):
			return fmt.Errorf("%w: variants[%d].media[%d].kind: %q is not one of %v", ErrInvalid, i, j, m.Kind, MediaKinds)
		case m.MimeType != "" && !strings.Contains(m.MimeType, "/"):
			return fmt.Errorf("%w: variants[%d].media[%d].mime_type: %q is not a media type", ErrInvalid, i, j, m.MimeType)
		case strings.TrimSpace(m.AltText) == "":
			return fmt.Errorf("%w: variants[%d].media[%d].alt_text is required", ErrInvalid, i, j)
		}
	}
	return nil
}

// Targets are the network actions of a request: one per post variant, one
// for every other kind (on the interaction's network).
func (r Requested) Targets() []Variant {
	if r.Kind == KindPost {
		return r.Variants
	}
	network, _, _ := ParseInteractionID(r.InteractionID)
	if r.Network != "" {
		network = r.Network
	}
	return []Variant{{Network: network, Account: r.Account, Text: r.Text, Lang: r.Lang}}
}

// ParseInteractionID splits "<network>:<platform id>" into the network and
// the item's platform id as ingest wrote it (Mastodon's carry their server,
// "host/123"; Bluesky's are at:// URIs): each connector reads its own.
func ParseInteractionID(id string) (network, platformID string, err error) {
	network, rest, ok := strings.Cut(id, ":")
	if !ok || network == "" || rest == "" || strings.HasSuffix(rest, "/") {
		return "", "", fmt.Errorf("%q is not <network>:<platform id>", id)
	}
	return network, rest, nil
}
