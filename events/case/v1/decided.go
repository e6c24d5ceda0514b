package v1

import (
	"fmt"
	"time"
)

// Decision is what a moderator decides about a case.
type Decision string

// Decisions.
const (
	// DecisionApprove: the interaction is fine and stays (or becomes) visible.
	DecisionApprove Decision = "approve"
	// DecisionHide: hidden on the network.
	DecisionHide Decision = "hide"
	// DecisionSpam: marked as spam and hidden.
	DecisionSpam Decision = "spam"
	// DecisionEscalate: sent to a senior queue.
	DecisionEscalate Decision = "escalate"
	// DecisionAssign: handed to another moderator (Assignee).
	DecisionAssign Decision = "assign"
	// DecisionClose: nothing more to do.
	DecisionClose Decision = "close"
)

// Decisions lists every decision, in documentation order.
var Decisions = []Decision{DecisionApprove, DecisionHide, DecisionSpam, DecisionEscalate, DecisionAssign, DecisionClose}

// Valid reports whether d is a known decision.
func (d Decision) Valid() bool {
	for _, x := range Decisions {
		if d == x {
			return true
		}
	}
	return false
}

// Decided is published by moderation when a moderator decides about a case
// (one interaction): who, when, what and why. The interaction's state
// follows the latest decision.
type Decided struct {
	// ID is the event id (see DecidedID).
	ID            string   `json:"id"`
	InteractionID string   `json:"interaction_id"`
	Brand         string   `json:"brand"`
	Decision      Decision `json:"decision"`
	// Moderator is who decided (the API key's id for now).
	Moderator string `json:"moderator"`
	// Assignee is the moderator the case is handed to (assign only).
	Assignee  string    `json:"assignee,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decided_at"`
}

// Name implements events.Event.
func (Decided) Name() string { return "case.decided.v1" }

// DecidedID is the deterministic id of a decision taken under one claim
// revision: retrying the same request yields the same id.
func DecidedID(interactionID string, d Decision, claimRevision uint64) string {
	return fmt.Sprintf("case:%s:%s:%d", interactionID, d, claimRevision)
}
