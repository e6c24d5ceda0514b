package v1

import "time"

// SegmentSubject answers SegmentRequest with SegmentPage.
const SegmentSubject = "ruche.query.analytics.segments.list"

// Community segments. Members are authors (one per network and author id)
// of the brand's interactions, never counting listening hits, the brand's
// own posts, or interactions whose latest verdict is spam; "the window" is
// the WindowDays before AsOf.
const (
	// SegmentEngaged: at least EngagedMinInteractions interactions in the
	// window. Ordered by interactions in the window.
	SegmentEngaged = "engaged"
	// SegmentSilent: followers of the brand's accounts (community.followed.v1
	// before AsOf) who wrote at most SilentMaxInteractions times in the
	// window — they read, they rarely write. Ordered by reach.
	SegmentSilent = "silent"
	// SegmentVeterans: first interaction at least VeteranDays before AsOf,
	// and still active (one in the window). Ordered by tenure in days.
	SegmentVeterans = "veterans"
	// SegmentNewcomers: first interaction within NewcomerDays before AsOf.
	// Newest first.
	SegmentNewcomers = "newcomers"
	// SegmentOpinionLeaders: reach (the author's latest follower count) of
	// at least LeaderMinReach, and active in the window, whatever their
	// tone. Ordered by reach.
	SegmentOpinionLeaders = "opinion_leaders"
	// SegmentAmbassadors: at least AmbassadorMinPositive positive
	// interactions and no negative one in the window. Ordered by
	// reach × positive interactions.
	SegmentAmbassadors = "ambassadors"
)

// Segments lists every segment.
var Segments = []string{SegmentEngaged, SegmentSilent, SegmentVeterans, SegmentNewcomers, SegmentOpinionLeaders, SegmentAmbassadors}

// Thresholds of the segment definitions.
const (
	WindowDays             = 90
	EngagedMinInteractions = 3
	SilentMaxInteractions  = 1
	VeteranDays            = 365
	NewcomerDays           = 30
	LeaderMinReach         = 10_000
	AmbassadorMinPositive  = 2
)

// SegmentRequest asks for one page of a segment's members.
type SegmentRequest struct {
	Brand   string `json:"brand"`
	Segment string `json:"segment"`
	// Network restricts the segment to one network; empty means all.
	Network string `json:"network,omitempty"`
	// AsOf is the segment's reference time; zero means now.
	AsOf   time.Time `json:"as_of,omitzero"`
	Limit  int       `json:"limit,omitempty"`
	Cursor string    `json:"cursor,omitempty"`
}

// SegmentMember is one author of a segment.
type SegmentMember struct {
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
	Handle   string `json:"handle,omitempty"`
	Name     string `json:"name,omitempty"`
	Reach    int64  `json:"reach"`
	// Interactions counts every interaction before AsOf; InWindow those of
	// the window, Positive and Negative their latest sentiment labels.
	Interactions uint64     `json:"interactions"`
	InWindow     uint64     `json:"in_window"`
	Positive     uint64     `json:"positive"`
	Negative     uint64     `json:"negative"`
	FirstSeen    *time.Time `json:"first_seen,omitempty"`
	LastSeen     *time.Time `json:"last_seen,omitempty"`
	// Score is what the segment is ordered by (see the segment's definition).
	Score int64 `json:"score"`
}

// SegmentPage is one page of a segment.
type SegmentPage struct {
	Segment    string          `json:"segment"`
	Definition string          `json:"definition"`
	AsOf       time.Time       `json:"as_of"`
	Items      []SegmentMember `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}
