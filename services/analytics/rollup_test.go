package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/kpi"
	"github.com/ruche-project/ruche/services/analytics/rollup"
)

// rollupStart is the first day of the rollup tests' dataset: its 40 days
// cross the start of daylight saving time in America/New_York (8 March
// 2026) and in Europe/Paris (29 March 2026).
var rollupStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// rollupDataset is a random but seeded month and a half of one brand:
// every kind on three networks, created at any second (some on the very
// hours where days and time zones change), most moderated, some moderated
// again with another verdict, some needing a response with or without an
// SLA, some answered or closed, DMs answered.
func rollupDataset(seed uint64) (*dataset, []interaction.Received) {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &dataset{brands: []string{"rb"}}
	kinds := []string{"comment", "reply", "mention", "review", "dm", "listening_hit"}
	networks := []string{"instagram", "mastodon", "x"}
	verdicts := []string{"allow", "allow", "review", "hide", "spam"}
	sentiments := []string{"sentiment:positive", "sentiment:neutral", "sentiment:negative", "lang:fr"}
	var all []interaction.Received
	for i := range 700 {
		at := rollupStart.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		if i%25 == 0 { // on an hour, a day, a DST change
			at = at.Truncate(time.Hour)
		}
		r := d.interaction("rb", in{network: networks[rng.IntN(len(networks))], kind: kinds[rng.IntN(len(kinds))],
			id: fmt.Sprint(i), author: fmt.Sprint("a", rng.IntN(60)), text: "Bonjour", at: at})
		all = append(all, r)
		if rng.IntN(100) < 12 {
			continue // not moderated (yet)
		}
		decisions := 1 + rng.IntN(100)/85 // 15% decided twice
		for v := range decisions {
			m := mod{verdict: verdicts[rng.IntN(len(verdicts))], labels: []string{sentiments[rng.IntN(len(sentiments))]}, version: v + 1}
			if rng.IntN(3) == 0 {
				m.actions = []string{"needs_reply"}
			}
			if rng.IntN(4) == 0 {
				m.slaDue = time.Duration(1+rng.IntN(8)) * time.Hour
			}
			d.moderate(r, m)
		}
		if rng.IntN(3) == 0 {
			d.reply(r, fmt.Sprint("r", i), time.Duration(1+rng.IntN(20))*time.Hour)
		}
		if rng.IntN(8) == 0 {
			d.decide(r, casev1.DecisionClose, "", time.Duration(1+rng.IntN(10))*time.Hour)
		}
	}
	return d, all
}

// kpisBoth returns the dashboard as served (rollup where fresh) and read
// from the base tables alone, and the plan it was served with.
func kpisBoth(t *testing.T, h *harness, in query.KPIsRequest) (served, base query.KPIs, pl kpi.Plan) {
	t.Helper()
	ctx := context.Background()
	p, err := kpi.Parse(in, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	st := kpi.NewReader(h.db)
	if pl, err = st.Plan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if served, err = st.KPIs(ctx, p); err != nil {
		t.Fatal(err)
	}
	if base, err = st.KPIs(ctx, p.BaseOnly()); err != nil {
		t.Fatal(err)
	}
	return served, base, pl
}

func sameKPIs(t *testing.T, what string, got, want query.KPIs) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s: with the rollup\n%s\nfrom the base tables\n%s", what, g, w)
	}
}

// rollUp computes the pending days, once ClickHouse's clock has passed the
// marks of what the sink wrote: a computation that starts in the second of
// a mark cannot tell whether it read the marked rows (rollup.go).
func (h *harness) rollUp() int {
	h.t.Helper()
	eventually(h.t, 5*time.Second, "ClickHouse's clock to pass the sink's marks", func() bool {
		return h.count("SELECT toUInt64(now() > max(marked_at)) FROM kpi_dirty_days") == 1
	})
	n, err := h.svc.RunRollup(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// hoursOf is the number of hours the plan reads from the rollup.
func hoursOf(spans []kpi.Span) time.Duration {
	var d time.Duration
	for _, sp := range spans {
		d += sp.To.Sub(sp.From)
	}
	return d
}

func TestRollupGivesTheFiguresOfTheBaseTables(t *testing.T) {
	d, _ := rollupDataset(7)
	h := newHarness(t, func(c *Config) { c.RollupInterval, c.RollupDiscover, c.BatchSize = time.Hour, time.Hour, 1000 })
	h.seed(d, 2) // every event twice: the rollup must collapse redeliveries
	if n := h.rollUp(); n < 40 {
		t.Fatalf("computed %d days, want the dataset's 40 at least", n)
	}
	local := func(tz string, day, hour int) time.Time {
		loc, _ := time.LoadLocation(tz)
		return time.Date(2026, 3, day, hour, 0, 0, 0, loc)
	}
	cases := []struct {
		name, tz, network string
		from, to          time.Time
		rolled            time.Duration // at least, read from the rollup
	}{
		{"utc_whole", "UTC", "", rollupStart, rollupStart.AddDate(0, 0, 40), 40 * 24 * time.Hour},
		{"paris_across_dst", "Europe/Paris", "", local("Europe/Paris", 2, 0), local("Europe/Paris", 35, 0), 32 * 24 * time.Hour},
		{"new_york_partial_hours", "America/New_York", "", local("America/New_York", 3, 7), local("America/New_York", 20, 13), 16 * 24 * time.Hour},
		{"one_network", "Europe/Paris", "mastodon", local("Europe/Paris", 5, 0), local("Europe/Paris", 26, 0), 20 * 24 * time.Hour},
		{"minutes_at_the_ends", "UTC", "", rollupStart.Add(90 * time.Minute), rollupStart.Add(20*24*time.Hour + 15*time.Minute), 19 * 24 * time.Hour},
		{"half_hour_zone", "Asia/Kolkata", "", local("Asia/Kolkata", 2, 0), local("Asia/Kolkata", 30, 0), 0},
		{"half_hour_dst", "Australia/Lord_Howe", "", rollupStart, rollupStart.AddDate(0, 0, 40), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			served, base, pl := kpisBoth(t, h, query.KPIsRequest{Brand: "rb", TZ: tc.tz, Network: tc.network, From: tc.from, To: tc.to})
			sameKPIs(t, tc.name, served, base)
			if got := hoursOf(pl.Hours); got < tc.rolled || (tc.rolled == 0 && got != 0) {
				t.Fatalf("the plan reads %s from the rollup, want at least %s (exactly 0 when 0)", got, tc.rolled)
			}
			if base.Volume.Total == 0 || base.Engagement.Engagements == 0 || base.Sentiment.Positive == 0 || base.Response.NeedingResponse == 0 || base.Response.Responded == 0 {
				t.Fatalf("the period has too little to compare: %+v", base)
			}
		})
	}
}

func TestRollupIsNotReadWhereTheBaseTablesChanged(t *testing.T) {
	d, all := rollupDataset(11)
	h := newHarness(t, func(c *Config) { c.RollupInterval, c.RollupDiscover, c.BatchSize = time.Hour, time.Hour, 1000 })
	h.seed(d, 1)
	h.rollUp()
	req := query.KPIsRequest{Brand: "rb", TZ: "Europe/Paris", From: rollupStart, To: rollupStart.AddDate(0, 0, 40)}
	before, _, pl := kpisBoth(t, h, req)
	if len(pl.Base) != 0 || hoursOf(pl.Hours) != 40*24*time.Hour {
		t.Fatalf("after the rollup the plan reads %v from the base tables, want nothing", pl.Base)
	}

	// Late rows on three old days: a new interaction, a decision that
	// replaces an earlier one (spam → allow, a new sentiment, no response
	// needed any more), and a decision that does not carry its
	// interaction's created_at.
	day := func(n int) time.Time { return rollupStart.AddDate(0, 0, n).Add(13 * time.Hour) }
	late := &dataset{brands: []string{"rb"}}
	r := late.interaction("rb", in{network: "x", kind: "comment", id: "late", author: "late", text: "Tard", at: day(5)})
	late.moderate(r, mod{verdict: "allow", labels: []string{"sentiment:negative"}, actions: []string{"needs_reply"}, slaDue: time.Hour, version: 1})
	var again, legacy interaction.Received
	for _, x := range all {
		switch rollup.DayOf(x.CreatedAt) {
		case rollup.DayOf(day(12)):
			again = x
		case rollup.DayOf(day(20)):
			legacy = x
		}
	}
	late.moderate(again, mod{verdict: "allow", labels: []string{"sentiment:positive"}, version: 9})
	late.moderate(legacy, mod{verdict: "spam", labels: []string{}, version: 9, legacy: true})
	h.seed(late, 1)

	served, base, pl := kpisBoth(t, h, req)
	sameKPIs(t, "after late rows", served, base)
	if served.Volume.Total != before.Volume.Total+1 {
		t.Fatalf("volume %d, want %d + the late interaction", served.Volume.Total, before.Volume.Total)
	}
	for _, n := range []int{5, 12, 20} {
		if kpi.InSpans(pl.Hours, day(n)) {
			t.Fatalf("day %d changed after its rollup but the plan reads it from the rollup: %v", n, pl.Hours)
		}
	}
	if kpi.InSpans(pl.Base, day(6)) {
		t.Fatalf("day 6 did not change but the plan reads it from the base tables: %v", pl.Base)
	}

	// Computed again, the changed days are read from the rollup again, with
	// the same figures.
	if n := h.rollUp(); n != 3 {
		t.Fatalf("computed %d days, want the 3 changed", n)
	}
	again2, base2, pl := kpisBoth(t, h, req)
	sameKPIs(t, "computed again", again2, base2)
	sameKPIs(t, "computed again, against before", again2, served)
	if len(pl.Base) != 0 {
		t.Fatalf("after computing again the plan reads %v from the base tables", pl.Base)
	}

	// The three days' first runs are replaced: pruning deletes them (in the
	// background), and nothing else.
	runs := func() uint64 { return h.count("SELECT uniqExact(day, run) FROM kpi_days WHERE brand = 'rb'") }
	before3 := runs()
	if n, err := h.svc.rollup.Prune(context.Background(), 1000); err != nil || n != 3 {
		t.Fatalf("pruned %d runs (%v), want the 3 replaced", n, err)
	}
	eventually(t, 10*time.Second, "the replaced runs to be deleted", func() bool { return runs() == before3-3 })
	pruned, base3, _ := kpisBoth(t, h, req)
	sameKPIs(t, "after pruning", pruned, base3)
	sameKPIs(t, "after pruning, against before", pruned, served)
	if n, err := h.svc.rollup.Prune(context.Background(), 1000); err != nil || n != 0 {
		t.Fatalf("pruned %d runs (%v) again, want none", n, err)
	}
}

func TestRollupRunsInTheBackground(t *testing.T) {
	d, _ := rollupDataset(3)
	h := newHarness(t, func(c *Config) { c.BatchSize = 1000 }) // every second, settled at once
	h.seed(d, 1)
	req := query.KPIsRequest{Brand: "rb", TZ: "UTC", From: rollupStart, To: rollupStart.AddDate(0, 0, 40)}
	eventually(t, 20*time.Second, "the rollup job to compute the dataset's days", func() bool {
		_, _, pl := kpisBoth(t, h, req)
		return len(pl.Base) == 0
	})
	served, base, _ := kpisBoth(t, h, req)
	sameKPIs(t, "background rollup", served, base)
	if n := h.metric(h.svc.sink.metrics.rollupDays); n < 40 {
		t.Fatalf("ruche_analytics_rollup_days_total = %v, want the dataset's 40 days at least", n)
	}
}

func TestRollupSkipsRunsAnotherReplicaComputed(t *testing.T) {
	d, _ := rollupDataset(5)
	h := newHarness(t, func(c *Config) { c.RollupInterval, c.RollupDiscover, c.BatchSize = time.Hour, time.Hour, 1000 })
	h.seed(d, 1)
	eventually(t, 5*time.Second, "ClickHouse's clock to pass the sink's marks", func() bool {
		return h.count("SELECT toUInt64(now() > max(marked_at)) FROM kpi_dirty_days") == 1
	})
	ctx := context.Background()
	pending, err := h.svc.rollup.Pending(ctx)
	if err != nil || len(pending) < 40 {
		t.Fatalf("%d pending days (%v), want the dataset's 40", len(pending), err)
	}
	// Another replica computes everything after this one read the list.
	if n, err := h.svc.RunRollup(ctx); err != nil || n < 40 {
		t.Fatalf("the other replica computed %d days (%v)", n, err)
	}
	if n, err := h.svc.rollup.Compute(ctx, pending); err != nil || n != 0 {
		t.Fatalf("computed %d days again (%v), want none", n, err)
	}
}
