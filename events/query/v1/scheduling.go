package v1

import (
	"time"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
)

// SchedulingService is the micro service name of scheduling.
const SchedulingService = "scheduling"

// The scheduling service's endpoints: the editorial calendar's posts, their
// review, their time, and the crisis hold.
var (
	// CreatePost creates a draft post.
	CreatePost = Declare[CreatePostRequest, Post](SchedulingService, "post_create", "ruche.command.scheduling.posts.create", BudgetRead)
	// EditPost replaces a post's content; CodeConflict when the post moved
	// past Revision. Approved content that changes needs approving again.
	EditPost = Declare[EditPostRequest, Post](SchedulingService, "post_edit", "ruche.command.scheduling.posts.edit", BudgetRead)
	// SubmitPost sends a draft to review.
	SubmitPost = Declare[PostActionRequest, Post](SchedulingService, "post_submit", "ruche.command.scheduling.posts.submit", BudgetRead)
	// ApprovePost records one approval of the post's current content; the
	// last one the brand's policy asks for approves it, recorded where
	// publishing checks it.
	ApprovePost = Declare[PostActionRequest, Post](SchedulingService, "post_approve", "ruche.command.scheduling.posts.approve", BudgetRead)
	// RequestPostChanges sends a post in review back to draft with a comment.
	RequestPostChanges = Declare[PostActionRequest, Post](SchedulingService, "post_request_changes", "ruche.command.scheduling.posts.request_changes", BudgetRead)
	// CommentPost adds a comment without changing the post's state.
	CommentPost = Declare[PostActionRequest, Post](SchedulingService, "post_comment", "ruche.command.scheduling.posts.comment", BudgetRead)
	// SchedulePost sets (or moves) an approved post's time; its timer
	// replaces the previous one.
	SchedulePost = Declare[SchedulePostRequest, Post](SchedulingService, "post_schedule", "ruche.command.scheduling.posts.schedule", BudgetRead)
	// CancelPost takes a scheduled or held post off the calendar (back to
	// approved); its timer is removed.
	CancelPost = Declare[PostActionRequest, Post](SchedulingService, "post_cancel", "ruche.command.scheduling.posts.cancel", BudgetRead)
	// GetPost answers one post, or CodeNotFound.
	GetPost = Declare[PostRef, Post](SchedulingService, "post_get", "ruche.query.scheduling.posts.get", BudgetRead)
	// ListPosts lists a brand's posts, filtered, by time.
	ListPosts = Declare[ListPostsRequest, PostList](SchedulingService, "post_list", "ruche.query.scheduling.posts.list", BudgetRead)
	// GetCalendar is a month, a week or a day of a brand's posts in a zone.
	GetCalendar = Declare[CalendarRequest, Calendar](SchedulingService, "calendar", "ruche.query.scheduling.calendar.get", BudgetRead)
	// ListHeldPosts answers a brand's crisis hold and the posts it holds,
	// in the order they will be released.
	ListHeldPosts = Declare[BrandRef, HeldPosts](SchedulingService, "held_list", "ruche.query.scheduling.held.list", BudgetRead)
	// ResumePosts lifts a brand's crisis hold and releases the held posts
	// in order; CodeConflict while the crisis is still open.
	ResumePosts = Declare[ResumePostsRequest, ResumeResult](SchedulingService, "held_resume", "ruche.command.scheduling.held.resume", BudgetHeavy)
	// GetApprovalPolicy answers a brand's approval policy (the default,
	// revision 0, when none is saved).
	GetApprovalPolicy = Declare[BrandRef, ApprovalPolicy](SchedulingService, "approval_policy_get", "ruche.query.scheduling.approval_policy.get", BudgetRead)
	// PutApprovalPolicy saves a brand's approval policy; CodeConflict when
	// stale.
	PutApprovalPolicy = Declare[ApprovalPolicy, ApprovalPolicy](SchedulingService, "approval_policy_put", "ruche.command.scheduling.approval_policy.put", BudgetRead)
)

// PostMedia is a media reference of a variant (uploaded elsewhere).
type PostMedia struct {
	URL string `json:"url"`
	// Kind is image, video or gif.
	Kind    string `json:"kind"`
	AltText string `json:"alt_text,omitempty"`
}

// PostVariant is a post's version for one network (and account).
type PostVariant struct {
	Network string `json:"network"`
	// Account is the connected account; empty is the brand's account.
	Account      string      `json:"account,omitempty"`
	Text         string      `json:"text"`
	Lang         string      `json:"lang,omitempty"`
	Link         string      `json:"link,omitempty"`
	Media        []PostMedia `json:"media,omitempty"`
	FirstComment string      `json:"first_comment,omitempty"`
}

// PostContent is what is reviewed and published.
type PostContent struct {
	Variants []PostVariant `json:"variants"`
	Campaign string        `json:"campaign,omitempty"`
	Labels   []string      `json:"labels,omitempty"`
}

// PostTime is a post's time: the wall time in an IANA zone as the person
// chose it, and the instant it resolved to (see scheduling/walltime).
type PostTime struct {
	// Wall is "2026-03-29T02:30" in Zone.
	Wall string    `json:"wall"`
	Zone string    `json:"zone"`
	At   time.Time `json:"at"`
	// Resolution is exact, gap (moved forward by ShiftSeconds) or overlap
	// (the earlier instant).
	Resolution   string `json:"resolution"`
	ShiftSeconds int    `json:"shift_seconds,omitempty"`
}

// PostApproval is one approval of the content with ContentHash.
type PostApproval struct {
	By string `json:"by"`
	// ByName is By's display name, filled by the gateway in its answers.
	ByName      string    `json:"by_name,omitempty"`
	Role        string    `json:"role,omitempty"`
	ContentHash string    `json:"content_hash"`
	Comment     string    `json:"comment,omitempty"`
	At          time.Time `json:"at"`
}

// PostComment is a reviewer's comment; Kind is comment or changes_requested.
type PostComment struct {
	By string `json:"by"`
	// ByName is By's display name, filled by the gateway in its answers.
	ByName string    `json:"by_name,omitempty"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// PostOutcome is one variant's publication result.
type PostOutcome struct {
	Network    string    `json:"network"`
	Account    string    `json:"account,omitempty"`
	Published  bool      `json:"published"`
	PlatformID string    `json:"platform_id,omitempty"`
	URL        string    `json:"url,omitempty"`
	Code       string    `json:"code,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

// Post is one editorial-calendar post.
type Post struct {
	ID    string `json:"id"`
	Brand string `json:"brand"`
	// Owner is who created it.
	Owner string       `json:"owner"`
	State postv1.State `json:"state"`
	// Revision changes with every write: a change names the revision it
	// read, CodeConflict when it is stale.
	Revision int `json:"revision"`
	PostContent
	// ContentHash is "sha256:<hex>" over every variant; approvals carry it.
	ContentHash string         `json:"content_hash"`
	Approvals   []PostApproval `json:"approvals"`
	// ApprovalID is publishing's approval record of the approved content.
	ApprovalID string        `json:"approval_id,omitempty"`
	Comments   []PostComment `json:"comments"`
	Time       *PostTime     `json:"time,omitempty"`
	// Schedule counts the times the post was scheduled; Releases its
	// publish requests, RequestID the last one's id.
	Schedule  int    `json:"schedule"`
	Releases  int    `json:"releases"`
	RequestID string `json:"request_id,omitempty"`
	// HeldBy is the crisis holding the post (state held).
	HeldBy string `json:"held_by,omitempty"`
	// LateSeconds is how late the post was released, when it was.
	LateSeconds float64       `json:"late_seconds,omitempty"`
	Outcomes    []PostOutcome `json:"outcomes,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// PostRef names one post.
type PostRef struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// CreatePostRequest creates a draft post owned by By.
type CreatePostRequest struct {
	Brand string `json:"brand"`
	By    string `json:"by"`
	PostContent
}

// EditPostRequest replaces a post's content.
type EditPostRequest struct {
	PostRef
	Revision int    `json:"revision"`
	By       string `json:"by"`
	PostContent
}

// PostActionRequest is a review or calendar action on a post read at
// Revision; Role is By's role on the brand (from the gateway), which the
// brand's approval policy checks.
type PostActionRequest struct {
	PostRef
	Revision int    `json:"revision"`
	By       string `json:"by"`
	Role     string `json:"role,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// SchedulePostRequest sets a post's time: Wall ("2026-03-29T09:30") in
// Zone (IANA).
type SchedulePostRequest struct {
	PostRef
	Revision int    `json:"revision"`
	By       string `json:"by"`
	Wall     string `json:"wall"`
	Zone     string `json:"zone"`
}

// PostFilter narrows a listing.
type PostFilter struct {
	States   []postv1.State `json:"states,omitempty"`
	Network  string         `json:"network,omitempty"`
	Campaign string         `json:"campaign,omitempty"`
	Label    string         `json:"label,omitempty"`
}

// ListPostsRequest lists a brand's posts whose time is in [From, To) (both
// zero: every post, unscheduled ones included).
type ListPostsRequest struct {
	Brand string    `json:"brand"`
	From  time.Time `json:"from,omitzero"`
	To    time.Time `json:"to,omitzero"`
	PostFilter
	Limit int `json:"limit,omitempty"`
}

// PostList is a listing, by time (unscheduled posts last, newest first).
type PostList struct {
	Posts []Post `json:"posts"`
}

// CalendarRequest asks for a month, week or day starting on the day that
// contains From (a date, "2026-03-01"), in Zone.
type CalendarRequest struct {
	Brand string `json:"brand"`
	// View is month, week (from Monday) or day.
	View string `json:"view"`
	From string `json:"from"`
	Zone string `json:"zone"`
	PostFilter
}

// CalendarEntry is a post on a calendar day, at its wall time in the
// calendar's zone.
type CalendarEntry struct {
	Time string `json:"time"`
	Post Post   `json:"post"`
}

// CalendarDay is one day of a calendar.
type CalendarDay struct {
	Date  string          `json:"date"`
	Posts []CalendarEntry `json:"posts"`
}

// Calendar is a view of a brand's posts in a zone.
type Calendar struct {
	View string        `json:"view"`
	Zone string        `json:"zone"`
	From time.Time     `json:"from"`
	To   time.Time     `json:"to"`
	Days []CalendarDay `json:"days"`
}

// CrisisHold is a brand's hold: the crises that paused its scheduled posts.
type CrisisHold struct {
	Crises []string  `json:"crises"`
	Since  time.Time `json:"since"`
	// Open lists the crises that pause publishing and are not resolved
	// yet: resume waits for them.
	Open []string `json:"open"`
}

// HeldPosts is a brand's hold (nil when none) and what it holds.
type HeldPosts struct {
	Hold  *CrisisHold `json:"hold,omitempty"`
	Posts []Post      `json:"posts"`
}

// ResumePostsRequest lifts a brand's hold.
type ResumePostsRequest struct {
	Brand string `json:"brand"`
	By    string `json:"by"`
}

// ResumeResult lists the posts released, in order.
type ResumeResult struct {
	Released []string `json:"released"`
}

// ApprovalPolicy is who approves a brand's posts.
type ApprovalPolicy struct {
	Brand string `json:"brand"`
	// Revision of the saved policy (0: the default); a put names the one
	// it read.
	Revision int `json:"revision"`
	// RequiredApprovals is how many different people approve (1 to 5).
	RequiredApprovals int `json:"required_approvals"`
	// ApproverRoles are the brand roles whose approval counts.
	ApproverRoles []string `json:"approver_roles"`
	// AuthorMayApprove lets a post's owner count as one of its approvers.
	AuthorMayApprove bool `json:"author_may_approve"`
}
