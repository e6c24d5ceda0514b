package v1

import "time"

// PostPerformanceSubject answers PostPerformanceRequest with
// PostPerformance: how the brand's published posts did, and how its
// audience grew, from the readings publishing takes on the networks
// (community.post_metrics.v1, community.followers_counted.v1).
const PostPerformanceSubject = "ruche.query.analytics.post_performance"

// Limits of a PostPerformanceRequest.
const (
	DefaultPostLimit = 50
	MaxPostLimit     = 500
)

// PostPerformanceRequest asks for the posts published in [From, To) and the
// follower counts of the same period, by day in TZ.
type PostPerformanceRequest struct {
	Brand string `json:"brand"`
	// Network restricts the answer to one network; empty means all.
	Network string    `json:"network,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// TZ is the brand's IANA time zone for the follower days; empty is UTC.
	TZ string `json:"tz,omitempty"`
	// Limit bounds Posts (newest first; DefaultPostLimit when 0); Totals
	// count every post of the period.
	Limit int `json:"limit,omitempty"`
}

// PostPerformance is the brand's posts and audience over a period.
type PostPerformance struct {
	Brand   string    `json:"brand"`
	Network string    `json:"network,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	TZ      string    `json:"tz"`
	// Definitions says, per figure, how it is computed.
	Definitions map[string]string `json:"definitions"`
	Posts       []PostStats       `json:"posts"`
	Totals      PostTotals        `json:"totals"`
	// Followers is each account's follower count at the end of each day of
	// the period that has a reading.
	Followers []FollowerDay `json:"followers"`
}

// PostStats is one post's latest reading. A count the network does not
// give is null.
type PostStats struct {
	Network     string    `json:"network"`
	Account     string    `json:"account"`
	PlatformID  string    `json:"platform_id"`
	URL         string    `json:"url,omitempty"`
	RequestID   string    `json:"request_id,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	// MeasuredAt is the latest reading's time; Readings counts them.
	MeasuredAt  time.Time `json:"measured_at"`
	Readings    uint64    `json:"readings"`
	Impressions *int64    `json:"impressions"`
	Reactions   *int64    `json:"reactions"`
	Comments    *int64    `json:"comments"`
	Shares      *int64    `json:"shares"`
	Clicks      *int64    `json:"clicks"`
	// LinkClicks are the clicks on the post's short links (Ruche's own
	// count, bots and previews left out) and the distinct visitors.
	LinkClicks   uint64 `json:"link_clicks"`
	LinkVisitors uint64 `json:"link_visitors"`
	// Engagements are reactions + comments + shares + clicks (those given).
	Engagements int64 `json:"engagements"`
	// EngagementRate is Engagements / Impressions × 100; null without
	// impressions.
	EngagementRate *float64 `json:"engagement_rate"`
}

// PostTotals sums every post of the period.
type PostTotals struct {
	Posts       uint64 `json:"posts"`
	Impressions int64  `json:"impressions"`
	Engagements int64  `json:"engagements"`
	Clicks      int64  `json:"clicks"`
	LinkClicks  uint64 `json:"link_clicks"`
	// EngagementRate is the engagements of the posts with impressions over
	// their impressions × 100; null when no post has impressions.
	EngagementRate *float64 `json:"engagement_rate"`
}

// FollowerDay is an account's follower count at the end of a day
// (YYYY-MM-DD in the request's time zone), and its change since the
// previous day listed (null for the first).
type FollowerDay struct {
	Network   string `json:"network"`
	Account   string `json:"account"`
	Day       string `json:"day"`
	Followers int64  `json:"followers"`
	Change    *int64 `json:"change"`
}
