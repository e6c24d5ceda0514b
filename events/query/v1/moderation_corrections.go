package v1

import (
	casev1 "github.com/ruche-project/ruche/events/case/v1"
)

// Subjects of moderation's correction endpoints.
const (
	// CorrectCaseSubject answers CorrectCaseRequest with casev1.Corrected.
	CorrectCaseSubject = "ruche.command.moderation.cases.correct"
	// ListCorrectionsSubject answers ListCorrectionsRequest with
	// ListCorrectionsResponse.
	ListCorrectionsSubject = "ruche.query.moderation.corrections.list"
)

// CorrectCaseRequest corrects the automatic labels of one interaction:
// labels it missed (Add) and labels that do not hold (Remove), among
// casev1.Correctable. It fails with CodeBadRequest naming the field when a
// label to remove is not among the automatic labels or one to add already
// is.
type CorrectCaseRequest struct {
	Brand         string   `json:"brand"`
	InteractionID string   `json:"interaction_id"`
	Moderator     string   `json:"moderator"`
	Add           []string `json:"add,omitempty"`
	Remove        []string `json:"remove,omitempty"`
	Reason        string   `json:"reason,omitempty"`
}

// ListCorrectionsRequest asks for a brand's corrections, newest first, and
// the most corrected labels.
type ListCorrectionsRequest struct {
	Brand string `json:"brand"`
	// Limit bounds the corrections listed (default 50, at most 1000); the
	// label counts are over all of them.
	Limit int `json:"limit,omitempty"`
	// InteractionIDs, when set, keep the corrections of these interactions
	// only (at most MaxCorrectionIDs): the marks of a page of the inbox.
	InteractionIDs []string `json:"interaction_ids,omitempty"`
}

// MaxCorrectionIDs bounds ListCorrectionsRequest.InteractionIDs (ten of
// the inbox's pages).
const MaxCorrectionIDs = 500

// ListCorrectionsResponse is a brand's corrections report.
type ListCorrectionsResponse struct {
	// Total is how many corrections the brand has.
	Total int `json:"total"`
	// Labels are the corrected labels, most corrected first.
	Labels      []CorrectedLabel   `json:"labels"`
	Corrections []casev1.Corrected `json:"corrections"`
}

// CorrectedLabel counts the corrections of one label.
type CorrectedLabel struct {
	Label string `json:"label"`
	// Added counts the times it was missed, Removed the times it was given
	// wrongly.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	// By counts the wrong labels by what decided them: "model:spam", a
	// rule id ("shortener", "insult:connard"), "rules:sentiment".
	By map[string]int `json:"by,omitempty"`
}
