package sandbox

import (
	"encoding/json"
	"time"
)

// ItemType is the kind of an activity item.
type ItemType string

// Item types. Inbound activity is a comment (under one of the brand's
// posts), a reply (to someone's comment), a mention (a post of its own that
// tags the brand), a DM or a review; the brand's own publications are posts
// and replies.
const (
	TypeComment ItemType = "comment"
	TypeReply   ItemType = "reply"
	TypeMention ItemType = "mention"
	TypeDM      ItemType = "dm"
	TypeReview  ItemType = "review"
	TypePost    ItemType = "post"
)

// User is an account of the simulated network.
type User struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	DisplayName    string    `json:"display_name"`
	FollowersCount int64     `json:"followers_count"`
	Verified       bool      `json:"verified"`
	CreatedAt      time.Time `json:"created_at"`
}

// Item is one activity item as the sandbox API serves it.
type Item struct {
	ID       string   `json:"id"`
	Type     ItemType `json:"type"`
	Account  string   `json:"account"`
	ThreadID string   `json:"thread_id,omitempty"`
	// InReplyToID is the item this one answers (a comment answers the post).
	InReplyToID string    `json:"in_reply_to_id,omitempty"`
	Author      User      `json:"author"`
	Text        string    `json:"text"`
	Lang        string    `json:"lang,omitempty"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
	// Rating is 1 to 5 stars, for reviews.
	Rating int  `json:"rating,omitempty"`
	Hidden bool `json:"hidden"`
	// GroundTruth is what the generator meant the item to be; only the
	// sandbox knows it.
	GroundTruth *GroundTruth `json:"ground_truth,omitempty"`
}

// GroundTruth says which category (and scenario) produced an item.
type GroundTruth struct {
	Category Category `json:"category"`
	Scenario string   `json:"scenario,omitempty"`
	Topic    string   `json:"topic,omitempty"`
}

// Page is one page of the activity endpoint. Items are raw so that a client
// can read each on its own: one malformed item does not spoil the page.
type Page struct {
	Items []json.RawMessage `json:"items"`
	// NextSinceID is the cursor of the next request (the id of the last
	// item of the page, or the request's since_id when the page is empty).
	NextSinceID string `json:"next_since_id"`
	// HasMore is true when items newer than the page are already waiting.
	HasMore bool `json:"has_more"`
}

// PublishRequest is the body of POST /api/v1/posts and /api/v1/replies.
type PublishRequest struct {
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
	// InReplyToID is required by /api/v1/replies.
	InReplyToID string `json:"in_reply_to_id,omitempty"`
	// MediaIDs attach media uploaded with POST /api/v1/media (at most 4,
	// each to one publication).
	MediaIDs []string `json:"media_ids,omitempty"`
}

// APIError is the body of every error answer.
type APIError struct {
	Error string `json:"error"`
	// Code is a stable machine-readable reason, e.g. "rate_limited".
	Code string `json:"code"`
}
