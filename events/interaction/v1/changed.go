package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
)

// Updated is published by ingest when the author of an interaction edits
// its text on the network. It travels on the interaction stream beside
// Received (ruche.interaction.updated.v1.<brand>); a consumer that filters
// interaction.received does not see it.
type Updated struct {
	// ID is the event id: UpdatedID(interaction id, text), so that the same
	// edit redelivered collapses to one event and a second edit does not.
	ID string `json:"id"`
	// InteractionID is the id of the interaction edited (InteractionID).
	InteractionID string    `json:"interaction_id"`
	Brand         string    `json:"brand"`
	Network       string    `json:"network"`
	Text          string    `json:"text"`
	Lang          string    `json:"lang,omitempty"`
	EditedAt      time.Time `json:"edited_at"`
	ReceivedAt    time.Time `json:"received_at"`
	Source        Source    `json:"source"`
	SourceID      string    `json:"source_id,omitempty"`
}

// Name implements events.Event.
func (Updated) Name() string { return "interaction.updated.v1" }

// TextHash is a short, stable digest of an interaction's text: what tells
// one version of a text from another.
func TextHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:8])
}

// UpdatedID is the deterministic event id of an edit:
// "updated:<interaction id>:<text hash>".
func UpdatedID(interactionID, text string) string {
	return "updated:" + interactionID + ":" + TextHash(text)
}

// Validate reports the first missing or malformed field, naming it.
func (u Updated) Validate() error {
	if err := validateChange(u.Brand, u.Network, u.InteractionID, u.ReceivedAt, u.Source); err != nil {
		return err
	}
	switch {
	case u.ID != UpdatedID(u.InteractionID, u.Text):
		return invalid("id", fmt.Sprintf("must be %q", UpdatedID(u.InteractionID, u.Text)))
	case len(u.Text) > MaxTextBytes:
		return invalid("text", fmt.Sprintf("is longer than %d bytes", MaxTextBytes))
	case u.EditedAt.IsZero():
		return invalid("edited_at", "is required")
	}
	return nil
}

// Deleted is published by ingest when an interaction is deleted on the
// network (by its author or a moderator there): it leaves the open queue.
type Deleted struct {
	// ID is the event id: DeletedID(interaction id); an interaction is
	// deleted once.
	ID            string    `json:"id"`
	InteractionID string    `json:"interaction_id"`
	Brand         string    `json:"brand"`
	Network       string    `json:"network"`
	DeletedAt     time.Time `json:"deleted_at"`
	ReceivedAt    time.Time `json:"received_at"`
	Source        Source    `json:"source"`
	SourceID      string    `json:"source_id,omitempty"`
	// Reason is what the network or sender says, e.g. "author", "moderator";
	// optional.
	Reason string `json:"reason,omitempty"`
}

// Name implements events.Event.
func (Deleted) Name() string { return "interaction.deleted.v1" }

// DeletedID is the deterministic event id of a deletion: "deleted:<interaction id>".
func DeletedID(interactionID string) string { return "deleted:" + interactionID }

// Validate reports the first missing or malformed field, naming it.
func (d Deleted) Validate() error {
	if err := validateChange(d.Brand, d.Network, d.InteractionID, d.ReceivedAt, d.Source); err != nil {
		return err
	}
	switch {
	case d.ID != DeletedID(d.InteractionID):
		return invalid("id", fmt.Sprintf("must be %q", DeletedID(d.InteractionID)))
	case d.DeletedAt.IsZero():
		return invalid("deleted_at", "is required")
	}
	return nil
}

func invalid(field, why string) error { return fmt.Errorf("%w: %s %s", ErrInvalid, field, why) }

// validateChange checks the fields an edit and a deletion share.
func validateChange(brand, network, interactionID string, receivedAt time.Time, source Source) error {
	if err := events.ValidateBrand(brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case network == "":
		return invalid("network", "is required")
	case strings.ContainsAny(network, ":. *>"):
		return invalid("network", "may not contain ':', '.', spaces, '*' or '>'")
	case len(interactionID) <= len(network)+1 || interactionID[:len(network)+1] != network+":":
		return invalid("interaction_id", fmt.Sprintf("must be %q followed by the platform id", network+":"))
	case receivedAt.IsZero():
		return invalid("received_at", "is required")
	case source == "":
		return invalid("source", "is required")
	}
	return nil
}
