package v1

import "time"

// BestTimesSubject answers BestTimesRequest with BestTimesToPost.
const BestTimesSubject = "ruche.query.analytics.best_times"

// Measures of the best times to post.
const (
	// MeasurePerPost ranks the weekday × hour a post went out by the mean
	// engagements each of the brand's posts of that slot received in its
	// first BestTimesWindow.
	MeasurePerPost = "engagement_per_post"
	// MeasureAudience ranks the weekday × hour by the engagements the brand
	// received then, per week of the period: when the community writes.
	// Used when the brand has too few posts of its own to compare slots.
	MeasureAudience = "audience_activity"
)

// Rules of the best times.
const (
	// BestTimesWindow is how long after a post its engagements count:
	// posts younger than that at as_of are left out, so that an older post
	// does not win by having had more time.
	BestTimesWindow = 72 * time.Hour
	// BestTimesMinPosts is how many posts a slot needs before its mean is
	// ranked (MeasurePerPost); with no slot reaching it, MeasureAudience
	// is used.
	BestTimesMinPosts = 3
	// BestTimesDefaultDays is the period when a request sets none; at most
	// BestTimesMaxDays.
	BestTimesDefaultDays = 90
	BestTimesMaxDays     = 365
	// BestTimesDefaultLimit is how many slots are suggested by default.
	BestTimesDefaultLimit = 5
)

// BestTimesRequest asks when a brand's posts get the most engagement.
type BestTimesRequest struct {
	Brand string `json:"brand"`
	// TZ is the brand's IANA zone: weekdays and hours are read in it.
	TZ string `json:"tz"`
	// Network restricts the posts and engagements to one network.
	Network string `json:"network,omitempty"`
	// Days is the period before AsOf (BestTimesDefaultDays when zero).
	Days int `json:"days,omitempty"`
	// AsOf ends the period; zero means now.
	AsOf time.Time `json:"as_of,omitzero"`
	// Limit is how many slots to suggest (BestTimesDefaultLimit when zero,
	// at most 168).
	Limit int `json:"limit,omitempty"`
}

// PostingSlot is one weekday × hour with its evidence.
type PostingSlot struct {
	// Weekday is ISO 8601's (1 = Monday), Hour 0–23, both in TZ.
	Weekday int `json:"weekday"`
	Hour    int `json:"hour"`
	// Posts is how many of the brand's posts went out in the slot (0 for
	// MeasureAudience); Interactions the engagements counted for it.
	Posts        uint64 `json:"posts"`
	Interactions uint64 `json:"interactions"`
	// Score is what the slots are ranked by: mean engagements per post, or
	// engagements per week of the period.
	Score float64 `json:"score"`
}

// Localized is a text in the two languages users read.
type Localized struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// BestTimesToPost suggests the slots where the brand's posts do best, with the
// evidence: which measure, over which period, from how many posts and
// engagements.
type BestTimesToPost struct {
	Brand   string    `json:"brand"`
	TZ      string    `json:"tz"`
	Network string    `json:"network,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Measure is MeasurePerPost or MeasureAudience; Definition says how
	// the score is computed, Reason why this measure was used.
	Measure    string    `json:"measure"`
	Definition string    `json:"definition"`
	Reason     Localized `json:"reason"`
	// Posts and Interactions are the whole period's evidence: the brand's
	// posts old enough to count, and the engagements the measure counted.
	Posts        uint64 `json:"posts"`
	Interactions uint64 `json:"interactions"`
	// Slots are the suggestions, best first; Grid every slot with data,
	// by weekday then hour, for a heat map.
	Slots []PostingSlot `json:"slots"`
	Grid  []PostingSlot `json:"grid"`
}
