package v1

import (
	"time"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
)

// DraftingService is the micro service name of drafting.
const DraftingService = "drafting"

// The drafting service's endpoints.
var (
	// RequestDraft drafts (or redrafts, with an instruction) the reply to an
	// interaction on a moderator's demand.
	RequestDraft = Declare[RequestDraftRequest, Draft](DraftingService, "request_draft", "ruche.command.drafting.drafts.request", BudgetHeavy)
	// ListDrafts lists a brand's drafts, newest first.
	ListDrafts = Declare[ListDraftsRequest, DraftList](DraftingService, "list_drafts", "ruche.query.drafting.drafts.list", BudgetRead)
	// GetDraft answers one interaction's draft, or CodeNotFound.
	GetDraft = Declare[DraftRef, Draft](DraftingService, "get_draft", "ruche.query.drafting.drafts.get", BudgetRead)
	// EditDraft saves a moderator's text as the draft's next version;
	// CodeConflict when the draft moved past BaseVersion.
	EditDraft = Declare[EditDraftRequest, Draft](DraftingService, "edit_draft", "ruche.command.drafting.drafts.edit", BudgetRead)
	// ApproveDraft approves the draft's current version: under four-eyes the
	// first approval waits for a second approver; the last one writes the
	// approval record (draft.approved.v1) and the reply's publish request.
	ApproveDraft = Declare[ReviewDraftRequest, Draft](DraftingService, "approve_draft", "ruche.command.drafting.drafts.approve", BudgetRead)
	// RejectDraft rejects the draft's current version with a reason.
	RejectDraft = Declare[ReviewDraftRequest, Draft](DraftingService, "reject_draft", "ruche.command.drafting.drafts.reject", BudgetRead)
	// GetBrandSettings answers a brand's voice, knowledge base, saved
	// replies, model settings (the key never leaves drafting) and usage.
	GetBrandSettings = Declare[BrandRef, BrandSettings](DraftingService, "brand_settings_get", "ruche.query.drafting.brands.get", BudgetRead)
	// PutVoice saves the next version of a brand's voice profile.
	PutVoice = Declare[PutVoiceRequest, BrandSettings](DraftingService, "voice_put", "ruche.command.drafting.voice.put", BudgetRead)
	// PutKnowledge imports the next version of a brand's knowledge base
	// (Markdown or CSV) and saved replies.
	PutKnowledge = Declare[PutKnowledgeRequest, BrandSettings](DraftingService, "knowledge_put", "ruche.command.drafting.knowledge.put", BudgetRead)
	// SearchSavedReplies finds a brand's saved replies by words (accents and
	// case ignored), best first.
	SearchSavedReplies = Declare[SearchSavedRepliesRequest, SavedReplies](DraftingService, "saved_replies_search", "ruche.query.drafting.replies.search", BudgetRead)
	// PutModel sets a brand's model endpoint; the key is sealed at rest.
	PutModel = Declare[PutModelRequest, BrandSettings](DraftingService, "model_put", "ruche.command.drafting.model.put", BudgetRead)
)

// Draft statuses.
const (
	DraftPending  = "pending"
	DraftApproved = "approved"
	DraftRejected = "rejected"
	// DraftAwaitingSecond is a draft approved once under four-eyes.
	DraftAwaitingSecond = "awaiting_second_approval"
)

// Draft is the current state of an interaction's draft.
type Draft struct {
	// Current is the latest version.
	Current draftv1.Created `json:"current"`
	Status  string          `json:"status"`
	// Original is the drafter's text of the current generation, before
	// any human edit; EditDistance is from it to Current.Text.
	Original     string `json:"original"`
	EditDistance int    `json:"edit_distance"`
	// Approvers of the current version so far.
	Approvers []string `json:"approvers,omitempty"`
	// Approval is the approval record once approved.
	Approval *draftv1.Approved `json:"approval,omitempty"`
	// Rejection is the reason of the last rejection.
	Rejection string `json:"rejection,omitempty"`
	// Audit is every step taken on the draft, oldest first.
	Audit     []DraftStep `json:"audit"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// DraftStep is one audited action on a draft.
type DraftStep struct {
	Action  string    `json:"action"`
	By      string    `json:"by"`
	Version int       `json:"version"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
}

// DraftRef names one interaction's draft.
type DraftRef struct {
	Brand         string `json:"brand"`
	InteractionID string `json:"interaction_id"`
}

// RequestDraftRequest asks for a draft (a regeneration when one exists).
type RequestDraftRequest struct {
	DraftRef
	// Instruction guides a regeneration ("plus court", "mention the refund").
	Instruction string `json:"instruction,omitempty"`
	RequestedBy string `json:"requested_by"`
}

// ListDraftsRequest filters a brand's drafts.
type ListDraftsRequest struct {
	Brand string `json:"brand"`
	// Status keeps one status (empty: all).
	Status string `json:"status,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// DraftList is a page of drafts.
type DraftList struct {
	Drafts []Draft `json:"drafts"`
}

// EditDraftRequest replaces the draft's text.
type EditDraftRequest struct {
	DraftRef
	BaseVersion int    `json:"base_version"`
	Text        string `json:"text"`
	EditedBy    string `json:"edited_by"`
}

// ReviewDraftRequest approves or rejects one version of a draft.
type ReviewDraftRequest struct {
	DraftRef
	// Version must be the draft's current version (CodeConflict otherwise),
	// so nobody approves a text they did not read.
	Version int    `json:"version"`
	By      string `json:"by"`
	// Reason is required to reject.
	Reason string `json:"reason,omitempty"`
}

// BrandRef names a brand.
type BrandRef struct {
	Brand string `json:"brand"`
}

// VoiceProfile is a brand's voice profile.
type VoiceProfile struct {
	// Tone describes the voice for a model ("chaleureux, direct").
	Tone string `json:"tone"`
	// Address is "tu" or "vous" in French.
	Address string `json:"address"`
	// Signature per language ("fr", "en").
	Signature map[string]string `json:"signature,omitempty"`
	// Use are words the brand likes; Avoid are words a draft must not
	// contain.
	Use   []string `json:"use,omitempty"`
	Avoid []string `json:"avoid,omitempty"`
	// Emoji is "none" or "allowed".
	Emoji string `json:"emoji"`
	// MaxLength per network, in characters; "default" applies elsewhere.
	MaxLength map[string]int `json:"max_length,omitempty"`
	// Domains are the brand's own domains: links to them are allowed.
	Domains []string `json:"domains,omitempty"`
	// FourEyes requires two different approvers (at or above
	// FourEyesPriority when it is set).
	FourEyes         bool `json:"four_eyes,omitempty"`
	FourEyesPriority int  `json:"four_eyes_priority,omitempty"`
}

// KnowledgeEntry is one entry of a brand's knowledge base.
type KnowledgeEntry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// Kind is "faq", "product" or "guideline".
	Kind string `json:"kind"`
	// Lang is "fr" or "en".
	Lang string `json:"lang"`
	URL  string `json:"url,omitempty"`
}

// SavedReply is a reply the team saved, with variables ({{author}},
// {{order}}, {{signature}}).
type SavedReply struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	// Intent it answers: "question", "complaint", "purchase" (or empty).
	Intent string `json:"intent,omitempty"`
	// Keywords make it found by search and by the offline drafter.
	Keywords []string `json:"keywords,omitempty"`
	Text     string   `json:"text"`
}

// ModelSettings is a brand's model endpoint, without its key.
type ModelSettings struct {
	BaseURL string `json:"base_url,omitempty"`
	Model   string `json:"model,omitempty"`
	// EmbeddingModel finds the knowledge base and saved replies by
	// embeddings from the same endpoint (empty: by words, BM25).
	EmbeddingModel string `json:"embedding_model,omitempty"`
	// HasKey says whether a key is stored (sealed).
	HasKey bool `json:"has_key"`
	// TokenBudget is the brand's monthly token budget (0: no model use).
	TokenBudget int64 `json:"token_budget"`
}

// BrandSettings is a brand's drafting configuration and usage.
type BrandSettings struct {
	Brand        string           `json:"brand"`
	VoiceVersion int              `json:"voice_version"`
	Voice        VoiceProfile     `json:"voice"`
	KBVersion    int              `json:"kb_version"`
	Knowledge    []KnowledgeEntry `json:"knowledge"`
	SavedReplies []SavedReply     `json:"saved_replies"`
	Model        ModelSettings    `json:"model"`
	// TokensUsed this month (UTC), metered from the model's usage.
	TokensUsed int64  `json:"tokens_used"`
	UsageMonth string `json:"usage_month"`
}

// PutVoiceRequest saves a voice profile; CodeConflict when BaseVersion is
// not the current version.
type PutVoiceRequest struct {
	Brand       string       `json:"brand"`
	BaseVersion int          `json:"base_version"`
	Voice       VoiceProfile `json:"voice"`
}

// PutKnowledgeRequest imports a knowledge base: Format "markdown" or "csv"
// (Content) or the entries as JSON; the saved replies replace the old ones.
type PutKnowledgeRequest struct {
	Brand        string           `json:"brand"`
	BaseVersion  int              `json:"base_version"`
	Format       string           `json:"format,omitempty"`
	Lang         string           `json:"lang,omitempty"`
	Content      string           `json:"content,omitempty"`
	Entries      []KnowledgeEntry `json:"entries,omitempty"`
	SavedReplies []SavedReply     `json:"saved_replies,omitempty"`
}

// PutModelRequest sets a brand's model endpoint. An empty APIKey keeps the
// stored one while BaseURL stays the same; a new BaseURL drops it (the key
// is sent to the endpoint, so it never follows the URL elsewhere).
type PutModelRequest struct {
	Brand   string `json:"brand"`
	BaseURL string `json:"base_url"`
	Model   string `json:"model"`
	// EmbeddingModel is the endpoint's embeddings model (optional).
	EmbeddingModel string `json:"embedding_model,omitempty"`
	APIKey         string `json:"api_key,omitempty"`
	TokenBudget    int64  `json:"token_budget"`
}

// SearchSavedRepliesRequest searches saved replies; an empty Q lists them.
type SearchSavedRepliesRequest struct {
	Brand string `json:"brand"`
	Q     string `json:"q,omitempty"`
	// Lang keeps one language ("fr", "en"; empty: both).
	Lang string `json:"lang,omitempty"`
}

// SavedReplies is a list of saved replies.
type SavedReplies struct {
	Replies []SavedReply `json:"replies"`
}
