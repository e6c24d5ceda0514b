package v1

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
)

// Kind of interaction.
type Kind string

// Kinds of interaction that listening brings in.
const (
	KindComment      Kind = "comment"
	KindReply        Kind = "reply"
	KindMention      Kind = "mention"
	KindDM           Kind = "dm"
	KindReview       Kind = "review"
	KindPost         Kind = "post"
	KindListeningHit Kind = "listening_hit"
	// KindQuote is a post that quotes one of the brand's (Bluesky quote,
	// X quote tweet): filed the same on every network.
	KindQuote Kind = "quote"
)

// Kinds lists every valid Kind.
var Kinds = []Kind{KindComment, KindReply, KindMention, KindDM, KindReview, KindPost, KindListeningHit, KindQuote}

// Source says how an interaction reached Ruche.
type Source string

// Sources of interactions.
const (
	SourceWebhook Source = "webhook"
	SourcePoll    Source = "poll"
	SourceStream  Source = "stream"
	SourceSandbox Source = "sandbox"
)

// Author is who wrote an interaction, as the network describes them.
type Author struct {
	// ID is the author's id on the network.
	ID          string `json:"id"`
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Followers   int64  `json:"followers,omitempty"`
	Verified    bool   `json:"verified,omitempty"`
	// CreatedAt is when the account was created, when the network says
	// (a spam signal: brand-new accounts).
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// Media is an attachment of an interaction.
type Media struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Received is published by ingest for every comment, reply, mention, DM,
// review or listening hit that reaches Ruche.
type Received struct {
	// ID is the event id, deterministic from the network and the platform id
	// (see InteractionID) so that re-delivered items collapse to one.
	ID         string    `json:"id"`
	Brand      string    `json:"brand"`
	Network    string    `json:"network"`
	Account    string    `json:"account,omitempty"`
	Kind       Kind      `json:"kind"`
	PlatformID string    `json:"platform_id"`
	ThreadID   string    `json:"thread_id,omitempty"`
	ParentID   string    `json:"parent_id,omitempty"`
	Author     Author    `json:"author"`
	Text       string    `json:"text"`
	Lang       string    `json:"lang,omitempty"`
	URL        string    `json:"url,omitempty"`
	Media      []Media   `json:"media,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ReceivedAt time.Time `json:"received_at"`
	Source     Source    `json:"source"`
	// SourceID is the configured listening source that produced the item.
	SourceID string `json:"source_id,omitempty"`
}

// Name implements events.Event.
func (Received) Name() string { return "interaction.received.v1" }

// InteractionID is the deterministic event id of an interaction:
// "<network>:<platform id>".
func InteractionID(network, platformID string) string {
	return network + ":" + platformID
}

// MaxTextBytes bounds the text of one interaction.
const MaxTextBytes = 64 << 10

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid interaction")

// Validate reports the first missing or malformed field, naming it.
func (r Received) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s %s", ErrInvalid, field, why) }
	if err := events.ValidateBrand(r.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case r.Network == "":
		return bad("network", "is required")
	case strings.ContainsAny(r.Network, ":. *>"):
		return bad("network", "may not contain ':', '.', spaces, '*' or '>'")
	case r.PlatformID == "":
		return bad("platform_id", "is required")
	case r.ID != InteractionID(r.Network, r.PlatformID):
		return bad("id", fmt.Sprintf("must be %q", InteractionID(r.Network, r.PlatformID)))
	case !validKind(r.Kind):
		return bad("kind", fmt.Sprintf("%q is not one of %v", r.Kind, Kinds))
	case r.Author.ID == "":
		return bad("author.id", "is required")
	case len(r.Text) > MaxTextBytes:
		return bad("text", fmt.Sprintf("is longer than %d bytes", MaxTextBytes))
	case r.CreatedAt.IsZero():
		return bad("created_at", "is required")
	case r.ReceivedAt.IsZero():
		return bad("received_at", "is required")
	case r.Source == "":
		return bad("source", "is required")
	}
	return nil
}

func validKind(k Kind) bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}
