package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/locale"
)

// Chart is one figure of the dashboard, three ways: drawn from Spec by
// charts.js, read as Table (what assistive technology and a phone get),
// downloaded as CSV. The handler builds all three from one answer, so they
// cannot disagree.
type Chart struct {
	// ID names the chart in URLs (/dashboard/csv/<id>) and the page.
	ID      string
	Title   string
	Caption string
	Spec    ChartSpec
	Table   Table
	CSV     string
	// Empty is shown instead of the canvas when there is nothing to draw.
	Empty string
}

// ChartSpec is what charts.js draws; it travels as JSON in the element's
// data-chart attribute (escaped by templ: no inline script).
type ChartSpec struct {
	// Kind is line, bar, stack (stacked bars), heatmap or pie.
	Kind string   `json:"kind"`
	X    []string `json:"x"`
	// Y labels the rows of a heatmap.
	Y      []string `json:"y,omitempty"`
	Series []Series `json:"series"`
	// Unit formats values: "" (counts), "%" or "s" (durations).
	Unit string `json:"unit,omitempty"`
}

// Series is one line, one set of bars, or a heatmap's [x, y, value] cells.
type Series struct {
	Name string `json:"name"`
	Data any    `json:"data"`
	// Color is a meaning (positive, neutral, negative) the theme colours.
	Color string `json:"color,omitempty"`
}

// JSON is the spec as the data-chart attribute carries it.
func (s ChartSpec) JSON() string {
	b, err := json.Marshal(s)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Table is a chart's figures as rows. Cells keep their types (uint64,
// *float64, durations as Seconds, strings) so the page formats them for
// its language and the CSV for a spreadsheet.
type Table struct {
	Head []string
	Rows [][]any
}

// Seconds is a duration cell, in seconds; nil when there is none.
type Seconds *int64

// Percent is a share or a rate cell, in percent; nil when undefined.
type Percent *float64

// KPI is one headline figure with its change against the previous period
// of the same length.
type KPI struct {
	ID    string
	Label string
	Value string
	// Change is "+12 %", "−3 pts" or "" when there is nothing to compare.
	Change string
	// Trend is up, down or flat; Good says whether the change is good
	// news (fewer SLA breaches are), for the colour and the words.
	Trend string
	Good  bool
	// Definition is how the figure is computed (analytics' definitions).
	Definition string
}

// Dashboard is the dashboard page's model.
type Dashboard struct {
	Page Page
	// Period is the chosen preset (7, 30, 90 days) and its bounds.
	Days     int
	Periods  []int
	From, To time.Time
	TZ       string
	Network  string
	Crises   Crises
	KPIs     []KPI
	Charts   []Chart
	// CanExport: the viewer may download the charts' CSV.
	CanExport bool
	Leaders   Chart
	Segments  []SegmentLink
	// Problems are the parts that could not be read (the rest still shows).
	Problems []string
}

// SegmentLink is a segment's CSV export.
type SegmentLink struct {
	Name, CSV string
}

// Crises is the crisis part of a page: the banner (the open crisis and the
// publishing queue's state) and the list with each crisis's evidence.
type Crises struct {
	Brand string
	// Loc is the brand's time zone, for the times shown.
	Loc   *time.Location
	Open  *query.Crisis
	List  []CrisisView
	Pause query.PauseState
	// PauseKnown is false when publishing did not answer.
	PauseKnown bool
	// CanPause: the viewer may pause and resume the queue.
	CanPause bool
	// Problems are what could not be read.
	Problems []string
}

// CrisisView is one crisis with its evidence drawn as a chart.
type CrisisView struct {
	query.Crisis
	Windows Chart
}

// Cell formats one table cell for the page's language.
func Cell(ctx context.Context, v any) string {
	fr := Lang(ctx) == "fr"
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		return x
	case int:
		return Int(ctx, int64(x))
	case int64:
		return Int(ctx, x)
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10)
		}
		return Int(ctx, int64(x))
	case float64:
		return decimal(fr, x)
	case Percent:
		if x == nil {
			return "–"
		}
		return decimal(fr, *x) + "\u202f%"
	case Seconds:
		if x == nil {
			return "–"
		}
		return Duration(ctx, time.Duration(*x)*time.Second)
	case time.Time:
		if fr {
			return x.Format("02/01/2006 15:04")
		}
		return x.Format("2006-01-02 15:04")
	}
	return fmt.Sprint(v)
}

// Int groups thousands as the language does ("12 345", "12,345"), as the
// CSV exports do.
func Int(ctx context.Context, n int64) string {
	sep := ","
	if Lang(ctx) == "fr" {
		sep = locale.FrenchGroupSeparator
	}
	return locale.GroupDigits(strconv.FormatInt(n, 10), sep)
}

func decimal(fr bool, f float64) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
	if fr {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Duration is a response time as a person reads it: "42 s", "7 min",
// "3,5 h" / "3.5 h".
func Duration(ctx context.Context, d time.Duration) string {
	fr := Lang(ctx) == "fr"
	switch s := d.Seconds(); {
	case s < 60:
		return decimal(fr, math.Round(s)) + "\u202fs"
	case s < 3600:
		return decimal(fr, math.Round(s/60)) + "\u202fmin"
	default:
		return decimal(fr, s/3600) + "\u202fh"
	}
}

// Pct is a share or a rate for the page ("42,5 %"), "–" when undefined.
func Pct(ctx context.Context, p *float64) string { return Cell(ctx, Percent(p)) }

// Day is a date of the brand's calendar (YYYY-MM-DD) as the language
// writes it short ("07/12", "12-07").
func Day(ctx context.Context, day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	if Lang(ctx) == "fr" {
		return t.Format("02/01")
	}
	return t.Format("Jan 2")
}

// When is a time for the page, in the brand's zone when it is known.
func When(ctx context.Context, t time.Time) string { return Cell(ctx, t) }

// When is a time of the crisis part in the brand's zone.
func (c Crises) When(ctx context.Context, t time.Time) string {
	if c.Loc != nil {
		t = t.In(c.Loc)
	}
	return Cell(ctx, t)
}

// periodURL is the dashboard over the last n days, other choices kept.
func periodURL(d Dashboard, n int) string {
	q := url.Values{"brand": {d.Page.Brand}, "days": {strconv.Itoa(n)}}
	if d.Network != "" {
		q.Set("network", d.Network)
	}
	return "/dashboard?" + q.Encode()
}

// itemURL opens an interaction in the inbox.
func itemURL(brand, id string) string {
	return "/inbox?" + url.Values{"brand": {brand}, "item": {id}}.Encode()
}

func arrow(trend string) string {
	switch trend {
	case "up":
		return "▲"
	case "down":
		return "▼"
	}
	return "■"
}

// share turns a fraction (0.42) into a percentage for Pct.
func share(f float64) *float64 {
	p := f * 100
	return &p
}

// crisisAnchor is a crisis id fit for an element id and a fragment.
func crisisAnchor(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// trigger says in words what opened a crisis.
func trigger(ctx context.Context, t string) string {
	switch t {
	case query.TriggerVolume, query.TriggerNegativeShare, query.TriggerColdStart:
		return T(ctx, "crisis.trigger."+t)
	}
	return t
}

// named is the catalogue's name of a value under prefix (a status, a
// segment), or the value itself when the catalogue has none.
func named(ctx context.Context, prefix, value string) string {
	if _, ok := catalogue[prefix+value]; ok {
		return T(ctx, prefix+value)
	}
	return value
}

// SegmentName is a segment's name in the page's language.
func SegmentName(ctx context.Context, segment string) string { return named(ctx, "segment.", segment) }
