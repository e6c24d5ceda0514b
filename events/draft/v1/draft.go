package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Drafters: who wrote a draft's text.
const (
	// DrafterOffline is the offline drafter (saved replies, knowledge base,
	// templates); no model was asked.
	DrafterOffline = "offline"
	// DrafterModelPrefix starts the drafter of a model's draft: "model:<name>".
	DrafterModelPrefix = "model:"
)

// Citation is one knowledge-base entry a draft used.
type Citation struct {
	// EntryID is the entry's id in the brand's knowledge base.
	EntryID string `json:"entry_id"`
	Title   string `json:"title"`
	// URL is the entry's public page, when it has one.
	URL string `json:"url,omitempty"`
	// Score is the retrieval score (BM25) that selected it.
	Score float64 `json:"score"`
}

// Check is the outcome of one output check run before a human sees a draft
// (no prompt echoed, links allowed, no foreign personal data, language,
// length, words to avoid).
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Detail says what failed, e.g. the disallowed link.
	Detail string `json:"detail,omitempty"`
}

// Created is published each time drafting writes a version of an
// interaction's draft: the first one, a regeneration, an edit by a human.
type Created struct {
	// ID is the event id: CreatedID(draft id, version).
	ID            string `json:"id"`
	DraftID       string `json:"draft_id"`
	Version       int    `json:"version"`
	Brand         string `json:"brand"`
	InteractionID string `json:"interaction_id"`
	Network       string `json:"network"`
	Lang          string `json:"lang"`
	Text          string `json:"text"`
	// Drafter is DrafterOffline, "model:<name>", or "human:<user>" for an
	// edit.
	Drafter   string     `json:"drafter"`
	Citations []Citation `json:"citations"`
	// KBVersion and VoiceVersion are the brand's knowledge base and voice
	// profile versions the draft was written with (0: none).
	KBVersion    int `json:"kb_version"`
	VoiceVersion int `json:"voice_version"`
	// Confidence is in [0, 1]; Reasons explain it.
	Confidence float64  `json:"confidence"`
	Reasons    []string `json:"reasons"`
	Checks     []Check  `json:"checks"`
	// Flagged is true when a check failed: a human must read the failures
	// before approving.
	Flagged bool `json:"flagged"`
	// Note says what the reader must know, e.g. that the model's budget was
	// exhausted and the offline drafter wrote it.
	Note string `json:"note,omitempty"`
	// Instruction is the moderator's instruction of a regeneration.
	Instruction string `json:"instruction,omitempty"`
	// RequestedBy is "moderation" for a draft asked by moderation's
	// needs_reply, or the moderator who asked.
	RequestedBy string    `json:"requested_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Name implements events.Event.
func (Created) Name() string { return "draft.created.v1" }

// Approved is the approval record of a reply: who approved which exact text
// of which draft version, written with which knowledge. Publishing sends a
// reply only when its text hashes to ContentHash.
type Approved struct {
	// ID is the event id and the approval's id: ApprovalID(draft id, version).
	ID            string `json:"id"`
	Brand         string `json:"brand"`
	DraftID       string `json:"draft_id"`
	DraftVersion  int    `json:"draft_version"`
	InteractionID string `json:"interaction_id"`
	Network       string `json:"network"`
	Lang          string `json:"lang"`
	// Text is exactly what may be sent.
	Text string `json:"text"`
	// ContentHash is ContentHash(Text).
	ContentHash string `json:"content_hash"`
	// ApprovedBy is the approver whose approval completed the record;
	// Approvers lists every approver in order (two under four-eyes).
	ApprovedBy string    `json:"approved_by"`
	Approvers  []string  `json:"approvers"`
	ApprovedAt time.Time `json:"approved_at"`
	// KBVersion and VoiceVersion are those the draft was written with;
	// KBEntries the entries it cites.
	KBVersion    int      `json:"kb_version"`
	VoiceVersion int      `json:"voice_version"`
	KBEntries    []string `json:"kb_entries"`
	// EditDistance is the Levenshtein distance (in characters) between the
	// drafter's text and the approved text: a quality signal.
	EditDistance int `json:"edit_distance"`
	// PublishRequestID is the id of the publish.requested.v1 (kind reply)
	// that follows this approval.
	PublishRequestID string `json:"publish_request_id"`
}

// Name implements events.Event.
func (Approved) Name() string { return "draft.approved.v1" }

// Rejected is published when a moderator rejects a draft version.
type Rejected struct {
	// ID is the event id: RejectedID(draft id, version).
	ID            string    `json:"id"`
	Brand         string    `json:"brand"`
	DraftID       string    `json:"draft_id"`
	DraftVersion  int       `json:"draft_version"`
	InteractionID string    `json:"interaction_id"`
	RejectedBy    string    `json:"rejected_by"`
	Reason        string    `json:"reason"`
	RejectedAt    time.Time `json:"rejected_at"`
}

// Name implements events.Event.
func (Rejected) Name() string { return "draft.rejected.v1" }

// DraftID is the id of an interaction's draft: one per interaction, whose
// versions are its regenerations and edits.
func DraftID(interactionID string) string { return "draft:" + interactionID }

// CreatedID is the event id of one version of a draft.
func CreatedID(draftID string, version int) string {
	return draftID + ":v" + strconv.Itoa(version)
}

// ApprovalID is the id of the approval of one version of a draft.
func ApprovalID(draftID string, version int) string {
	return "approval:" + draftID + ":v" + strconv.Itoa(version)
}

// RejectedID is the event id of the rejection of one version of a draft.
func RejectedID(draftID string, version int) string {
	return "rejected:" + draftID + ":v" + strconv.Itoa(version)
}

// PublishRequestID is the id of the reply publish request that follows an
// approval.
func PublishRequestID(approvalID string) string { return "publish:" + approvalID }

// ContentHash is the approval hash of a text: "sha256:" and the hex digest
// of its UTF-8 bytes, exactly as they will be sent.
func ContentHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:])
}
