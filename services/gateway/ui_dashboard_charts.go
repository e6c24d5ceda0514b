package gateway

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/gateway/ui"
)

// The dashboard's charts, by id (/dashboard/csv/<id>).
const (
	chartVolume     = "volume"
	chartSentiment  = "sentiment"
	chartResponse   = "response"
	chartBestTimes  = "engagement"
	chartVoice      = "share-of-voice"
	chartNetworks   = "networks"
	chartLeaders    = "opinion-leaders"
	chartCrisisWins = "crisis"
)

// dashboardCharts builds every chart of one dashboard from the period's
// KPIs and the previous period's (same length, just before): the spec to
// draw, the table, the CSV link. csv is the query string the CSV links
// keep (brand, period, network).
func dashboardCharts(ctx context.Context, cur, prev query.KPIs, csv url.Values) []ui.Chart {
	link := func(id string) string { return "/dashboard/csv/" + id + "?" + csv.Encode() }
	charts := []ui.Chart{
		volumeChart(ctx, cur, prev),
		sentimentChart(ctx, cur),
		responseChart(ctx, cur, prev),
		bestTimesChart(ctx, cur),
		voiceChart(ctx, cur),
		networksChart(ctx, cur),
	}
	for i := range charts {
		charts[i].CSV = link(charts[i].ID)
	}
	return charts
}

// periodDays lists every day of [from, to) in loc (YYYY-MM-DD): the series
// of analytics list only the days that have any, a chart shows them all.
func periodDays(from, to time.Time, loc *time.Location) []string {
	var days []string
	for d := from.In(loc); d.Before(to) && len(days) <= int(query.MaxKPIPeriod/(24*time.Hour)); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	return days
}

func kpiLocation(k query.KPIs) *time.Location {
	if loc, err := time.LoadLocation(k.TZ); err == nil {
		return loc
	}
	return time.UTC
}

func volumeChart(ctx context.Context, cur, prev query.KPIs) ui.Chart {
	loc := kpiLocation(cur)
	days := periodDays(cur.From, cur.To, loc)
	prevDays := periodDays(prev.From, prev.To, kpiLocation(prev))
	counts := map[string]uint64{}
	for _, d := range cur.Volume.ByDay {
		counts[d.Day] = d.Count
	}
	before := map[string]uint64{}
	for _, d := range prev.Volume.ByDay {
		before[d.Day] = d.Count
	}
	c := ui.Chart{ID: chartVolume, Title: ui.T(ctx, "dash.volume"), Caption: cur.Definitions["volume"],
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.day"), ui.T(ctx, "dash.volume"), ui.T(ctx, "dash.previous")}}}
	x := make([]string, len(days))
	now, then := make([]uint64, len(days)), make([]*uint64, len(days))
	for i, d := range days {
		x[i] = ui.Day(ctx, d)
		now[i] = counts[d]
		row := []any{d, counts[d], nil}
		if i < len(prevDays) {
			v := before[prevDays[i]]
			then[i] = &v
			row[2] = v
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	c.Spec = ui.ChartSpec{Kind: "line", X: x, Series: []ui.Series{
		{Name: ui.T(ctx, "dash.this_period"), Data: now},
		{Name: ui.T(ctx, "dash.previous"), Data: then, Color: "neutral"},
	}}
	if cur.Volume.Total == 0 {
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

func sentimentChart(ctx context.Context, k query.KPIs) ui.Chart {
	days := periodDays(k.From, k.To, kpiLocation(k))
	by := map[string]query.SentimentDay{}
	for _, d := range k.Sentiment.ByDay {
		by[d.Day] = d
	}
	c := ui.Chart{ID: chartSentiment, Title: ui.T(ctx, "dash.sentiment"), Caption: k.Definitions["sentiment"],
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.day"), ui.T(ctx, "dash.positive"), ui.T(ctx, "dash.neutral"), ui.T(ctx, "dash.negative")}}}
	x := make([]string, len(days))
	pos, neu, neg := make([]uint64, len(days)), make([]uint64, len(days)), make([]uint64, len(days))
	for i, d := range days {
		x[i] = ui.Day(ctx, d)
		s := by[d]
		pos[i], neu[i], neg[i] = s.Positive, s.Neutral, s.Negative
		c.Table.Rows = append(c.Table.Rows, []any{d, s.Positive, s.Neutral, s.Negative})
	}
	c.Spec = ui.ChartSpec{Kind: "stack", X: x, Series: []ui.Series{
		{Name: ui.T(ctx, "dash.positive"), Data: pos, Color: "positive"},
		{Name: ui.T(ctx, "dash.neutral"), Data: neu, Color: "neutral"},
		{Name: ui.T(ctx, "dash.negative"), Data: neg, Color: "negative"},
	}}
	if k.Sentiment.Positive+k.Sentiment.Neutral+k.Sentiment.Negative == 0 {
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

func responseChart(ctx context.Context, cur, prev query.KPIs) ui.Chart {
	c := ui.Chart{ID: chartResponse, Title: ui.T(ctx, "dash.response"), Caption: cur.Definitions["first_response"],
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.measure"), ui.T(ctx, "dash.this_period"), ui.T(ctx, "dash.previous")}}}
	secs := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	c.Table.Rows = [][]any{
		{ui.T(ctx, "dash.median"), ui.Seconds(cur.Response.MedianSeconds), ui.Seconds(prev.Response.MedianSeconds)},
		{ui.T(ctx, "dash.p90"), ui.Seconds(cur.Response.P90Seconds), ui.Seconds(prev.Response.P90Seconds)},
	}
	c.Spec = ui.ChartSpec{Kind: "bar", Unit: "s", X: []string{ui.T(ctx, "dash.median"), ui.T(ctx, "dash.p90")}, Series: []ui.Series{
		{Name: ui.T(ctx, "dash.this_period"), Data: []any{secs(cur.Response.MedianSeconds), secs(cur.Response.P90Seconds)}},
		{Name: ui.T(ctx, "dash.previous"), Data: []any{secs(prev.Response.MedianSeconds), secs(prev.Response.P90Seconds)}, Color: "neutral"},
	}}
	if cur.Response.MedianSeconds == nil && prev.Response.MedianSeconds == nil {
		c.Empty = ui.T(ctx, "dash.noreplies")
	}
	return c
}

// weekdayKeys name the days of analytics' grid (1 = Monday).
var weekdayKeys = []string{"dash.mon", "dash.tue", "dash.wed", "dash.thu", "dash.fri", "dash.sat", "dash.sun"}

func bestTimesChart(ctx context.Context, k query.KPIs) ui.Chart {
	c := ui.Chart{ID: chartBestTimes, Title: ui.T(ctx, "dash.besttimes"), Caption: k.Definitions["best_times"]}
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = strconv.Itoa(h)
	}
	days := make([]string, 7)
	c.Table.Head = append([]string{ui.T(ctx, "dash.weekday")}, hours...)
	var cells [][3]uint64
	var total uint64
	for d := range 7 {
		days[d] = ui.T(ctx, weekdayKeys[d])
		row := []any{days[d]}
		for h := range 24 {
			n := k.BestTimes.Grid[d][h]
			total += n
			row = append(row, n)
			cells = append(cells, [3]uint64{uint64(h), uint64(d), n})
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	c.Spec = ui.ChartSpec{Kind: "heatmap", X: hours, Y: days, Series: []ui.Series{{Name: ui.T(ctx, "dash.engagements"), Data: cells}}}
	if total == 0 {
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

func voiceChart(ctx context.Context, k query.KPIs) ui.Chart {
	c := ui.Chart{ID: chartVoice, Title: ui.T(ctx, "dash.voice"), Caption: k.Definitions["share_of_voice"],
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.voicename"), ui.T(ctx, "dash.mentions"), ui.T(ctx, "dash.share")}}}
	var names []string
	var mentions []uint64
	var total uint64
	for _, v := range k.ShareOfVoice {
		names = append(names, v.Name)
		mentions = append(mentions, v.Mentions)
		total += v.Mentions
		c.Table.Rows = append(c.Table.Rows, []any{v.Name, v.Mentions, ui.Percent(v.Share)})
	}
	c.Spec = ui.ChartSpec{Kind: "pie", X: names, Series: []ui.Series{{Name: ui.T(ctx, "dash.mentions"), Data: mentions}}}
	switch {
	case len(k.ShareOfVoice) == 0:
		c.Empty = ui.T(ctx, "dash.novoices")
	case total == 0:
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

func networksChart(ctx context.Context, k query.KPIs) ui.Chart {
	c := ui.Chart{ID: chartNetworks, Title: ui.T(ctx, "dash.networks"), Caption: k.Definitions["volume"],
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.network"), ui.T(ctx, "dash.volume")}}}
	nets := make([]string, 0, len(k.Volume.ByNetwork))
	for n := range k.Volume.ByNetwork {
		nets = append(nets, n)
	}
	sort.Slice(nets, func(i, j int) bool {
		a, b := k.Volume.ByNetwork[nets[i]], k.Volume.ByNetwork[nets[j]]
		return a > b || a == b && nets[i] < nets[j]
	})
	counts := make([]uint64, len(nets))
	for i, n := range nets {
		counts[i] = k.Volume.ByNetwork[n]
		c.Table.Rows = append(c.Table.Rows, []any{n, counts[i]})
	}
	c.Spec = ui.ChartSpec{Kind: "bar", X: nets, Series: []ui.Series{{Name: ui.T(ctx, "dash.volume"), Data: counts}}}
	if len(nets) == 0 {
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

// leadersChart is the opinion leaders' table (no drawing: people are read,
// not plotted).
func leadersChart(ctx context.Context, page query.SegmentPage) ui.Chart {
	c := ui.Chart{ID: chartLeaders, Title: ui.T(ctx, "dash.leaders"), Caption: page.Definition,
		Table: ui.Table{Head: []string{ui.T(ctx, "dash.author"), ui.T(ctx, "dash.network"), ui.T(ctx, "dash.reach"),
			ui.T(ctx, "dash.inwindow"), ui.T(ctx, "dash.positive"), ui.T(ctx, "dash.negative")}}}
	for _, m := range page.Items {
		who := m.Handle
		if m.Name != "" {
			who = m.Name + " (" + m.Handle + ")"
		}
		c.Table.Rows = append(c.Table.Rows, []any{who, m.Network, m.Reach, m.InWindow, m.Positive, m.Negative})
	}
	if len(page.Items) == 0 {
		c.Empty = ui.T(ctx, "dash.noleaders")
	}
	return c
}

// crisisChart draws a crisis's windows: volume and negatives per window,
// the evidence the detector opened it on.
func crisisChart(ctx context.Context, cr query.Crisis, loc *time.Location) ui.Chart {
	c := ui.Chart{ID: chartCrisisWins, Title: ui.T(ctx, "crisis.windows"),
		Table: ui.Table{Head: []string{ui.T(ctx, "crisis.window"), ui.T(ctx, "dash.volume"), ui.T(ctx, "dash.negative"), ui.T(ctx, "crisis.negshare")}}}
	x := make([]string, len(cr.Windows))
	vol, neg := make([]int, len(cr.Windows)), make([]int, len(cr.Windows))
	for i, w := range cr.Windows {
		x[i] = w.Start.In(loc).Format("15:04")
		vol[i], neg[i] = w.Volume, w.Negative
		share := w.NegativeShare * 100
		c.Table.Rows = append(c.Table.Rows, []any{w.Start.In(loc), w.Volume, w.Negative, ui.Percent(&share)})
	}
	c.Spec = ui.ChartSpec{Kind: "bar", X: x, Series: []ui.Series{
		{Name: ui.T(ctx, "dash.volume"), Data: vol},
		{Name: ui.T(ctx, "dash.negative"), Data: neg, Color: "negative"},
	}}
	if len(cr.Windows) == 0 {
		c.Empty = ui.T(ctx, "dash.nodata")
	}
	return c
}

// kpiCards are the headline figures with their change against the
// previous period.
func kpiCards(ctx context.Context, cur, prev query.KPIs) []ui.KPI {
	count := func(id, label string, now, before uint64, upIsGood bool, def string) ui.KPI {
		k := ui.KPI{ID: id, Label: ui.T(ctx, label), Value: ui.Int(ctx, int64(now)), Definition: def}
		k.Change, k.Trend = relative(ctx, float64(now), float64(before), before > 0)
		k.Good = k.Trend == "flat" || (k.Trend == "up") == upIsGood
		return k
	}
	points := func(id, label string, now, before *float64, upIsGood bool, def string) ui.KPI {
		k := ui.KPI{ID: id, Label: ui.T(ctx, label), Value: ui.Pct(ctx, now), Definition: def}
		if now != nil && before != nil {
			d := *now - *before
			k.Change, k.Trend = signed(ctx, d)+" "+ui.T(ctx, "dash.pts"), trendOf(d)
			k.Good = k.Trend == "flat" || (k.Trend == "up") == upIsGood
		}
		return k
	}
	median := ui.KPI{ID: "first_response", Label: ui.T(ctx, "dash.median_response"), Value: ui.Cell(ctx, ui.Seconds(cur.Response.MedianSeconds)),
		Definition: cur.Definitions["first_response"]}
	if cur.Response.MedianSeconds != nil && prev.Response.MedianSeconds != nil {
		median.Change, median.Trend = relative(ctx, float64(*cur.Response.MedianSeconds), float64(*prev.Response.MedianSeconds), *prev.Response.MedianSeconds > 0)
		median.Good = median.Trend != "up"
	}
	return []ui.KPI{
		count("volume", "dash.volume", cur.Volume.Total, prev.Volume.Total, true, cur.Definitions["volume"]),
		count("engagements", "dash.engagements", cur.Engagement.Engagements, prev.Engagement.Engagements, true, cur.Definitions["engagements"]),
		points("response_rate", "dash.response_rate", cur.Response.Rate, prev.Response.Rate, true, cur.Definitions["response_rate"]),
		median,
		count("sla_breaches", "dash.sla_breaches", cur.Response.SLABreaches, prev.Response.SLABreaches, false, cur.Definitions["sla_breaches"]),
		points("net_sentiment", "dash.net_sentiment", cur.Sentiment.NetScore, prev.Sentiment.NetScore, true, cur.Definitions["sentiment"]),
		count("new_followers", "dash.new_followers", cur.Community.NewFollowers, prev.Community.NewFollowers, true, cur.Definitions["community"]),
	}
}

// relative is the change from before to now in percent ("+12 %").
func relative(ctx context.Context, now, before float64, comparable bool) (string, string) {
	if !comparable {
		if now == 0 {
			return "", "flat"
		}
		return ui.T(ctx, "dash.new"), "up"
	}
	d := (now - before) / before * 100
	return signed(ctx, d) + "\u202f%", trendOf(d)
}

func trendOf(d float64) string {
	switch {
	case math.Abs(d) < 0.05:
		return "flat"
	case d > 0:
		return "up"
	}
	return "down"
}

// signed writes a change with its sign ("+3,5", "−12").
func signed(ctx context.Context, d float64) string {
	s := ui.Cell(ctx, math.Abs(d))
	switch trendOf(d) {
	case "up":
		return "+" + s
	case "down":
		return "−" + s
	}
	return "±0"
}

// chartByID finds a chart of the dashboard for its CSV.
func chartByID(charts []ui.Chart, id string) (ui.Chart, error) {
	for _, c := range charts {
		if c.ID == id {
			return c, nil
		}
	}
	return ui.Chart{}, fmt.Errorf("no chart %q", id)
}
