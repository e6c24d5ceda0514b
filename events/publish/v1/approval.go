package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Approval is a human's (or an audited auto-reply rule's) approval of the
// exact texts a post or a reply may send. Drafting and scheduling record
// one before they request a publication; publishing sends a text only when
// the request names an approval of the same brand and kind whose hashes
// include VariantHash of what it sends (text, media, first comment), so
// content changed after its approval is refused.
type Approval struct {
	ID    string `json:"id"`
	Brand string `json:"brand"`
	Kind  Kind   `json:"kind"`
	// ContentHashes are VariantHash of every variant approved (ContentHash
	// of a reply's text).
	ContentHashes []string `json:"content_hashes"`
	// ApprovedBy is the user who approved; "auto:<rule>" for an audited
	// automatic reply.
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
}

// ContentHash is the approval hash of a text: "sha256:" and the hex digest
// of its UTF-8 bytes, exactly as they will be sent.
func ContentHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// VariantHash is the approval hash of what a variant sends: its text, its
// media (URL, kind, type and alt text, in order) and its first comment. A
// variant of text alone hashes as ContentHash(text), so approvals recorded
// before media existed still cover their texts. Scheduling records it and
// publishing checks it: one definition.
func VariantHash(v Variant) string {
	if len(v.Media) == 0 && v.FirstComment == "" {
		return ContentHash(v.Text)
	}
	b, _ := json.Marshal(struct {
		Text         string  `json:"text"`
		Media        []Media `json:"media"`
		FirstComment string  `json:"first_comment"`
	}{v.Text, v.Media, v.FirstComment})
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ErrNotApproved is wrapped by Covers when a text is not approved.
var ErrNotApproved = errors.New("not approved")

// Validate reports the first missing or malformed field, naming it.
func (a Approval) Validate() error {
	switch {
	case a.ID == "":
		return errors.New("approval: id is required")
	case a.Brand == "":
		return errors.New("approval: brand is required")
	case !a.Kind.NeedsApproval():
		return fmt.Errorf("approval: kind must be %s or %s, got %q", KindPost, KindReply, a.Kind)
	case len(a.ContentHashes) == 0:
		return errors.New("approval: content_hashes are required")
	case a.ApprovedBy == "":
		return errors.New("approval: approved_by is required")
	case a.ApprovedAt.IsZero():
		return errors.New("approval: approved_at is required")
	}
	for i, h := range a.ContentHashes {
		if len(h) != len("sha256:")+64 || h[:7] != "sha256:" {
			return fmt.Errorf("approval: content_hashes[%d] is not sha256:<64 hex digits>", i)
		}
	}
	return nil
}

// Covers reports whether the approval allows brand to send text as kind.
func (a Approval) Covers(brand string, kind Kind, text string) error {
	return a.CoversVariant(brand, kind, Variant{Text: text})
}

// CoversVariant reports whether the approval allows brand to send v (its
// text, media and first comment) as kind.
func (a Approval) CoversVariant(brand string, kind Kind, v Variant) error {
	switch {
	case a.Brand != brand:
		return fmt.Errorf("%w: approval %s belongs to another brand", ErrNotApproved, a.ID)
	case a.Kind != kind:
		return fmt.Errorf("%w: approval %s is for a %s, not a %s", ErrNotApproved, a.ID, a.Kind, kind)
	case !slices.Contains(a.ContentHashes, VariantHash(v)):
		return fmt.Errorf("%w: the text, media or first comment differ from what approval %s approved", ErrNotApproved, a.ID)
	}
	return nil
}
