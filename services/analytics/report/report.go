package report

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/pii"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
	"github.com/ruche-project/ruche/services/analytics/kpi"
)

var isoWeek = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// weekStart is Monday 00:00 in loc of ISO week w of year y.
func weekStart(y, w int, loc *time.Location) time.Time {
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(w-1))
}

// parseWeek returns the week's name and its Monday in loc; an empty week
// is the last complete week before now.
func parseWeek(week string, loc *time.Location, now time.Time) (string, time.Time, error) {
	if week == "" {
		y, w := now.In(loc).AddDate(0, 0, -7).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w), weekStart(y, w, loc), nil
	}
	m := isoWeek.FindStringSubmatch(week)
	if m == nil {
		return "", time.Time{}, readmodel.BadRequest{Msg: fmt.Sprintf("week %q: want an ISO week such as 2026-W47", week)}
	}
	y, _ := strconv.Atoi(m[1])
	w, _ := strconv.Atoi(m[2])
	start := weekStart(y, w, loc)
	if yy, ww := start.ISOWeek(); w < 1 || yy != y || ww != w {
		return "", time.Time{}, readmodel.BadRequest{Msg: fmt.Sprintf("week %q does not exist", week)}
	}
	return week, start, nil
}

// Weekly computes the week's and the previous week's KPIs, the
// notable interactions, and renders them.
func (s Builder) Weekly(ctx context.Context, in query.WeeklyReportRequest, now time.Time) (query.WeeklyReport, error) {
	ctx = obs.WithBrand(ctx, in.Brand)
	tz := in.TZ
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return query.WeeklyReport{}, readmodel.BadRequest{Msg: fmt.Sprintf("tz: %q is not an IANA time zone", in.TZ)}
	}
	locale := "en"
	switch strings.ToLower(in.Locale) {
	case "", "en":
	case "fr":
		locale = "fr"
	default:
		return query.WeeklyReport{}, readmodel.BadRequest{Msg: "locale must be fr or en"}
	}
	week, from, err := parseWeek(in.Week, loc, now)
	if err != nil {
		return query.WeeklyReport{}, err
	}
	to := from.AddDate(0, 0, 7)
	req := query.KPIsRequest{Brand: in.Brand, Network: in.Network, From: from, To: to, TZ: tz, Voices: in.Voices, AsOf: now}
	p, err := kpi.Parse(req, now)
	if err != nil {
		return query.WeeklyReport{}, err
	}
	r := query.WeeklyReport{Brand: in.Brand, Week: week, From: from.UTC(), To: to.UTC(), Locale: locale}
	if r.KPIs, err = s.kpis.KPIs(ctx, p); err != nil {
		return r, err
	}
	p.From, p.To = from.AddDate(0, 0, -7), from
	if r.Previous, err = s.kpis.KPIs(ctx, p); err != nil {
		return r, err
	}
	p.From, p.To = from, to
	if r.Notable, err = s.notable(ctx, p); err != nil {
		return r, err
	}
	for i := range r.Notable {
		maskInteraction(&r.Notable[i])
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, reportView(r, loc)); err != nil {
		return r, fmt.Errorf("render weekly report: %w", err)
	}
	r.HTML = buf.String()
	if in.PDF {
		if r.PDF, err = renderPDF(r, loc, now); err != nil {
			return r, err
		}
	}
	return r, nil
}

// notable returns the period's interactions of highest priority, then
// reach, without those moderation or a moderator hid or marked as spam: a
// report goes to management, its notable interactions are what the brand
// shows. Their texts are masked (pii.Mask) by Weekly.
func (s Builder) notable(ctx context.Context, p kpi.Params) ([]query.Interaction, error) {
	cond, args := p.Period()
	in, inArgs := p.Since("moderated_at")
	dIn, dArgs := p.Since("decided_at")
	rows, err := s.db.Conn().Query(ctx, `SELECT id FROM (
	SELECT id, author_followers FROM interactions FINAL WHERE `+cond+`
) ANY INNER JOIN (
	SELECT interaction_id AS id, argMax(priority, version) AS priority FROM interaction_state
	WHERE brand = ?`+in+` GROUP BY interaction_id HAVING argMax(verdict, version) NOT IN ('spam', 'hide')
) USING id
WHERE id NOT IN (
	SELECT interaction_id FROM case_decisions WHERE brand = ?`+dIn+`
	GROUP BY interaction_id HAVING argMax(decision, version) IN ('hide', 'spam')
)
ORDER BY priority DESC, author_followers DESC, id
LIMIT ?`, append(append(append(append(append(args, p.Brand), inArgs...), p.Brand), dArgs...), query.MaxNotable)...)
	if err != nil {
		return nil, fmt.Errorf("notable interactions of %s: %w", p.Brand, err)
	}
	var ids []any
	order := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		order[id] = len(ids)
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return []query.Interaction{}, nil
	}
	items, err := s.inbox.Where(ctx, p.Brand, "id IN ?", "", ch.GroupSet{Value: ids})
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return order[items[i].ID] < order[items[j].ID] })
	return items, nil
}

// maskInteraction masks the personal data in every text of it a report
// shows (HTML, PDF and the JSON answer).
func maskInteraction(it *query.Interaction) {
	it.Text, it.AuthorName, it.AuthorHandle = pii.Mask(it.Text), pii.Mask(it.AuthorName), pii.Mask(it.AuthorHandle)
}
