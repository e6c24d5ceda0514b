package v1

import "time"

// Subjects of analytics' contest endpoints.
const (
	// ContestDrawSubject answers ContestDrawRequest with ContestDraw. It
	// is a command (it stores the draw) and idempotent on the draw id.
	ContestDrawSubject = "ruche.command.analytics.contests.draw"
	// ContestGetSubject answers ContestRef with ContestDraw, or CodeNotFound.
	ContestGetSubject = "ruche.query.analytics.contests.get"
	// ContestVerifySubject answers ContestRef with ContestVerification.
	ContestVerifySubject = "ruche.query.analytics.contests.verify"
)

// ContestAlgorithm names the draw algorithm (see ContestDraw.Algorithm).
const ContestAlgorithm = "ruche-draw-v1: eligible authors sorted by network and author id; each keyed by " +
	"HMAC-SHA256(seed, \"ruche-draw-v1\" 0x00 brand 0x00 contest id 0x00 network 0x00 author id); " +
	"the winners are the authors with the smallest keys, in ascending key order"

// MaxContestWinners bounds ContestRules.Winners.
const MaxContestWinners = 100

// Reasons a comment is not an entry.
const (
	ExcludedOutsideWindow   = "outside_window"
	ExcludedAccount         = "excluded_account"
	ExcludedMissingKeyword  = "missing_keyword"
	ExcludedMissingMention  = "missing_mention"
	ExcludedSpam            = "spam"
	ExcludedDuplicateAuthor = "duplicate_author"
)

// ContestRules say which comments of a post enter the draw.
type ContestRules struct {
	// Network and PostID name the post: its comments are the interactions
	// of kind comment or reply whose thread_id or parent_id is PostID.
	Network string `json:"network"`
	PostID  string `json:"post_id"`
	// From (inclusive) and To (exclusive) bound created_at; nil is open.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// Keywords: an entry contains at least one (case and accents ignored).
	Keywords []string `json:"keywords,omitempty"`
	// RequireMention: an entry mentions an account (@name).
	RequireMention bool `json:"require_mention,omitempty"`
	// ExcludedAuthors are author ids or handles that may not win (staff,
	// the brand's own accounts, earlier winners).
	ExcludedAuthors []string `json:"excluded_authors,omitempty"`
	// Winners is how many authors are drawn (1 to MaxContestWinners).
	Winners int `json:"winners"`
}

// ContestDrawRequest draws the winners of a contest.
type ContestDrawRequest struct {
	Brand string `json:"brand"`
	// ID makes the draw idempotent: drawing an existing id returns the
	// stored draw. Empty means a new id. Lowercase letters, digits, '-'.
	ID    string       `json:"id,omitempty"`
	Rules ContestRules `json:"rules"`
	// Seed is 64 hex digits; empty means 32 bytes from a CSPRNG. An
	// organiser may publish the SHA-256 of a seed before the contest ends
	// and pass it here, or use a public randomness beacon value.
	Seed string `json:"seed,omitempty"`
	// DrawnBy is who asked (the gateway's key id).
	DrawnBy string `json:"drawn_by,omitempty"`
}

// ContestEntry is one author's entry: their first qualifying comment.
type ContestEntry struct {
	Network       string `json:"network"`
	AuthorID      string `json:"author_id"`
	Handle        string `json:"handle,omitempty"`
	InteractionID string `json:"interaction_id"`
}

// ContestExclusion is a comment that is not an entry, and why.
type ContestExclusion struct {
	InteractionID string `json:"interaction_id"`
	AuthorID      string `json:"author_id"`
	Reason        string `json:"reason"`
}

// ContestDraw is a stored draw: everything needed to re-run it.
type ContestDraw struct {
	ID        string       `json:"id"`
	Brand     string       `json:"brand"`
	Rules     ContestRules `json:"rules"`
	Seed      string       `json:"seed"`
	Algorithm string       `json:"algorithm"`
	DrawnBy   string       `json:"drawn_by,omitempty"`
	DrawnAt   time.Time    `json:"drawn_at"`
	// Eligible entries, in the order the algorithm reads them.
	Eligible []ContestEntry     `json:"eligible"`
	Excluded []ContestExclusion `json:"excluded"`
	// Winners in draw order (fewer than Rules.Winners when fewer entered).
	Winners []ContestEntry `json:"winners"`
}

// ContestRef names one stored draw.
type ContestRef struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// ContestVerification re-runs a stored draw.
type ContestVerification struct {
	ID string `json:"id"`
	// WinnersMatch: the algorithm run again on the stored seed and
	// eligible list gives the stored winners.
	WinnersMatch bool     `json:"winners_match"`
	Winners      []string `json:"winners"`
	// EligibleMatch: the rules applied again to the comments stored now
	// give the stored eligible list (false if comments were re-moderated
	// as spam since, for example); EligibleNow counts them.
	EligibleMatch bool `json:"eligible_match"`
	EligibleNow   int  `json:"eligible_now"`
}
