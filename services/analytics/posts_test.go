package analytics

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func nov(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

func n64(v int64) *int64 { return &v }

// postDataset: every figure of TestPostPerformance is worked out by hand.
//
//	p1 x         published Tue 17 10:00, read 3 times; last: 2000 impressions, 90+10+20 → 120 engagements, 6 %
//	p2 mastodon  published Thu 19 08:00, read twice; no impressions; last 30+5+15 → 50 engagements
//	p3 sandbox   published Fri 20 09:00, read once: 500 impressions, 20+2+3+25 clicks → 50 engagements, 10 %
//	p0 x         published Sun 15 (outside), another brand's post (outside)
//
// Short-link clicks: p1 three by two visitors, p3 one, p0 one (outside).
//
// Followers of mastodon @cafe-lumiere: 1000 (16 00:00), 1005 (16 12:00),
// 1012 (17 06:00), 1030 (22 23:00), 1040 (23 00:00, outside).
func postDataset() *dataset {
	d := &dataset{}
	const b = "cafe-lumiere"
	d.postMetrics(b, "x", "p1", nov(17, 10, 0), nov(17, 10, 5), reading{impressions: n64(100), reactions: n64(5), comments: n64(1), shares: n64(0)})
	d.postMetrics(b, "x", "p1", nov(17, 10, 0), nov(17, 12, 0), reading{impressions: n64(1000), reactions: n64(40), comments: n64(6), shares: n64(4)})
	d.postMetrics(b, "x", "p1", nov(17, 10, 0), nov(18, 10, 0), reading{impressions: n64(2000), reactions: n64(90), comments: n64(10), shares: n64(20)})
	d.postMetrics(b, "mastodon", "p2", nov(19, 8, 0), nov(19, 8, 5), reading{reactions: n64(2), comments: n64(0), shares: n64(1)})
	d.postMetrics(b, "mastodon", "p2", nov(19, 8, 0), nov(19, 20, 0), reading{reactions: n64(30), comments: n64(5), shares: n64(15)})
	d.postMetrics(b, "sandbox", "p3", nov(20, 9, 0), nov(20, 10, 0), reading{impressions: n64(500), reactions: n64(20), comments: n64(2), shares: n64(3), clicks: n64(25)})
	d.postMetrics(b, "x", "p0", nov(15, 9, 0), nov(16, 9, 0), reading{impressions: n64(9999), reactions: n64(999)})
	d.postMetrics("autre-marque", "x", "q1", nov(18, 9, 0), nov(18, 10, 0), reading{impressions: n64(7777)})
	d.click(b, "x", "req-p1", "v1", nov(17, 11, 0))
	d.click(b, "x", "req-p1", "v2", nov(17, 11, 5))
	d.click(b, "x", "req-p1", "v1", nov(18, 9, 0))
	d.click(b, "sandbox", "req-p3", "v3", nov(20, 9, 30))
	d.click(b, "x", "req-p0", "v4", nov(16, 9, 30))
	for _, s := range []struct {
		n  int64
		at time.Time
	}{{1000, nov(16, 0, 0)}, {1005, nov(16, 12, 0)}, {1012, nov(17, 6, 0)}, {1030, nov(22, 23, 0)}, {1040, nov(23, 0, 0)}} {
		d.snapshot(b, "mastodon", s.n, s.at)
	}
	return d
}

func postLine(p query.PostStats) string {
	f := func(v *int64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	rate := "-"
	if p.EngagementRate != nil {
		rate = fmt.Sprintf("%.2f", *p.EngagementRate)
	}
	return fmt.Sprintf("%s/%s %s n=%d imp=%s r=%s c=%s s=%s k=%s eng=%d rate=%s links=%d/%d", p.Network, p.PlatformID, p.MeasuredAt.Format("02T15:04"), p.Readings,
		f(p.Impressions), f(p.Reactions), f(p.Comments), f(p.Shares), f(p.Clicks), p.Engagements, rate, p.LinkClicks, p.LinkVisitors)
}

func followerLine(days []query.FollowerDay) string {
	var out []string
	for _, d := range days {
		change := "-"
		if d.Change != nil {
			change = fmt.Sprintf("%+d", *d.Change)
		}
		out = append(out, fmt.Sprintf("%s %s:%d(%s)", d.Network, d.Day, d.Followers, change))
	}
	return strings.Join(out, " ")
}

func TestPostPerformance(t *testing.T) {
	base := query.PostPerformanceRequest{Brand: "cafe-lumiere", From: nov(16, 0, 0), To: nov(23, 0, 0)}
	for name, h := range seeded(t, postDataset()) {
		t.Run(name, func(t *testing.T) {
			ask := func(mutate func(*query.PostPerformanceRequest)) (query.PostPerformance, error) {
				req := base
				if mutate != nil {
					mutate(&req)
				}
				var out query.PostPerformance
				err := h.request(query.PostPerformanceSubject, req, &out)
				return out, err
			}
			all, err := ask(nil)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, p := range all.Posts {
				lines = append(lines, postLine(p))
			}
			want := []string{
				"sandbox/p3 20T10:00 n=1 imp=500 r=20 c=2 s=3 k=25 eng=50 rate=10.00 links=1/1",
				"mastodon/p2 19T20:00 n=2 imp=- r=30 c=5 s=15 k=- eng=50 rate=- links=0/0",
				"x/p1 18T10:00 n=3 imp=2000 r=90 c=10 s=20 k=- eng=120 rate=6.00 links=3/2",
			}
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Fatalf("posts:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			if p := all.Posts[2]; p.URL != "https://x.example/p1" || p.RequestID != "req-p1" || !p.PublishedAt.Equal(nov(17, 10, 0)) || p.Account != "@cafe-lumiere" {
				t.Fatalf("p1 %+v", p)
			}
			tot := all.Totals
			if tot.Posts != 3 || tot.Impressions != 2500 || tot.Engagements != 220 || tot.Clicks != 25 || tot.LinkClicks != 4 || tot.EngagementRate == nil || math.Abs(*tot.EngagementRate-6.8) > 1e-9 {
				t.Fatalf("totals %+v (rate %v)", tot, tot.EngagementRate)
			}
			if got := followerLine(all.Followers); got != "mastodon 2026-11-16:1005(-) mastodon 2026-11-17:1012(+7) mastodon 2026-11-22:1030(+18)" {
				t.Fatalf("followers %s", got)
			}
			if all.Definitions["engagement_rate"] == "" {
				t.Fatal("no definitions")
			}

			limited, err := ask(func(r *query.PostPerformanceRequest) { r.Limit = 2 })
			if err != nil || len(limited.Posts) != 2 || limited.Posts[0].PlatformID != "p3" || limited.Totals.Posts != 3 {
				t.Fatalf("limit 2: %+v %v", limited, err)
			}
			x, err := ask(func(r *query.PostPerformanceRequest) { r.Network = "x" })
			if err != nil || len(x.Posts) != 1 || x.Posts[0].PlatformID != "p1" || len(x.Followers) != 0 {
				t.Fatalf("network x: %+v %v", x, err)
			}
			paris, err := ask(func(r *query.PostPerformanceRequest) { r.TZ = "Europe/Paris" })
			if got := followerLine(paris.Followers); err != nil || got != "mastodon 2026-11-16:1005(-) mastodon 2026-11-17:1012(+7) mastodon 2026-11-23:1030(+18)" {
				t.Fatalf("Paris days %s %v", got, err)
			}
			for network, want := range map[string]uint64{"": 20 + 15 + 3, "x": 20} {
				var k query.KPIs
				if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", Network: network, From: base.From, To: base.To}, &k); err != nil {
					t.Fatal(err)
				}
				if k.Engagement.Shares == nil || *k.Engagement.Shares != want {
					t.Fatalf("the dashboard's shares (network %q) = %v, want %d", network, k.Engagement.Shares, want)
				}
			}
			for field, mutate := range map[string]func(*query.PostPerformanceRequest){
				"limit":   func(r *query.PostPerformanceRequest) { r.Limit = query.MaxPostLimit + 1 },
				"tz":      func(r *query.PostPerformanceRequest) { r.TZ = "Mars/Olympus" },
				"from":    func(r *query.PostPerformanceRequest) { r.From = r.To },
				"brand":   func(r *query.PostPerformanceRequest) { r.Brand = "Not A Brand" },
				"network": func(r *query.PostPerformanceRequest) { r.Network = "x'; DROP" },
			} {
				if _, err := ask(mutate); err == nil || !strings.Contains(err.Error(), field) {
					t.Errorf("bad %s: %v", field, err)
				}
			}
		})
	}
}
