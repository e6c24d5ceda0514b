package v1

import "time"

// Subjects of the moderation service's endpoints.
const (
	// ModerationService is the micro service name of moderation.
	ModerationService = "moderation"
	// GetPolicySubject answers GetPolicyRequest with GetPolicyResponse.
	GetPolicySubject = "ruche.query.moderation.policies.get"
	// PutPolicySubject answers PutPolicyRequest with PolicyVersion.
	PutPolicySubject = "ruche.command.moderation.policies.put"
	// ActivatePolicySubject answers ActivatePolicyRequest with
	// ActivatePolicyResponse.
	ActivatePolicySubject = "ruche.command.moderation.policies.activate"
	// DryRunPolicySubject answers DryRunPolicyRequest with
	// DryRunPolicyResponse.
	DryRunPolicySubject = "ruche.query.moderation.policies.dry_run"
)

// PolicyDocument is a brand's community guidelines as data. Rules are
// evaluated in order (see the moderation policy package for precedence).
type PolicyDocument struct {
	// Extends is "builtin" to apply the built-in policy before the rules
	// (the rules then add to or override its decision), or "" for none.
	Extends string       `json:"extends,omitempty" yaml:"extends,omitempty"`
	Rules   []PolicyRule `json:"rules" yaml:"rules"`
	// SLA overrides the default first-response delays ("2h", "30m").
	SLA *PolicySLA `json:"sla,omitempty" yaml:"sla,omitempty"`
	// PausePublishingDuringCrisis asks scheduling to hold the brand's
	// scheduled posts while a crisis is open (carried by crisis.detected.v1).
	PausePublishingDuringCrisis bool `json:"pause_publishing_during_crisis,omitempty" yaml:"pause_publishing_during_crisis,omitempty"`
	// Domains are the brand's own domains ("cafe-lumiere.fr"): a link to a
	// lookalike of one (confusable letters, one edit away, another TLD, a
	// word added) is phishing, labelled spam (link:lookalike_domain).
	Domains []string `json:"domains,omitempty" yaml:"domains,omitempty"`
	// Note describes the change, for the history.
	Note string `json:"note,omitempty" yaml:"note,omitempty"`
}

// PolicyRule is one rule: when every condition of When holds, the actions
// of Then apply. Stop ends the evaluation after this rule.
type PolicyRule struct {
	Name string      `json:"name" yaml:"name"`
	When PolicyMatch `json:"when" yaml:"when"`
	// Then are actions: hide, spam, escalate, review, needs_reply, ignore,
	// route:<queue>, priority:+N / priority:-N.
	Then []string `json:"then" yaml:"then"`
	Stop bool     `json:"stop,omitempty" yaml:"stop,omitempty"`
}

// PolicyMatch holds a rule's conditions; the empty ones are not checked,
// the others must all hold. Inside one list, any item matches.
type PolicyMatch struct {
	// Labels: any of these classifier labels ("spam", "toxicity:high",
	// "intent:complaint", "pii:email", "lang:fr"...).
	Labels []string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// AllLabels: every one of these labels.
	AllLabels []string `json:"all_labels,omitempty" yaml:"all_labels,omitempty"`
	// NotLabels: none of these labels.
	NotLabels []string `json:"not_labels,omitempty" yaml:"not_labels,omitempty"`
	// Keywords: any of these words or phrases, matched case-, accent- and
	// obfuscation-insensitively on whole words.
	Keywords []string `json:"keywords,omitempty" yaml:"keywords,omitempty"`
	// Regex: an RE2 expression matched on the raw text.
	Regex string `json:"regex,omitempty" yaml:"regex,omitempty"`
	// Authors: author ids or handles.
	Authors  []string `json:"authors,omitempty" yaml:"authors,omitempty"`
	Networks []string `json:"networks,omitempty" yaml:"networks,omitempty"`
	// Kinds: comment, reply, mention, dm, review...
	Kinds        []string `json:"kinds,omitempty" yaml:"kinds,omitempty"`
	MinFollowers int64    `json:"min_followers,omitempty" yaml:"min_followers,omitempty"`
}

// PolicySLA are first-response delays as Go durations; empty keeps the
// default.
type PolicySLA struct {
	Complaint string `json:"complaint,omitempty" yaml:"complaint,omitempty"`
	Question  string `json:"question,omitempty" yaml:"question,omitempty"`
	Purchase  string `json:"purchase,omitempty" yaml:"purchase,omitempty"`
	Escalate  string `json:"escalate,omitempty" yaml:"escalate,omitempty"`
}

// PolicyVersion is one saved version of a brand's policy. Versions are
// never changed once saved; version 0 is the built-in policy.
type PolicyVersion struct {
	Brand    string         `json:"brand"`
	Version  int            `json:"version"`
	Document PolicyDocument `json:"document"`
	// SavedBy is who saved it (the API key's id).
	SavedBy string    `json:"saved_by,omitempty"`
	SavedAt time.Time `json:"saved_at"`
}

// GetPolicyRequest asks for a brand's policy: Version 0 means the active
// one.
type GetPolicyRequest struct {
	Brand   string `json:"brand"`
	Version int    `json:"version,omitempty"`
}

// GetPolicyResponse is a brand's policy history and one version of it.
type GetPolicyResponse struct {
	Brand string `json:"brand"`
	// Active is the version in force (0: the built-in policy).
	Active int `json:"active"`
	// Latest is the newest saved version (0: none saved).
	Latest int `json:"latest"`
	// Versions lists every saved version, oldest first.
	Versions []PolicyVersionInfo `json:"versions"`
	// Policy is the version asked for (the active one by default); nil for
	// the built-in policy.
	Policy *PolicyVersion `json:"policy,omitempty"`
	// Builtin describes the built-in policy's rules (version 0, and what a
	// document with extends: builtin starts from), in order.
	Builtin []BuiltinRule `json:"builtin"`
}

// BuiltinRule is one rule of the built-in policy, described for people.
type BuiltinRule struct {
	// Name is the rule hit it records ("builtin:spam").
	Name string `json:"name"`
	// When and Then are the conditions and actions in a policy document's
	// vocabulary (labels, actions).
	When string   `json:"when"`
	Then []string `json:"then"`
	// Description in English and French.
	DescriptionEN string `json:"description_en"`
	DescriptionFR string `json:"description_fr"`
}

// PolicyVersionInfo summarises one saved version.
type PolicyVersionInfo struct {
	Version int       `json:"version"`
	SavedBy string    `json:"saved_by,omitempty"`
	SavedAt time.Time `json:"saved_at"`
	Note    string    `json:"note,omitempty"`
}

// PutPolicyRequest saves a new version. BaseVersion is the latest version
// the editor started from (0 for the first one); when another version was
// saved since, the request fails with CodeConflict.
type PutPolicyRequest struct {
	Brand       string         `json:"brand"`
	BaseVersion int            `json:"base_version"`
	Document    PolicyDocument `json:"document"`
	SavedBy     string         `json:"saved_by,omitempty"`
}

// ActivatePolicyRequest puts a saved version in force (0: back to the
// built-in policy).
type ActivatePolicyRequest struct {
	Brand   string `json:"brand"`
	Version int    `json:"version"`
	// ActivatedBy is who did it (the API key's id).
	ActivatedBy string `json:"activated_by,omitempty"`
}

// ActivatePolicyResponse says which version is in force.
type ActivatePolicyResponse struct {
	Brand  string `json:"brand"`
	Active int    `json:"active"`
}

// MaxDryRunItems bounds how many past interactions a dry run replays.
const MaxDryRunItems = 5000

// DryRunPolicyRequest replays a draft policy against a brand's past
// interactions: the last Days days, at most Limit items (0: 7 days, 1000
// items).
type DryRunPolicyRequest struct {
	Brand    string         `json:"brand"`
	Document PolicyDocument `json:"document"`
	Days     int            `json:"days,omitempty"`
	Limit    int            `json:"limit,omitempty"`
}

// DryRunPolicyResponse says what the draft would change compared with the
// active policy over the same interactions.
type DryRunPolicyResponse struct {
	Brand         string `json:"brand"`
	ActiveVersion int    `json:"active_version"`
	// Items replayed and how many of them would be decided differently.
	Items   int            `json:"items"`
	Changed int            `json:"changed"`
	Before  DryRunCounts   `json:"before"`
	After   DryRunCounts   `json:"after"`
	Sample  []DryRunChange `json:"sample"`
}

// DryRunCounts counts items per verdict and per action.
type DryRunCounts struct {
	Verdicts map[string]int `json:"verdicts"`
	Actions  map[string]int `json:"actions"`
}

// DryRunChange is one interaction decided differently.
type DryRunChange struct {
	InteractionID string        `json:"interaction_id"`
	Text          string        `json:"text"`
	Before        DryRunOutcome `json:"before"`
	After         DryRunOutcome `json:"after"`
}

// DryRunOutcome is a policy's decision about one interaction.
type DryRunOutcome struct {
	Verdict  string   `json:"verdict"`
	Actions  []string `json:"actions"`
	Priority int      `json:"priority"`
	RuleHits []string `json:"rule_hits"`
}
