package ui

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// PostNetworksOffered are the networks a post has a variant for, in the create
// form's order (scheduling checks each one's limits).
var PostNetworksOffered = []string{"x", "bluesky", "mastodon", "meta", "sandbox"}

// CalendarQuery is what a calendar shows: the view, its first day, the
// zone and the filters; it travels in the URL.
type CalendarQuery struct {
	Brand string
	// View is month, week or day; From a date in it ("2026-12-07").
	View, From, Zone string
	Network, State   string
	Campaign, Label  string
}

// Values is the query as URL parameters.
func (q CalendarQuery) Values() url.Values {
	v := url.Values{"brand": {q.Brand}, "view": {q.View}, "from": {q.From}, "zone": {q.Zone}}
	for k, s := range map[string]string{"network": q.Network, "state": q.State, "campaign": q.Campaign, "label": q.Label} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// With is the query moved to another view or day.
func (q CalendarQuery) With(view, from string) string {
	q.View, q.From = view, from
	return "/calendar?" + q.Values().Encode()
}

// Step is the first day of the previous (-1) or next (+1) view.
func (q CalendarQuery) Step(dir int) string {
	d, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return q.With(q.View, q.From)
	}
	switch q.View {
	case "month":
		d = time.Date(d.Year(), d.Month()+time.Month(dir), 1, 0, 0, 0, 0, time.UTC)
	case "week":
		d = d.AddDate(0, 0, 7*dir)
	default:
		d = d.AddDate(0, 0, dir)
	}
	return q.With(q.View, d.Format(time.DateOnly))
}

// CalendarRights are what the caller's role allows on the brand's posts.
type CalendarRights struct {
	Write, Approve, Schedule, Resume bool
}

// Calendar is the calendar screen's model.
type Calendar struct {
	Page  Page
	Query CalendarQuery
	Cal   query.Calendar
	// Problem says the calendar could not be read; Message reports the
	// last action (a move, a stale revision).
	Problem, Message string
	// Best are the best times to post (week view), nil when analytics did
	// not answer (BestProblem says why).
	Best        *query.BestTimesToPost
	BestProblem string
	Held        query.HeldPosts
	Rights      CalendarRights
	Create      PostForm
}

// PostForm is the create form as filled, with the errors per field
// ("x.text", "campaign"...).
type PostForm struct {
	Campaign, Labels string
	Text, Link       map[string]string
	Errors           map[string]string
	// Problem is an error no field names.
	Problem string
}

// Err is the error of one field of the form.
func (f PostForm) Err(field string) string { return f.Errors[field] }

// PostPanel is one post opened beside the calendar.
type PostPanel struct {
	Brand  string
	Zone   string
	Post   query.Post
	Rights CalendarRights
	// Message reports the action just taken or why it failed.
	Message string
	Failed  bool
}

// PostURL is the fragment of one post.
func PostURL(brand, id, zone string) string {
	return "/calendar/post?" + url.Values{"brand": {brand}, "id": {id}, "zone": {zone}}.Encode()
}

// ActionURL is where an action on the post posts.
func (p PostPanel) ActionURL(verb string) string {
	return "/calendar/post/" + verb + "?" + url.Values{"brand": {p.Brand}, "id": {p.Post.ID}, "zone": {p.Zone}}.Encode()
}

// Rev is the post's revision as a form value.
func (p PostPanel) Rev() string { return strconv.Itoa(p.Post.Revision) }

// Wall is the post's time as a datetime-local value in the panel's zone.
func (p PostPanel) Wall() string {
	if p.Post.Time == nil {
		return ""
	}
	if loc, err := time.LoadLocation(p.Zone); err == nil {
		return p.Post.Time.At.In(loc).Format("2006-01-02T15:04")
	}
	return p.Post.Time.Wall
}

// Can says which action the post's state and the caller's role allow.
func (p PostPanel) Can(verb string) bool {
	st := p.Post.State
	switch verb {
	case "submit":
		return p.Rights.Write && st == postv1.StateDraft
	case "approve", "request-changes":
		return p.Rights.Approve && st == postv1.StateInReview
	case "schedule", "queue":
		return p.Rights.Schedule && (st == postv1.StateApproved || st == postv1.StateScheduled)
	case "cancel":
		return p.Rights.Schedule && (st == postv1.StateScheduled || st == postv1.StateHeld)
	}
	return false
}

// Movable says a post can be dragged to another day.
func Movable(p query.Post, r CalendarRights) bool {
	return r.Schedule && (p.State == postv1.StateScheduled || p.State == postv1.StateApproved)
}

// PostTitle is a post's first variant's text, cut for a calendar cell.
func PostTitle(p query.Post) string {
	if len(p.Variants) == 0 {
		return p.ID
	}
	t := []rune(strings.TrimSpace(p.Variants[0].Text))
	if len(t) > 60 {
		return string(t[:59]) + "…"
	}
	return string(t)
}

// PostNetworks lists a post's networks.
func PostNetworks(p query.Post) string {
	out := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		out[i] = v.Network
	}
	return strings.Join(out, ", ")
}

// StateKey is a state's string key.
func StateKey(s postv1.State) string { return "cal.state." + string(s) }

// Weekday is an ISO weekday's key (1 = Monday).
func Weekday(d int) string { return "cal.wd." + strconv.Itoa(d) }

// DayLabel is a calendar day's weekday key and day of month.
func DayLabel(date string) (string, string) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", date
	}
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	return Weekday(wd), strconv.Itoa(d.Day())
}

func joinList(s []string) string { return strings.Join(s, ", ") }

// invalid is aria-invalid for a field with an error.
func invalid(err string) string { return strconv.FormatBool(err != "") }

// localized is the text in the page's language.
func localized(ctx context.Context, en, fr string) string {
	if Lang(ctx) == "fr" && fr != "" {
		return fr
	}
	return en
}

// scheduleLabel is "schedule" or "reschedule".
func scheduleLabel(ctx context.Context, st postv1.State) string {
	if st == postv1.StateScheduled {
		return T(ctx, "cal.reschedule")
	}
	return T(ctx, "cal.schedule")
}

// firstDay is the calendar's first day (a week starts on Monday).
func (v Calendar) firstDay() string {
	if len(v.Cal.Days) == 0 {
		return v.Query.From
	}
	return v.Cal.Days[0].Date
}

// Who is a person's display name, their id when the gateway found none.
func Who(name, id string) string {
	if name != "" {
		return name
	}
	return id
}
