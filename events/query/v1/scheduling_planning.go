package v1

import "time"

// The scheduling service's planning endpoints: queues of weekly slots, the
// CSV import and the iCalendar feed.
var (
	// GetQueue answers a brand's queue on one network (no slots, revision
	// 0, when none is saved) with its next free slots.
	GetQueue = Declare[QueueRef, Queue](SchedulingService, "queue_get", "ruche.query.scheduling.queues.get", BudgetRead)
	// PutQueue saves a brand's queue on one network; CodeConflict when it
	// changed since the request's revision.
	PutQueue = Declare[PutQueueRequest, Queue](SchedulingService, "queue_put", "ruche.command.scheduling.queues.put", BudgetRead)
	// AddToQueue schedules an approved post at the next free slot of its
	// network's queue.
	AddToQueue = Declare[AddToQueueRequest, Post](SchedulingService, "queue_add", "ruche.command.scheduling.queues.add", BudgetRead)
	// RecycleEvergreen fills the next free slots of a queue with copies of
	// the brand's evergreen posts (label EvergreenLabel, published), as
	// drafts to approve, no sooner than the queue's evergreen gap after
	// each post's last publication.
	RecycleEvergreen = Declare[RecycleRequest, RecycleResult](SchedulingService, "queue_recycle", "ruche.command.scheduling.queues.recycle", BudgetRead)
	// ImportPosts reads a CSV file of posts; with DryRun, or when a row has
	// a problem, nothing is created and every problem is listed.
	ImportPosts = Declare[ImportPostsRequest, ImportPostsResult](SchedulingService, "posts_import", "ruche.command.scheduling.posts.import", BudgetHeavy)
	// CreateFeedToken makes a brand's calendar feed token, replacing the
	// previous one; the token is in the answer only.
	CreateFeedToken = Declare[FeedTokenRequest, FeedToken](SchedulingService, "feed_token_create", "ruche.command.scheduling.feed_token.create", BudgetRead)
	// RevokeFeedToken deletes a brand's feed token: its URL stops working.
	RevokeFeedToken = Declare[FeedTokenRequest, Empty](SchedulingService, "feed_token_revoke", "ruche.command.scheduling.feed_token.revoke", BudgetRead)
	// GetFeedToken describes a brand's feed token (never the token), or
	// CodeNotFound.
	GetFeedToken = Declare[BrandRef, FeedToken](SchedulingService, "feed_token_get", "ruche.query.scheduling.feed_token.get", BudgetRead)
	// GetFeed answers a brand's iCalendar feed when Token is its feed
	// token, CodeNotFound otherwise.
	GetFeed = Declare[FeedRequest, Feed](SchedulingService, "feed_get", "ruche.query.scheduling.feed.get", BudgetRead)
)

// QueueRef names a brand's queue on one network.
type QueueRef struct {
	Brand   string `json:"brand"`
	Network string `json:"network"`
}

// QueueSlot is one weekly time of a queue.
type QueueSlot struct {
	// Weekday is ISO 8601's: 1 = Monday … 7 = Sunday.
	Weekday int `json:"weekday"`
	// Time is HH:MM in the queue's zone.
	Time string `json:"time"`
}

// Queue is a brand's weekly slots on one network.
type Queue struct {
	Brand   string `json:"brand"`
	Network string `json:"network"`
	// Zone is the IANA zone the slots are read in (the brand's).
	Zone  string      `json:"zone"`
	Slots []QueueSlot `json:"slots"`
	// EvergreenGapDays is the minimum time between two publications of
	// the same evergreen post, in days; 0: no recycling.
	EvergreenGapDays int `json:"evergreen_gap_days"`
	// EvergreenMaxReposts bounds the copies of one evergreen post; 0: no
	// bound.
	EvergreenMaxReposts int `json:"evergreen_max_reposts,omitempty"`
	// EvergreenAheadDays: the recycler keeps this many days of the
	// queue's free slots filled with evergreen copies on its own (every
	// scheduling.recycle_every, not during a crisis hold); 0: on request
	// only (RecycleEvergreen).
	EvergreenAheadDays int `json:"evergreen_ahead_days,omitempty"`
	// Revision of the saved queue (0: none saved); a put names the one it
	// read.
	Revision  int       `json:"revision"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Upcoming are the next free slots, as a post added now would get
	// them (answers only).
	Upcoming []PostTime `json:"upcoming,omitempty"`
}

// PutQueueRequest saves a queue read at Revision.
type PutQueueRequest struct {
	Queue
	By string `json:"by"`
}

// AddToQueueRequest puts an approved post (read at Revision) in the next
// free slot of the queue of Network (empty: the network of the post's
// first variant).
type AddToQueueRequest struct {
	PostRef
	Revision int    `json:"revision"`
	By       string `json:"by"`
	Network  string `json:"network,omitempty"`
}

// ImportPostsRequest is a CSV file of posts (French Excel or English
// conventions; see services/scheduling/csvimport).
type ImportPostsRequest struct {
	Brand string `json:"brand"`
	By    string `json:"by"`
	// Zone is the brand's IANA zone, for rows without a zone column.
	Zone string `json:"zone"`
	// CSV is the file as uploaded (base64 in JSON: a Windows-1252 file is
	// not UTF-8).
	CSV    []byte `json:"csv"`
	DryRun bool   `json:"dry_run"`
}

// ImportProblem is one thing to fix in the file (Row 0: the whole file, 1:
// the header); a note has the same shape and only informs.
type ImportProblem struct {
	Row     int       `json:"row"`
	Column  string    `json:"column,omitempty"`
	Field   string    `json:"field,omitempty"`
	Message Localized `json:"message"`
}

// ImportRow is one post of the file as read.
type ImportRow struct {
	Row      int      `json:"row"`
	Time     PostTime `json:"time"`
	Networks []string `json:"networks"`
	Text     string   `json:"text"`
	// PostID is the post the row makes (the same for the same file).
	PostID string `json:"post_id"`
}

// ImportPostsResult is what the file holds and what was done with it.
type ImportPostsResult struct {
	// ID identifies the file's content.
	ID        string `json:"id"`
	DryRun    bool   `json:"dry_run"`
	Separator string `json:"separator"`
	Encoding  string `json:"encoding"`
	// Rows are the well-formed rows; Problems every problem; nothing is
	// created while there is one.
	Rows     []ImportRow     `json:"rows"`
	Problems []ImportProblem `json:"problems"`
	Notes    []ImportProblem `json:"notes"`
	// Created lists the posts this import created (drafts at their time);
	// Existing those an earlier import of the same file had created.
	Created  []string `json:"created"`
	Existing []string `json:"existing"`
}

// FeedTokenRequest names a brand's feed token and who acts on it.
type FeedTokenRequest struct {
	Brand string `json:"brand"`
	By    string `json:"by"`
}

// FeedToken describes a brand's feed token; Token and Path only in the
// answer of its creation.
type FeedToken struct {
	Brand     string    `json:"brand"`
	Token     string    `json:"token,omitempty"`
	Path      string    `json:"path,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// FeedRequest asks for a brand's feed with its token.
type FeedRequest struct {
	Brand string `json:"brand"`
	Token string `json:"token"`
}

// Feed is an iCalendar object (text/calendar).
type Feed struct {
	Calendar string `json:"calendar"`
}

// EvergreenLabel marks a post that may go out again.
const EvergreenLabel = "evergreen"

// MaxRecycle bounds the slots one RecycleRequest fills.
const MaxRecycle = 50

// RecycleRequest asks for up to Count (1 to MaxRecycle, 0 means 1) free
// slots of a queue to be filled with evergreen posts.
type RecycleRequest struct {
	QueueRef
	By    string `json:"by"`
	Count int    `json:"count,omitempty"`
}

// RecycleResult lists the drafts made, each a copy of an evergreen post at
// a slot (the same slot and post give the same draft: asking again does
// not double it).
type RecycleResult struct {
	Created []Post `json:"created"`
}
