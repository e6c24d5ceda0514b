// Package access holds the rules of who may do what: the roles a person has
// on a brand, the actions routes perform, and the one permission table
// between them. It does no I/O.
package access

import (
	"fmt"
	"slices"
)

// Role is what a person is on one brand.
type Role string

// The roles, from the most to the least powerful.
const (
	Owner            Role = "owner"
	Manager          Role = "manager"
	CommunityManager Role = "community_manager"
	Moderator        Role = "moderator"
	Analyst          Role = "analyst"
	ReadOnly         Role = "read_only"
	AgencyGuest      Role = "agency_guest"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Owner, Manager, CommunityManager, Moderator, Analyst, ReadOnly, AgencyGuest}

// ParseRole checks that s names a role.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("role %q is not one of %v", s, Roles)
}

// Rank orders roles for granting: a person may grant or take away only the
// roles ranked at or below their own (a manager cannot make an owner).
// Unknown roles rank lowest.
func (r Role) Rank() int {
	if i := slices.Index(Roles, r); i >= 0 {
		return len(Roles) - i
	}
	return 0
}

// Action is what a route does, named "<resource>.<verb>".
type Action string

// The actions. A route maps to exactly one (gateway's route table).
const (
	InteractionsRead   Action = "interactions.read"
	InteractionsExport Action = "interactions.export"
	SegmentsRead       Action = "segments.read"
	ReportsRead        Action = "reports.read"
	ReportsWrite       Action = "reports.write"
	ContestsRead       Action = "contests.read"
	ContestsDraw       Action = "contests.draw"
	SourcesRead        Action = "sources.read"
	SourcesWrite       Action = "sources.write"
	PoliciesRead       Action = "policies.read"
	PoliciesTest       Action = "policies.test"
	PoliciesWrite      Action = "policies.write"
	CasesWork          Action = "cases.work"
	CasesDecide        Action = "cases.decide"
	UsersRead          Action = "users.read"
	UsersManage        Action = "users.manage"
	AuditRead          Action = "audit.read"
	AuditExport        Action = "audit.export"
	CrisesRead         Action = "crises.read"
	CrisesManage       Action = "crises.manage"
	AccountsRead       Action = "accounts.read"
	AccountsManage     Action = "accounts.manage"
	PublishingRead     Action = "publishing.read"
	PublishingRetry    Action = "publishing.retry"
	DraftsRead         Action = "drafts.read"
	DraftsWrite        Action = "drafts.write"
	DraftsApprove      Action = "drafts.approve"
	DraftingSettings   Action = "drafting.settings"
	PostsRead          Action = "posts.read"
	PostsWrite         Action = "posts.write"
	PostsApprove       Action = "posts.approve"
	PostsSchedule      Action = "posts.schedule"
	// PostsResume releases what a crisis held: a manager's call.
	PostsResume   Action = "posts.resume"
	PostsSettings Action = "posts.settings"
	// PrivacyExport and PrivacyErase answer a data subject's requests
	// (GDPR): everything about one person, so owners and managers only.
	PrivacyExport Action = "privacy.export"
	PrivacyErase  Action = "privacy.erase"
	// WebhooksManage: the brand's outbound webhooks (their URLs may carry
	// tokens) and their delivery logs.
	WebhooksManage Action = "webhooks.manage"
)

// Actions lists every brand-scoped action.
var Actions = []Action{
	InteractionsRead, InteractionsExport, SegmentsRead, ReportsRead, ReportsWrite,
	ContestsRead, ContestsDraw, SourcesRead, SourcesWrite, PoliciesRead, PoliciesTest,
	PoliciesWrite, CasesWork, CasesDecide, UsersRead, UsersManage, AuditRead, AuditExport,
	CrisesRead, CrisesManage, AccountsRead, AccountsManage, PublishingRead, PublishingRetry,
	DraftsRead, DraftsWrite, DraftsApprove, DraftingSettings,
	PostsRead, PostsWrite, PostsApprove, PostsSchedule, PostsResume, PostsSettings,
	DraftsRead, DraftsWrite, DraftsApprove, DraftingSettings, PrivacyExport, PrivacyErase, WebhooksManage,
}

// ParseAction checks that s names an action.
func ParseAction(s string) (Action, error) {
	if a := Action(s); slices.Contains(Actions, a) {
		return a, nil
	}
	return "", fmt.Errorf("action %q is not one of %v", s, Actions)
}

// reading is what every member of a brand may see. Segments and exports are
// not in it: they are lists of people, for the roles that work with them.
var reading = []Action{InteractionsRead, ReportsRead, ContestsRead, SourcesRead, PoliciesRead, UsersRead,
	CrisesRead, AccountsRead, PublishingRead, DraftsRead, PostsRead}

// permissions is the permission table. Owners and managers differ in what
// they may grant (Rank), not in what they may do.
var permissions = map[Role][]Action{
	Owner:   Actions,
	Manager: Actions,
	CommunityManager: append(slices.Clone(reading), InteractionsExport, SegmentsRead, ContestsDraw,
		PoliciesTest, CasesWork, CasesDecide, PublishingRetry, DraftsWrite, DraftsApprove, DraftingSettings,
		PostsWrite, PostsApprove, PostsSchedule),
	Moderator: append(slices.Clone(reading), PoliciesTest, CasesWork, CasesDecide, DraftsWrite, DraftsApprove),
	Analyst:   append(slices.Clone(reading), InteractionsExport, SegmentsRead, ReportsWrite),
	ReadOnly:  reading,
	// An agency works the inbox for the brand: no lists of people, no team.
	// It drafts and edits replies and posts; the brand's own people
	// approve them.
	AgencyGuest: {InteractionsRead, ReportsRead, PoliciesRead, CasesWork, CasesDecide, CrisesRead, DraftsRead, DraftsWrite, PostsRead, PostsWrite},
}

// Allowed reports whether role may perform action.
func Allowed(role Role, action Action) bool {
	return slices.Contains(permissions[role], action)
}
