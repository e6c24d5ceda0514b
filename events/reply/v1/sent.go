// Package v1 holds version 1 of the reply domain's contracts: the brand's
// answers to interactions once they are on the network. Changes here are
// additive only.
package v1

import (
	"errors"
	"fmt"
	"time"

	"github.com/ruche-project/ruche/events"
)

// Sent is published (by publishing, once a network has accepted the reply)
// for every reply the brand makes to an interaction, in public or in a DM.
// Analytics defines "responded" from it: an interaction is responded when at
// least one Sent names it, and its first response time is from the
// interaction's created_at to the earliest SentAt.
type Sent struct {
	// ID is the event id, deterministic: SentID(network, reply platform id),
	// so that a reply reported twice collapses to one.
	ID    string `json:"id"`
	Brand string `json:"brand"`
	// InteractionID is the interaction answered ("<network>:<platform id>").
	InteractionID string `json:"interaction_id"`
	Network       string `json:"network"`
	// PlatformID is the reply's own id on the network.
	PlatformID string `json:"platform_id"`
	// Private is true for a reply sent as a direct message.
	Private bool `json:"private,omitempty"`
	// Agent is the user who approved the reply; empty for an audited
	// automatic reply (Automated).
	Agent     string    `json:"agent,omitempty"`
	Automated bool      `json:"automated,omitempty"`
	SentAt    time.Time `json:"sent_at"`
}

// Name implements events.Event.
func (Sent) Name() string { return "reply.sent.v1" }

// SentID is the deterministic event id of a reply: "reply:<network>:<platform id>".
func SentID(network, platformID string) string {
	return "reply:" + network + ":" + platformID
}

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid reply")

// Validate reports the first missing or malformed field, naming it.
func (s Sent) Validate() error {
	if err := events.ValidateBrand(s.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case s.InteractionID == "":
		return fmt.Errorf("%w: interaction_id is required", ErrInvalid)
	case s.Network == "" || s.PlatformID == "":
		return fmt.Errorf("%w: network and platform_id are required", ErrInvalid)
	case s.ID != SentID(s.Network, s.PlatformID):
		return fmt.Errorf("%w: id must be %q", ErrInvalid, SentID(s.Network, s.PlatformID))
	case s.SentAt.IsZero():
		return fmt.Errorf("%w: sent_at is required", ErrInvalid)
	}
	return nil
}
