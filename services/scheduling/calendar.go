package scheduling

import (
	"context"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// Calendar views.
const (
	ViewMonth = "month"
	ViewWeek  = "week"
	ViewDay   = "day"
)

// Calendar is a month (from its first day), a week (from Monday) or a day
// of a brand's posts, each at its wall time in the asked zone: a brand's
// calendar in the brand's zone, a user's in theirs.
func (s *Service) Calendar(ctx context.Context, r query.CalendarRequest) (query.Calendar, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.Calendar{}, fieldErr("brand", "%s", err.Error())
	}
	loc := s.zone
	if r.Zone != "" {
		l, err := walltime.LoadZone(r.Zone)
		if err != nil {
			return query.Calendar{}, fieldErr("zone", "%s", err.Error())
		}
		loc = l
	}
	day, err := time.Parse(time.DateOnly, r.From)
	if err != nil {
		return query.Calendar{}, fieldErr("from", "%q is not a date like 2026-03-01", r.From)
	}
	var first, last time.Time // dates, [first, last)
	switch r.View {
	case ViewMonth:
		first = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		last = first.AddDate(0, 1, 0)
	case ViewWeek:
		first = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		last = first.AddDate(0, 0, 7)
	case ViewDay:
		first, last = day, day.AddDate(0, 0, 1)
	default:
		return query.Calendar{}, fieldErr("view", "%q, want month, week or day", r.View)
	}
	// A day starts at its first instant: midnight, or the end of a gap
	// that swallowed it (Santiago).
	from, to := walltime.Resolve(first, loc).At, walltime.Resolve(last, loc).At
	list, err := s.List(ctx, query.ListPostsRequest{Brand: r.Brand, From: from, To: to, PostFilter: r.PostFilter})
	if err != nil {
		return query.Calendar{}, err
	}
	out := query.Calendar{View: r.View, Zone: loc.String(), From: from, To: to}
	index := map[string]int{}
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(out.Days)
		out.Days = append(out.Days, query.CalendarDay{Date: d.Format(time.DateOnly), Posts: []query.CalendarEntry{}})
	}
	for _, p := range list.Posts {
		local := p.Time.At.In(loc)
		if i, ok := index[local.Format(time.DateOnly)]; ok {
			out.Days[i].Posts = append(out.Days[i].Posts, query.CalendarEntry{Time: local.Format("15:04"), Post: p})
		}
	}
	return out, nil
}
