// Package v1 holds version 1 of the community domain's contracts: the
// audience of the brand's accounts (follower counts over time, and the
// followers the networks name). Changes here are additive only.
package v1

import (
	"errors"
	"fmt"
	"time"

	"github.com/ruche-project/ruche/events"
)

// FollowersCounted is a snapshot of one account's audience, taken by the
// connector that reads the account (typically daily). Community growth is
// the difference between two snapshots.
type FollowersCounted struct {
	// ID is the event id: FollowersCountedID(network, account, taken at).
	ID      string `json:"id"`
	Brand   string `json:"brand"`
	Network string `json:"network"`
	// Account is the brand's account on the network, e.g. "@cafelumiere@piaille.fr".
	Account   string    `json:"account"`
	Followers int64     `json:"followers"`
	Following int64     `json:"following,omitempty"`
	TakenAt   time.Time `json:"taken_at"`
}

// Name implements events.Event.
func (FollowersCounted) Name() string { return "community.followers_counted.v1" }

// FollowersCountedID is the deterministic id of a snapshot (to the second).
func FollowersCountedID(network, account string, takenAt time.Time) string {
	return fmt.Sprintf("followers:%s:%s:%d", network, account, takenAt.Unix())
}

// Followed is published when a network reports that someone follows one of
// the brand's accounts (Mastodon "follow" notifications, page likes...).
type Followed struct {
	// ID is the event id: FollowedID(network, account, follower id).
	ID         string    `json:"id"`
	Brand      string    `json:"brand"`
	Network    string    `json:"network"`
	Account    string    `json:"account"`
	Follower   Follower  `json:"follower"`
	FollowedAt time.Time `json:"followed_at"`
}

// Follower is who follows, as the network describes them.
type Follower struct {
	ID          string `json:"id"`
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	// Followers is the follower's own audience (their reach).
	Followers int64 `json:"followers,omitempty"`
}

// Name implements events.Event.
func (Followed) Name() string { return "community.followed.v1" }

// FollowedID is the deterministic id of a follow: one per follower and account.
func FollowedID(network, account, followerID string) string {
	return "followed:" + network + ":" + account + ":" + followerID
}

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid community event")

// Validate reports the first missing or malformed field, naming it.
func (f FollowersCounted) Validate() error {
	if err := events.ValidateBrand(f.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case f.Network == "" || f.Account == "":
		return fmt.Errorf("%w: network and account are required", ErrInvalid)
	case f.TakenAt.IsZero():
		return fmt.Errorf("%w: taken_at is required", ErrInvalid)
	case f.Followers < 0:
		return fmt.Errorf("%w: followers must not be negative", ErrInvalid)
	case f.ID != FollowersCountedID(f.Network, f.Account, f.TakenAt):
		return fmt.Errorf("%w: id must be %q", ErrInvalid, FollowersCountedID(f.Network, f.Account, f.TakenAt))
	}
	return nil
}

// Validate reports the first missing or malformed field, naming it.
func (f Followed) Validate() error {
	if err := events.ValidateBrand(f.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case f.Network == "" || f.Account == "":
		return fmt.Errorf("%w: network and account are required", ErrInvalid)
	case f.Follower.ID == "":
		return fmt.Errorf("%w: follower.id is required", ErrInvalid)
	case f.FollowedAt.IsZero():
		return fmt.Errorf("%w: followed_at is required", ErrInvalid)
	case f.ID != FollowedID(f.Network, f.Account, f.Follower.ID):
		return fmt.Errorf("%w: id must be %q", ErrInvalid, FollowedID(f.Network, f.Account, f.Follower.ID))
	}
	return nil
}

// PostMetrics is a reading of one of the brand's published posts' counts,
// taken by publishing from the network that carries it (on a schedule that
// thins out as the post ages). Counts only grow between readings on most
// networks; a later reading replaces an earlier one. A count the network
// does not give (Mastodon has no impressions) is absent, not zero.
type PostMetrics struct {
	// ID is the event id: PostMetricsID(network, platform id, taken at).
	ID      string `json:"id"`
	Brand   string `json:"brand"`
	Network string `json:"network"`
	// Account is the brand's account the post was published from.
	Account string `json:"account"`
	// PlatformID and URL are the network's for the post.
	PlatformID string `json:"platform_id"`
	URL        string `json:"url,omitempty"`
	// RequestID is the publish request that made the post.
	RequestID   string    `json:"request_id,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	TakenAt     time.Time `json:"taken_at"`
	// Impressions: times the post was shown (X impression_count, Meta
	// post_impressions, the sandbox's).
	Impressions *int64 `json:"impressions,omitempty"`
	// Reactions: likes, favourites, Meta reactions.
	Reactions *int64 `json:"reactions,omitempty"`
	// Comments: replies under the post.
	Comments *int64 `json:"comments,omitempty"`
	// Shares: boosts, reposts and quotes, retweets and quotes, Meta shares.
	Shares *int64 `json:"shares,omitempty"`
	// Clicks: clicks on the post's links (Meta post_clicks, the sandbox's).
	Clicks *int64 `json:"clicks,omitempty"`
}

// Name implements events.Event.
func (PostMetrics) Name() string { return "community.post_metrics.v1" }

// PostMetricsID is the deterministic id of a reading (to the second).
func PostMetricsID(network, platformID string, takenAt time.Time) string {
	return fmt.Sprintf("post_metrics:%s:%s:%d", network, platformID, takenAt.Unix())
}

// Validate reports the first missing or malformed field, naming it.
func (m PostMetrics) Validate() error {
	if err := events.ValidateBrand(m.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case m.Network == "" || m.Account == "":
		return fmt.Errorf("%w: network and account are required", ErrInvalid)
	case m.PlatformID == "":
		return fmt.Errorf("%w: platform_id is required", ErrInvalid)
	case m.PublishedAt.IsZero() || m.TakenAt.IsZero():
		return fmt.Errorf("%w: published_at and taken_at are required", ErrInvalid)
	case m.ID != PostMetricsID(m.Network, m.PlatformID, m.TakenAt):
		return fmt.Errorf("%w: id must be %q", ErrInvalid, PostMetricsID(m.Network, m.PlatformID, m.TakenAt))
	}
	for name, v := range map[string]*int64{"impressions": m.Impressions, "reactions": m.Reactions, "comments": m.Comments, "shares": m.Shares, "clicks": m.Clicks} {
		if v != nil && *v < 0 {
			return fmt.Errorf("%w: %s must not be negative", ErrInvalid, name)
		}
	}
	return nil
}

// LinkClicked is one click on a short link of the brand's published posts
// (the gateway's /l/{code}), counted by publishing. Bots and link previews
// are not counted; the visitor is a keyed hash of the address, never the
// address itself.
type LinkClicked struct {
	// ID is the event id: one per click (LinkClickedID).
	ID    string `json:"id"`
	Brand string `json:"brand"`
	// Code is the short link's code.
	Code    string `json:"code"`
	Network string `json:"network"`
	Account string `json:"account,omitempty"`
	// RequestID is the publish request whose post carried the link.
	RequestID string `json:"request_id"`
	// Target is where the click was sent (the recorded link, with its UTM
	// parameters).
	Target string `json:"target"`
	// Visitor is a keyed hash of the visitor's address: distinct visitors
	// can be counted, the address cannot be read back.
	Visitor   string    `json:"visitor"`
	ClickedAt time.Time `json:"clicked_at"`
}

// Name implements events.Event.
func (LinkClicked) Name() string { return "community.link_clicked.v1" }

// LinkClickedID is the id of a click: its code, its time to the
// nanosecond and a nonce the counting side draws.
func LinkClickedID(code string, at time.Time, nonce string) string {
	return fmt.Sprintf("link_click:%s:%d:%s", code, at.UnixNano(), nonce)
}

// Validate reports the first missing or malformed field, naming it.
func (c LinkClicked) Validate() error {
	if err := events.ValidateBrand(c.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: id is required", ErrInvalid)
	case c.Code == "" || c.Network == "" || c.RequestID == "":
		return fmt.Errorf("%w: code, network and request_id are required", ErrInvalid)
	case c.Target == "":
		return fmt.Errorf("%w: target is required", ErrInvalid)
	case c.Visitor == "":
		return fmt.Errorf("%w: visitor is required", ErrInvalid)
	case c.ClickedAt.IsZero():
		return fmt.Errorf("%w: clicked_at is required", ErrInvalid)
	}
	return nil
}
