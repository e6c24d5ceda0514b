package kpi

import (
	"context"
	"fmt"
	"sort"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/rollup"
)

// tally adds up the interaction figures of a dashboard from the rollup and
// from the base tables, by day, weekday and hour of the request's time zone.
type tally struct {
	loc                   *time.Location
	volume                query.Volume
	byDay                 map[string]uint64
	engagements, comments uint64
	grid                  [7][24]uint64
	sentiment             map[string]*query.SentimentDay
}

func newTally(loc *time.Location) *tally {
	return &tally{loc: loc, volume: query.Volume{ByKind: map[string]uint64{}, ByNetwork: map[string]uint64{}},
		byDay: map[string]uint64{}, sentiment: map[string]*query.SentimentDay{}}
}

// engagement adds n engagements (comments of them) on weekday wd (1 =
// Monday) at hour h.
func (t *tally) engagement(wd, h int, n, comments uint64) {
	t.engagements += n
	t.comments += comments
	if wd >= 1 && wd <= 7 && h >= 0 && h < 24 {
		t.grid[wd-1][h] += n
	}
}

func (t *tally) sentimentOf(day string) *query.SentimentDay {
	d, ok := t.sentiment[day]
	if !ok {
		d = &query.SentimentDay{Day: day}
		t.sentiment[day] = d
	}
	return d
}

// volumeHour adds the rollup's interactions of one UTC hour.
func (t *tally) volumeHour(at time.Time, interactions uint64) {
	if interactions > 0 {
		t.byDay[at.In(t.loc).Format(time.DateOnly)] += interactions
		t.volume.Total += interactions
	}
}

// hour adds the rollup's other counts of one UTC hour.
func (t *tally) hour(at time.Time, engagements, comments, positive, neutral, negative uint64) {
	local := at.In(t.loc)
	if engagements > 0 {
		t.engagement(int(local.Weekday()+6)%7+1, local.Hour(), engagements, comments)
	}
	if positive+neutral+negative > 0 {
		d := t.sentimentOf(local.Format(time.DateOnly))
		d.Positive += positive
		d.Neutral += neutral
		d.Negative += negative
	}
}

// merge adds o's figures.
func (t *tally) merge(o *tally) {
	t.volume.Total += o.volume.Total
	for k, n := range o.volume.ByKind {
		t.volume.ByKind[k] += n
	}
	for k, n := range o.volume.ByNetwork {
		t.volume.ByNetwork[k] += n
	}
	for day, n := range o.byDay {
		t.byDay[day] += n
	}
	t.engagements += o.engagements
	t.comments += o.comments
	for wd := range o.grid {
		for h, n := range o.grid[wd] {
			t.grid[wd][h] += n
		}
	}
	for day, d := range o.sentiment {
		m := t.sentimentOf(day)
		m.Positive += d.Positive
		m.Neutral += d.Neutral
		m.Negative += d.Negative
	}
}

// fill writes the figures into k.
func (t *tally) fill(k *query.KPIs) {
	v := t.volume
	v.ByDay = []query.DayCount{}
	for day, n := range t.byDay {
		v.ByDay = append(v.ByDay, query.DayCount{Day: day, Count: n})
	}
	sort.Slice(v.ByDay, func(i, j int) bool { return v.ByDay[i].Day < v.ByDay[j].Day })
	k.Volume = v

	k.Engagement.Engagements, k.Engagement.Comments = t.engagements, t.comments
	bt := query.BestTimes{Grid: t.grid, Top: []query.TimeSlot{}}
	var slots []query.TimeSlot
	for wd := range t.grid {
		for h, n := range t.grid[wd] {
			if n > 0 {
				slots = append(slots, query.TimeSlot{Weekday: wd + 1, Hour: h, Engagements: n})
			}
		}
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].Engagements > slots[j].Engagements })
	bt.Top = append(bt.Top, slots[:min(len(slots), query.BestTimeSlots)]...)
	k.BestTimes = bt

	st := query.SentimentTrend{ByDay: []query.SentimentDay{}}
	for _, d := range t.sentiment {
		st.ByDay = append(st.ByDay, *d)
		st.Positive += d.Positive
		st.Neutral += d.Neutral
		st.Negative += d.Negative
	}
	sort.Slice(st.ByDay, func(i, j int) bool { return st.ByDay[i].Day < st.ByDay[j].Day })
	if total := st.Positive + st.Neutral + st.Negative; total > 0 {
		v := (float64(st.Positive) - float64(st.Negative)) / float64(total) * 100
		st.NetScore = &v
	}
	k.Sentiment = st
}

// rolledHours adds the rollup's hourly figures of the plan's days and hours.
func (s Reader) rolledHours(ctx context.Context, p Params, pl Plan, t *tally) error {
	if len(pl.Hours) == 0 {
		return nil
	}
	cond, args := pl.rolledSQL(p, pl.Hours)
	rows, err := s.db.Conn().Query(ctx, `SELECT toString(day), sumForEach(interactions), sumForEach(engagements), sumForEach(comments),
	sumForEach(positive), sumForEach(neutral), sumForEach(negative)
FROM kpi_days WHERE `+cond+` GROUP BY day`, args...)
	if err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day                    string
			i, e, c, pos, neu, neg []uint64
		)
		if err := rows.Scan(&day, &i, &e, &c, &pos, &neu, &neg); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
		d, err := time.Parse(rollup.DayFormat, day)
		if err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
		if len(i) != 24 || len(e) != 24 || len(c) != 24 || len(pos) != 24 || len(neu) != 24 || len(neg) != 24 {
			return fmt.Errorf("rollup: day %s of %s does not have 24 hours", day, p.Brand)
		}
		for h := range 24 {
			at := d.Add(time.Duration(h) * time.Hour)
			if InSpans(pl.Days, at) {
				t.volumeHour(at, i[h])
			}
			if InSpans(pl.Hours, at) {
				t.hour(at, e[h], c[h], pos[h], neu[h], neg[h])
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	return nil
}

// rolledKinds adds the rollup's volume by kind and network of the plan's
// whole days.
func (s Reader) rolledKinds(ctx context.Context, p Params, pl Plan, t *tally) error {
	if len(pl.Days) == 0 {
		return nil
	}
	cond, args := pl.rolledSQL(p, pl.Days)
	kinds, err := s.db.Conn().Query(ctx, `SELECT network, kind, sum(n) FROM kpi_days ARRAY JOIN kinds AS kind, kind_interactions AS n
WHERE `+cond+` GROUP BY network, kind`, args...)
	if err != nil {
		return fmt.Errorf("rollup kinds: %w", err)
	}
	defer kinds.Close()
	for kinds.Next() {
		var (
			network, kind string
			n             uint64
		)
		if err := kinds.Scan(&network, &kind, &n); err != nil {
			return fmt.Errorf("rollup kinds: %w", err)
		}
		t.volume.ByKind[kind] += n
		t.volume.ByNetwork[network] += n
	}
	return kinds.Err()
}
