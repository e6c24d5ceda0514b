package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Correctable are the labels a moderator may correct: the ones the
// classifiers and the learned model decide (personal data, language,
// intent and urgency are patterns and lists, corrected by a brand's policy).
var Correctable = []string{"spam", "toxicity", "threat", "sentiment:positive", "sentiment:neutral", "sentiment:negative"}

// Corrected is published by moderation when a moderator says that the
// automatic labels of an interaction are wrong: a label it gave that does
// not hold (Remove) or one it missed (Add). The correction is kept per brand
// and changes the decision on the next similar text; its text and labels
// are a training example for the learned model.
type Corrected struct {
	// ID is the event id (see CorrectedID).
	ID            string `json:"id"`
	InteractionID string `json:"interaction_id"`
	Brand         string `json:"brand"`
	// Moderator is who corrected.
	Moderator string `json:"moderator"`
	// Text is the text the labels were given to (the training example).
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
	// Labels are the automatic labels corrected, as moderation gave them.
	Labels []string `json:"labels"`
	// LabelReasons say what decided each removed label (a rule id, a model
	// score), for the report of the most corrected labels.
	LabelReasons map[string][]string `json:"label_reasons,omitempty"`
	// Add and Remove are Correctable labels; at least one is given.
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Source says how the correction was made: "explicit" (a moderator
	// corrected the labels) or "case" (a case decision disagreed with the
	// automatic verdict).
	Source      string    `json:"source"`
	Reason      string    `json:"reason,omitempty"`
	CorrectedAt time.Time `json:"corrected_at"`
}

// Sources of a correction.
const (
	CorrectionExplicit = "explicit"
	CorrectionCase     = "case"
)

// Name implements events.Event.
func (Corrected) Name() string { return "case.corrected.v1" }

// CorrectedID is the deterministic id of a correction: the same correction
// of the same text, retried, has the same id.
func CorrectedID(interactionID, text string, add, remove []string) string {
	h := sha256.New()
	h.Write([]byte(text))
	for _, l := range sorted(add) {
		h.Write([]byte("\x00+" + l))
	}
	for _, l := range sorted(remove) {
		h.Write([]byte("\x00-" + l))
	}
	return "corrected:" + interactionID + ":" + hex.EncodeToString(h.Sum(nil)[:8])
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// CoversLabel says whether the correctable label c names the automatic
// label l ("toxicity" names "toxicity:medium" and "toxicity:insult").
func CoversLabel(c, l string) bool {
	return c == l || c == "toxicity" && strings.HasPrefix(l, "toxicity:")
}

// Result is the labels the correction leaves: Labels without those a
// Remove covers (CoversLabel), then Add.
func (c Corrected) Result() []string {
	out := make([]string, 0, len(c.Labels)+len(c.Add))
	for _, l := range c.Labels {
		if !slices.ContainsFunc(c.Remove, func(r string) bool { return CoversLabel(r, l) }) {
			out = append(out, l)
		}
	}
	for _, l := range c.Add {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Validate reports the first missing or malformed field, naming it.
func (c Corrected) Validate() error {
	bad := func(field, msg string) error { return fmt.Errorf("case.corrected.v1: %s %s", field, msg) }
	switch {
	case c.Brand == "":
		return bad("brand", "is required")
	case c.InteractionID == "":
		return bad("interaction_id", "is required")
	case c.Moderator == "":
		return bad("moderator", "is required")
	case c.ID != CorrectedID(c.InteractionID, c.Text, c.Add, c.Remove):
		return bad("id", fmt.Sprintf("must be %q", CorrectedID(c.InteractionID, c.Text, c.Add, c.Remove)))
	case len(c.Add)+len(c.Remove) == 0:
		return bad("add", "or remove must name a label")
	case c.Source != CorrectionExplicit && c.Source != CorrectionCase:
		return bad("source", fmt.Sprintf("must be %q or %q", CorrectionExplicit, CorrectionCase))
	case c.CorrectedAt.IsZero():
		return bad("corrected_at", "is required")
	}
	if err := CheckCorrection(c.Add, c.Remove); err != nil {
		return fmt.Errorf("case.corrected.v1: %w", err)
	}
	return nil
}

// CorrectionError names the field of a correction that is wrong.
type CorrectionError struct {
	Field, Msg string
}

func (e *CorrectionError) Error() string { return e.Field + ": " + e.Msg }

// CheckCorrection checks that add and remove name Correctable labels, each
// once, none in both, and at most one sentiment added.
func CheckCorrection(add, remove []string) error {
	seen := map[string]string{}
	sentiments := 0
	for _, l := range []struct {
		field  string
		labels []string
	}{{"add", add}, {"remove", remove}} {
		for i, x := range l.labels {
			field := fmt.Sprintf("%s[%d]", l.field, i)
			if !slices.Contains(Correctable, x) {
				return &CorrectionError{field, fmt.Sprintf("%q is not one of %s", x, strings.Join(Correctable, ", "))}
			}
			if prev, ok := seen[x]; ok {
				return &CorrectionError{field, fmt.Sprintf("%q is already in %s", x, prev)}
			}
			seen[x] = field
			if l.field == "add" && strings.HasPrefix(x, "sentiment:") {
				sentiments++
			}
		}
	}
	if sentiments > 1 {
		return &CorrectionError{"add", "names more than one sentiment"}
	}
	return nil
}
