package v1

import (
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// PublishingService is the micro service name of publishing.
const PublishingService = "publishing"

// The publishing service's endpoints.
var (
	// PutAccount connects (or updates) a brand's network account; its token
	// is sealed at rest and never answered back.
	PutAccount = Declare[PutAccountRequest, AccountView](PublishingService, "put_account", "ruche.command.publishing.accounts.put", BudgetRead)
	// DeleteAccount disconnects an account.
	DeleteAccount = Declare[DeleteAccountRequest, Empty](PublishingService, "delete_account", "ruche.command.publishing.accounts.delete", BudgetRead)
	// ListAccounts lists a brand's accounts with their health.
	ListAccounts = Declare[ListAccountsRequest, ListAccountsResponse](PublishingService, "list_accounts", "ruche.query.publishing.accounts.list", BudgetRead)
	// PutApproval records an approval (drafting, scheduling); records are
	// immutable: CodeConflict when the id exists with other content.
	PutApproval = Declare[PutApprovalRequest, Empty](PublishingService, "put_approval", "ruche.command.publishing.approvals.put", BudgetRead)
	// GetPublication answers a request's state on every network, or
	// CodeNotFound.
	GetPublication = Declare[PublicationRef, Publication](PublishingService, "get_publication", "ruche.query.publishing.publications.get", BudgetRead)
	// RetryPublication sends again the failed targets of a request, never
	// those already published.
	RetryPublication = Declare[PublicationRef, Publication](PublishingService, "retry_publication", "ruche.command.publishing.publications.retry", BudgetRead)
	// ListDeadLetters lists a brand's failed targets, newest first.
	ListDeadLetters = Declare[ListAccountsRequest, DeadLetters](PublishingService, "list_dead_letters", "ruche.query.publishing.dead_letters.list", BudgetRead)
	// ListAudit reads a brand's audit log, newest first.
	ListAudit = Declare[ListAuditRequest, AuditLog](PublishingService, "list_audit", "ruche.query.publishing.audit.list", BudgetRead)
	// GetPause answers whether a brand's posts and replies are held.
	GetPause = Declare[ListAccountsRequest, PauseState](PublishingService, "get_pause", "ruche.query.publishing.pause.get", BudgetRead)
	// PausePublishing holds a brand's posts and replies (hides, unhides
	// and deletes still go out) until ResumePublishing; the crisis that
	// ends later does not lift a pause a person set.
	PausePublishing = Declare[PauseRequest, PauseState](PublishingService, "pause_publishing", "ruche.command.publishing.pause.set", BudgetRead)
	// ResumePublishing lifts the pause, whoever or whatever set it, and
	// queues again the posts and replies it held.
	ResumePublishing = Declare[PauseRequest, PauseState](PublishingService, "resume_publishing", "ruche.command.publishing.pause.lift", BudgetRead)
	// OpenLink resolves a short link's code to its recorded target and
	// counts the click (unless it is a bot's); CodeNotFound for an unknown
	// code.
	OpenLink = Declare[OpenLinkRequest, OpenLinkResponse](PublishingService, "open_link", "ruche.command.publishing.links.open", BudgetRead)
	// GetLinkSettings answers a brand's short-link settings.
	GetLinkSettings = Declare[ListAccountsRequest, LinkSettings](PublishingService, "get_link_settings", "ruche.query.publishing.links.settings", BudgetRead)
	// PutLinkSettings saves a brand's short-link settings.
	PutLinkSettings = Declare[LinkSettings, LinkSettings](PublishingService, "put_link_settings", "ruche.command.publishing.links.settings.put", BudgetRead)
)

// LinkSettings are a brand's short links: when Shorten is on (and the
// platform has a links base URL), every link of a post or reply is
// replaced, before it is sent, by a short link that counts its clicks.
type LinkSettings struct {
	Brand   string `json:"brand"`
	Shorten bool   `json:"shorten"`
	// UTM adds utm_source (the network), utm_medium=social and
	// utm_campaign=ruche to the targets (parameters already set are kept).
	UTM bool `json:"utm"`
	// BaseURL is the platform's (publishing.links_base_url), read-only:
	// empty means links are never shortened.
	BaseURL string `json:"base_url,omitempty"`
}

// OpenLinkRequest is a click on /l/{code}. Address is the visitor's,
// hashed with a key before anything is kept; Bot is the gateway's reading
// of the request (a crawler, a link preview, a prefetch): not counted.
type OpenLinkRequest struct {
	Code    string `json:"code"`
	Address string `json:"address"`
	Bot     bool   `json:"bot,omitempty"`
}

// OpenLinkResponse is where to send the visitor.
type OpenLinkResponse struct {
	Target string `json:"target"`
	// Counted is false for a bot's request.
	Counted bool `json:"counted"`
}

// AccountSpec is a connected account as a brand team sets it. Token is
// write-only.
type AccountSpec struct {
	// ID names the account within the brand (a-z, 0-9, '-', '_').
	ID      string `json:"id"`
	Brand   string `json:"brand"`
	Network string `json:"network"`
	// Handle is the account on the network ("@cafe@piaille.fr").
	Handle string `json:"handle,omitempty"`
	// Settings are the network's ("url": the API base URL).
	Settings map[string]string `json:"settings,omitempty"`
	// Token (an access token, an app password); empty on an update keeps
	// the stored one, so a rotation is one put with the new token.
	Token string `json:"token,omitempty"`
}

// PutAccountRequest creates or replaces an account.
type PutAccountRequest struct {
	Account AccountSpec `json:"account"`
}

// DeleteAccountRequest disconnects one account.
type DeleteAccountRequest struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// ListAccountsRequest names a brand.
type ListAccountsRequest struct {
	Brand string `json:"brand"`
}

// AccountView is an account as shown back: never its token.
type AccountView struct {
	ID        string            `json:"id"`
	Brand     string            `json:"brand"`
	Network   string            `json:"network"`
	Handle    string            `json:"handle,omitempty"`
	Settings  map[string]string `json:"settings,omitempty"`
	HasToken  bool              `json:"has_token"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Health    AccountHealth     `json:"health"`
}

// AccountHealth says whether an account publishes.
type AccountHealth struct {
	Status        string     `json:"status"`
	LastSuccess   *time.Time `json:"last_success,omitempty"`
	LastError     *time.Time `json:"last_error,omitempty"`
	LastErrorText string     `json:"last_error_text,omitempty"`
	// RateLimitedUntil is set while the network asks to wait: no request
	// is made from the account before it.
	RateLimitedUntil *time.Time `json:"rate_limited_until,omitempty"`
}

// ListAccountsResponse is a brand's accounts, sorted by id.
type ListAccountsResponse struct {
	Accounts []AccountView `json:"accounts"`
}

// PutApprovalRequest records an approval.
type PutApprovalRequest struct {
	Approval publishv1.Approval `json:"approval"`
}

// PublicationRef names a publish request.
type PublicationRef struct {
	Brand     string `json:"brand"`
	RequestID string `json:"request_id"`
}

// Publication states (of a request, from its targets').
const (
	PublicationPending   = "pending"
	PublicationPublished = "published"
	// PublicationPartial: some targets published, others failed.
	PublicationPartial = "partially_published"
	PublicationFailed  = "failed"
)

// Publication is a request's state on each of its networks.
type Publication struct {
	RequestID string         `json:"request_id"`
	Brand     string         `json:"brand"`
	Kind      publishv1.Kind `json:"kind"`
	State     string         `json:"state"`
	Targets   []LedgerTarget `json:"targets"`
}

// LedgerTarget is one network account's entry of the ledger.
type LedgerTarget struct {
	RequestID string         `json:"request_id"`
	Kind      publishv1.Kind `json:"kind"`
	Network   string         `json:"network"`
	Account   string         `json:"account"`
	// State is queued, sending, published, failed or reconciling.
	State         string     `json:"state"`
	PlatformID    string     `json:"platform_id,omitempty"`
	URL           string     `json:"url,omitempty"`
	Code          string     `json:"code,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	Retryable     bool       `json:"retryable,omitempty"`
	DeadLetter    bool       `json:"dead_letter,omitempty"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// DeadLetters are a brand's failed targets.
type DeadLetters struct {
	Targets []LedgerTarget `json:"targets"`
}

// ListAuditRequest reads a brand's audit log.
type ListAuditRequest struct {
	Brand string `json:"brand"`
	// Limit: 1 to MaxListLimit, 0 means 100.
	Limit int `json:"limit,omitempty"`
}

// AuditEntry is one action of publishing, as recorded.
type AuditEntry struct {
	At        time.Time      `json:"at"`
	Brand     string         `json:"brand"`
	RequestID string         `json:"request_id"`
	Kind      publishv1.Kind `json:"kind"`
	Network   string         `json:"network,omitempty"`
	Account   string         `json:"account,omitempty"`
	// Action: requested, refused, sent, published, failed, reconciled,
	// retry_requested.
	Action      string `json:"action"`
	RequestedBy string `json:"requested_by,omitempty"`
	ApprovedBy  string `json:"approved_by,omitempty"`
	ApprovalID  string `json:"approval_id,omitempty"`
	// Text is what was (or would have been) sent, and its hash.
	Text string `json:"text,omitempty"`
	// Erased: the text answered a person since erased (GDPR art. 17); it
	// can no longer be read, the rest of the entry stays.
	Erased      bool   `json:"erased,omitempty"`
	ContentHash string `json:"content_hash,omitempty"`
	TargetID    string `json:"target_id,omitempty"`
	PlatformID  string `json:"platform_id,omitempty"`
	Code        string `json:"code,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// AuditLog is a page of the audit log, newest first.
type AuditLog struct {
	Entries []AuditEntry `json:"entries"`
}

// PauseRequest pauses or resumes a brand's publishing queue.
type PauseRequest struct {
	Brand string `json:"brand"`
	// By is who asks (a user or key id), for the audit log.
	By string `json:"by"`
	// Reason is shown beside the pause (at most 500 characters).
	Reason string `json:"reason,omitempty"`
}

// PauseState is whether a brand's posts and replies are held.
type PauseState struct {
	Brand  string `json:"brand"`
	Paused bool   `json:"paused"`
	// CrisisID is the crisis that paused the queue; empty when a person did.
	CrisisID string     `json:"crisis_id,omitempty"`
	By       string     `json:"by,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
	// Held counts the posts and replies the pause refused, waiting for the
	// resume (a resume answers how many it queued again).
	Held int `json:"held"`
}
