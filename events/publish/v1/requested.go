package v1

import "time"

// Kind is what a publish request asks the network to do.
type Kind string

// Kinds.
const (
	// KindReply answers an interaction, with an approved text.
	KindReply Kind = "reply"
	// KindHide hides an interaction on its network.
	KindHide Kind = "hide"
	// KindUnhide makes a hidden interaction visible again; publishing treats
	// it as a no-op when the interaction is visible.
	KindUnhide Kind = "unhide"
)

// Requested asks publishing to act on a network.
type Requested struct {
	// ID is the event id, deterministic for the cause (e.g. the case
	// decision's id with a "publish:" prefix).
	ID    string `json:"id"`
	Brand string `json:"brand"`
	Kind  Kind   `json:"kind"`
	// InteractionID is the interaction acted on (hide, unhide) or answered
	// (reply).
	InteractionID string `json:"interaction_id"`
	Network       string `json:"network,omitempty"`
	// RequestedBy is who asked: a moderator, or "policy".
	RequestedBy string    `json:"requested_by"`
	Reason      string    `json:"reason,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	// Text and Lang of a reply.
	Text string `json:"text,omitempty"`
	Lang string `json:"lang,omitempty"`
	// ApprovalID names the approval record of a reply (for drafting's
	// replies, events/draft/v1.Approved): publishing refuses to send a text
	// it does not cover.
	ApprovalID string `json:"approval_id,omitempty"`
}

// Name implements events.Event.
func (Requested) Name() string { return "publish.requested.v1" }
