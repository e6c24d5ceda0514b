package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErasureRequested is published by the gateway when a brand asks to erase
// everything it holds about one author on one network. Each service erases
// its own data on it and records a tombstone: interactions of this author
// created up to RequestedAt stay erased when they are delivered again.
type ErasureRequested struct {
	// ID is the event id: ErasureID(brand, network, author, requested at).
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
	// Pseudonym replaces the author id in the rows that are kept so that
	// counts and KPIs do not change: Pseudonym(brand, network, author id).
	Pseudonym string `json:"pseudonym"`
	// InteractionIDs are the author's interactions known when the request
	// was made (analytics' answer); each service adds those it finds itself.
	InteractionIDs []string `json:"interaction_ids,omitempty"`
	// RequestedBy is the actor (user id or key fingerprint) who asked.
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	// Reason is free text for the audit log ("art. 17 request of ...").
	Reason string `json:"reason,omitempty"`
}

// Name implements events.Event.
func (ErasureRequested) Name() string { return "privacy.erasure_requested.v1" }

// SubjectKey is the stable digest of a brand's author on a network: what a
// tombstone keeps instead of the author id (hex SHA-256 of the three,
// NUL-separated).
func SubjectKey(brand, network, authorID string) string {
	h := sha256.Sum256([]byte(brand + "\x00" + network + "\x00" + authorID))
	return hex.EncodeToString(h[:])
}

// Pseudonym is what replaces an erased author's id: "erased:" and the first
// 16 hex digits of their SubjectKey, the same on every table and service so
// that counts per author stay right.
func Pseudonym(brand, network, authorID string) string {
	return "erased:" + SubjectKey(brand, network, authorID)[:16]
}

// ErasureID is the deterministic id of an erasure request: asking twice in
// the same millisecond is one request, asking again later is another.
func ErasureID(brand, network, authorID string, at time.Time) string {
	return "erasure:" + brand + ":" + SubjectKey(brand, network, authorID)[:16] + ":" + strconv.FormatInt(at.UnixMilli(), 10)
}

// MaxInteractionIDs bounds the ids one request carries (an event must stay
// well under the server's 1 MB message limit); services find the rest.
const MaxInteractionIDs = 5000

// Validate reports the first missing or malformed field, naming it.
func (e ErasureRequested) Validate() error {
	switch {
	case e.Brand == "":
		return errors.New("brand: is required")
	case e.Network == "":
		return errors.New("network: is required")
	case e.AuthorID == "":
		return errors.New("author_id: is required")
	case e.RequestedAt.IsZero():
		return errors.New("requested_at: is required")
	case e.ID != ErasureID(e.Brand, e.Network, e.AuthorID, e.RequestedAt):
		return fmt.Errorf("id: must be %q", ErasureID(e.Brand, e.Network, e.AuthorID, e.RequestedAt))
	case e.Pseudonym != Pseudonym(e.Brand, e.Network, e.AuthorID):
		return fmt.Errorf("pseudonym: must be %q", Pseudonym(e.Brand, e.Network, e.AuthorID))
	case len(e.InteractionIDs) > MaxInteractionIDs:
		return fmt.Errorf("interaction_ids: more than %d", MaxInteractionIDs)
	}
	return nil
}
