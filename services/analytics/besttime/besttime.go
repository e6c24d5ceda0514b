// Package besttime is the read model of the best times to post: from the
// brand's own posts and the engagements they received, the weekday × hour
// (in the brand's zone) where a post does best, with the evidence. Posts
// are the brand's interactions of kind post; a post's engagements are the
// public interactions (readmodel.EngagementKinds) in its thread — whose
// thread_id, or parent_id when it has none, is the post's platform id on
// the same network —, written by someone else, not spam, within
// query.BestTimesWindow of it. Publishing's own records of what went out do
// not reach ClickHouse yet; when they do, they are the better list of posts.
package besttime

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// definitions travel with the answer.
var definitions = map[string]string{
	query.MeasurePerPost: fmt.Sprintf("mean engagements per post: for the brand's posts published in the slot (weekday 1 = Monday and hour of created_at in tz), "+
		"the interactions of kind %s in the post's thread, by another author, whose latest verdict is not spam, within %s of the post; "+
		"posts younger than %s at as_of are left out; a slot is ranked once it has %d posts",
		strings.Join(readmodel.EngagementKinds, ", "), query.BestTimesWindow, query.BestTimesWindow, query.BestTimesMinPosts),
	query.MeasureAudience: fmt.Sprintf("engagements per week: the brand's interactions of kind %s whose latest verdict is not spam, "+
		"by weekday (1 = Monday) and hour of created_at in tz, divided by the weeks of the period",
		strings.Join(readmodel.EngagementKinds, ", ")),
}

// params is a checked BestTimesRequest.
type params struct {
	query.BestTimesRequest
	from, to time.Time
	limit    int
}

func parse(in query.BestTimesRequest, now time.Time) (params, error) {
	p := params{BestTimesRequest: in, limit: in.Limit}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return p, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	if in.TZ == "" {
		return p, readmodel.FieldError{Field: "tz", Msg: "is required (the brand's IANA time zone)"}
	}
	if _, err := time.LoadLocation(in.TZ); err != nil || in.TZ == "Local" || !readmodel.ValidToken(strings.ReplaceAll(in.TZ, "/", "")) {
		return p, readmodel.FieldError{Field: "tz", Msg: fmt.Sprintf("%q is not an IANA time zone", in.TZ)}
	}
	if in.Network != "" && !readmodel.ValidToken(in.Network) {
		return p, readmodel.FieldError{Field: "network", Msg: fmt.Sprintf("%q is not valid", in.Network)}
	}
	days := in.Days
	switch {
	case days == 0:
		days = query.BestTimesDefaultDays
	case days < 7 || days > query.BestTimesMaxDays:
		return p, readmodel.FieldError{Field: "days", Msg: fmt.Sprintf("must be from 7 to %d, got %d", query.BestTimesMaxDays, days)}
	}
	switch {
	case p.limit == 0:
		p.limit = query.BestTimesDefaultLimit
	case p.limit < 1 || p.limit > 7*24:
		return p, readmodel.FieldError{Field: "limit", Msg: fmt.Sprintf("must be from 1 to 168, got %d", p.limit)}
	}
	p.to = in.AsOf
	if p.to.IsZero() {
		p.to = now
	}
	p.to = p.to.UTC().Truncate(time.Second)
	p.from = p.to.AddDate(0, 0, -days)
	p.Days = days
	return p, nil
}

// rank orders the grid's slots by score, then evidence (posts, then
// interactions), then earlier in the week and the day, and keeps those a
// measure may suggest.
func rank(grid []query.PostingSlot, measure string, limit int) []query.PostingSlot {
	var out []query.PostingSlot
	for _, s := range grid {
		if s.Score > 0 && (measure != query.MeasurePerPost || s.Posts >= query.BestTimesMinPosts) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b query.PostingSlot) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Posts, a.Posts), cmp.Compare(b.Interactions, a.Interactions),
			cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Hour, b.Hour))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []query.PostingSlot{}
	}
	return out
}

// reasons say why a measure was used.
var (
	reasonPerPost = func(posts uint64) query.Localized {
		return query.Localized{
			FR: fmt.Sprintf("classement par engagement moyen de vos %d publications, créneau par créneau (au moins %d publications par créneau)", posts, query.BestTimesMinPosts),
			EN: fmt.Sprintf("ranked by the mean engagement of your %d posts, slot by slot (at least %d posts per slot)", posts, query.BestTimesMinPosts),
		}
	}
	reasonAudience = func(posts uint64) query.Localized {
		return query.Localized{
			FR: fmt.Sprintf("%d publications seulement, aucun créneau n'en a %d : classement par activité de votre communauté", posts, query.BestTimesMinPosts),
			EN: fmt.Sprintf("only %d posts, no slot has %d: ranked by when your community engages", posts, query.BestTimesMinPosts),
		}
	}
)
