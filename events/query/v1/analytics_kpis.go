package v1

import "time"

// KPIsSubject answers KPIsRequest with KPIs, analytics' dashboard.
const KPIsSubject = "ruche.query.analytics.kpis"

// Limits of a KPIsRequest.
const (
	MaxKPIPeriod     = 400 * 24 * time.Hour
	MaxVoices        = 10
	MaxVoiceKeywords = 10
	BestTimeSlots    = 3
)

// Voice is one name in a share-of-voice comparison (the brand or a
// competitor) and the keywords that count as a mention of it.
type Voice struct {
	Name     string   `json:"name"`
	Keywords []string `json:"keywords"`
}

// KPIsRequest asks for a brand's KPIs over [From, To), by day in TZ.
type KPIsRequest struct {
	Brand string `json:"brand"`
	// Network restricts every figure to one network; empty means all.
	Network string    `json:"network,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// TZ is the brand's IANA time zone (e.g. "Europe/Paris"): days,
	// weekdays and hours are the brand's. Empty means UTC.
	TZ string `json:"tz,omitempty"`
	// Voices are compared in ShareOfVoice; none means no comparison.
	Voices []Voice `json:"voices,omitempty"`
	// AsOf is when unanswered interactions are judged against their SLA;
	// zero means now.
	AsOf time.Time `json:"as_of,omitzero"`
}

// KPIs is the dashboard of one brand and period. Every count collapses
// redelivered events (an interaction, a reply, a snapshot counts once).
type KPIs struct {
	Brand   string    `json:"brand"`
	Network string    `json:"network,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	TZ      string    `json:"tz"`
	// Definitions says, per figure, how it is computed.
	Definitions map[string]string `json:"definitions"`

	Volume       Volume         `json:"volume"`
	Engagement   Engagement     `json:"engagement"`
	Response     Response       `json:"response"`
	Sentiment    SentimentTrend `json:"sentiment"`
	ShareOfVoice []VoiceShare   `json:"share_of_voice"`
	Community    Community      `json:"community"`
	BestTimes    BestTimes      `json:"best_times"`
}

// DayCount is a count on one day of the brand's calendar (YYYY-MM-DD).
type DayCount struct {
	Day   string `json:"day"`
	Count uint64 `json:"count"`
}

// Volume counts the interactions created in the period.
type Volume struct {
	Total  uint64            `json:"total"`
	ByKind map[string]uint64 `json:"by_kind"`
	// ByNetwork splits Total; ByDay lists the days that have any.
	ByNetwork map[string]uint64 `json:"by_network"`
	ByDay     []DayCount        `json:"by_day"`
}

// Engagement is the public conversation with the brand.
type Engagement struct {
	// Engagements are public interactions addressed to the brand.
	Engagements uint64 `json:"engagements"`
	// Comments are the comments and replies among them.
	Comments uint64 `json:"comments"`
	// Shares sums the latest shares count of the brand's posts published
	// in the period (community.post_metrics.v1); nil when none has one.
	Shares *uint64 `json:"shares"`
	// Audience is the followers of the brand's accounts at the period's end.
	Audience int64 `json:"audience"`
	// Rate is Engagements / Audience × 100; nil without audience.
	Rate *float64 `json:"rate"`
	// Formula is the rate's definition, as text.
	Formula string `json:"formula"`
}

// Response measures how the brand answers.
type Response struct {
	// NeedingResponse counts the period's interactions whose latest
	// moderation asks for a reply (needs_reply) or sets an SLA.
	NeedingResponse uint64 `json:"needing_response"`
	// Responded counts those with at least one reply.sent.v1.
	Responded uint64 `json:"responded"`
	// Rate is Responded / NeedingResponse × 100; nil when none needed one.
	Rate *float64 `json:"rate"`
	// MedianSeconds and P90Seconds are first-response times (first reply
	// sent_at − created_at) of the responded ones; nil when none.
	MedianSeconds *int64 `json:"median_seconds"`
	P90Seconds    *int64 `json:"p90_seconds"`
	// SLATracked counts those with an SLA; SLABreaches those answered after
	// it, or still unanswered at AsOf past it (unless a moderator closed,
	// hid or marked them spam before it).
	SLATracked  uint64 `json:"sla_tracked"`
	SLABreaches uint64 `json:"sla_breaches"`
	// DMReplies counts replies sent in the period to direct messages.
	DMReplies uint64 `json:"dm_replies"`
}

// SentimentDay counts the sentiments of one day's interactions.
type SentimentDay struct {
	Day      string `json:"day"`
	Positive uint64 `json:"positive"`
	Neutral  uint64 `json:"neutral"`
	Negative uint64 `json:"negative"`
}

// SentimentTrend is the sentiment of moderated, non-spam interactions.
type SentimentTrend struct {
	Positive uint64         `json:"positive"`
	Neutral  uint64         `json:"neutral"`
	Negative uint64         `json:"negative"`
	ByDay    []SentimentDay `json:"by_day"`
	// NetScore is (Positive − Negative) / (Positive + Neutral + Negative)
	// × 100; nil when there is none.
	NetScore *float64 `json:"net_score"`
}

// VoiceShare is one voice's share of the listening hits.
type VoiceShare struct {
	Name     string `json:"name"`
	Mentions uint64 `json:"mentions"`
	// Share is Mentions / (sum of every voice's Mentions) × 100.
	Share *float64 `json:"share"`
}

// AccountGrowth is the audience of one account over the period.
type AccountGrowth struct {
	Network string `json:"network"`
	Account string `json:"account"`
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
	Change  int64  `json:"change"`
	// Rate is Change / Start × 100; nil when Start is 0.
	Rate *float64 `json:"rate"`
}

// Community is the growth of the brand's audience.
type Community struct {
	Accounts []AccountGrowth `json:"accounts"`
	Start    int64           `json:"start"`
	End      int64           `json:"end"`
	Change   int64           `json:"change"`
	Rate     *float64        `json:"rate"`
	// NewFollowers counts the distinct followers reported (community.followed.v1)
	// in the period.
	NewFollowers uint64 `json:"new_followers"`
}

// TimeSlot is one hour of one weekday (1 = Monday … 7 = Sunday, hour 0–23,
// in the brand's time zone).
type TimeSlot struct {
	Weekday     int    `json:"weekday"`
	Hour        int    `json:"hour"`
	Engagements uint64 `json:"engagements"`
}

// BestTimes is when the audience engages.
type BestTimes struct {
	// Grid[weekday-1][hour] counts engagements.
	Grid [7][24]uint64 `json:"grid"`
	// Top are the busiest slots, most engagements first (ties: earlier in
	// the week, then earlier in the day).
	Top []TimeSlot `json:"top"`
}
