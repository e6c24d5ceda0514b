package v1

import (
	"strconv"
	"time"
)

// Verdict is moderation's decision about one interaction.
type Verdict string

// Verdicts.
const (
	// VerdictAllow: nothing wrong, stays visible.
	VerdictAllow Verdict = "allow"
	// VerdictReview: a human should look at it.
	VerdictReview Verdict = "review"
	// VerdictHide: hidden on the network per the brand's policy.
	VerdictHide Verdict = "hide"
	// VerdictSpam: marked as spam.
	VerdictSpam Verdict = "spam"
	// VerdictEscalate: sent to a senior queue.
	VerdictEscalate Verdict = "escalate"
	// VerdictIgnore: not worth anyone's time (e.g. the brand's own posts).
	VerdictIgnore Verdict = "ignore"
)

// Moderated is published by moderation once per interaction and policy
// version: what the interaction is and what happens to it.
type Moderated struct {
	// ID is the event id: ModeratedID(interaction id, policy version).
	ID            string `json:"id"`
	InteractionID string `json:"interaction_id"`
	Brand         string `json:"brand"`
	Network       string `json:"network"`
	// Labels are the classifiers' findings, e.g. "lang:fr", "spam", "intent:question".
	Labels  []string `json:"labels"`
	Verdict Verdict  `json:"verdict"`
	// Actions the policy asks for, e.g. "hide", "needs_reply", "route:vip".
	Actions  []string `json:"actions"`
	Priority int      `json:"priority"`
	// SLADue is when a first response is due; nil when none is needed.
	SLADue   *time.Time `json:"sla_due,omitempty"`
	RuleHits []string   `json:"rule_hits"`
	// LabelReasons says what decided each label (the language's aside): the
	// classifier rule ids ("threat:je_vais_te", "shortener") or the learned
	// model's score ("model:toxicity=0.812"). Added in place (optional).
	LabelReasons  map[string][]string `json:"label_reasons,omitempty"`
	PolicyVersion int                 `json:"policy_version"`
	ModeratedAt   time.Time           `json:"moderated_at"`
	// InteractionCreatedAt is the interaction's CreatedAt, so that a
	// consumer can file the decision under the interaction's time without
	// looking the interaction up (analytics' rollups do). Added in place
	// (optional): decisions published before it lack it.
	InteractionCreatedAt time.Time `json:"interaction_created_at,omitzero"`
	// Content is what was decided on: the text as received, or for a
	// decision on an edit (ModeratedEditID) the edited text, with its
	// language and author, so that a consumer acting on the decision
	// (drafting writes the reply) needs no copy of interaction.received.
	// Added in place (optional): nil in decisions published before it.
	Content *Content `json:"content,omitempty"`
}

// Content is the text a decision was taken on.
type Content struct {
	Text string `json:"text"`
	// Lang is the network's language tag, if any (the detected language
	// is among the decision's labels).
	Lang   string `json:"lang,omitempty"`
	Author Author `json:"author"`
}

// Name implements events.Event.
func (Moderated) Name() string { return "interaction.moderated.v1" }

// ModeratedID is the deterministic event id of a moderation decision: the
// same interaction under the same policy version always yields the same id.
func ModeratedID(interactionID string, policyVersion int) string {
	return "moderated:" + interactionID + ":v" + strconv.Itoa(policyVersion)
}

// ModeratedEditID is the event id of the decision on an edited text: the
// decision on the same text under the same policy version always yields
// the same id, another text another one.
func ModeratedEditID(interactionID string, policyVersion int, text string) string {
	return ModeratedID(interactionID, policyVersion) + ":" + TextHash(text)
}
