package analytics

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// local is a wall-clock time in Paris (UTC+1 in November).
func local(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, paris)
}

// kpiWeek is the brand's week of Monday 16 to Sunday 22 November 2026 in
// Paris: [2026-11-15T23:00Z, 2026-11-22T23:00Z).
var kpiFrom, kpiTo = local(16, 0, 0), local(23, 0, 0)

// kpiDataset: every figure of TestKPIs is worked out by hand from it.
//
//	k1  Mon 16 09:30 mastodon  comment  a1 allow positive
//	k2  Mon 16 09:45 mastodon  reply    a2 review negative needs_reply SLA 2h, replied after 30 min (priority 70)
//	k3  Tue 17 00:30 mastodon  mention  a3 allow positive needs_reply SLA 1h, replied after 2 h (breach) (priority 40)
//	k4  Wed 18 14:00 instagram dm       a1 allow negative needs_reply SLA 2h, replied after 10 min (DM reply) (priority 60)
//	k5  Wed 18 14:20 instagram comment  a4 spam  negative (priority 99)
//	k6  Thu 19 10:00 mastodon  comment  a2 allow positive
//	k7  Fri 20 18:00 mastodon  comment  a5 allow negative needs_reply SLA 2h, never replied (breach) (priority 80)
//	k8  Sat 21 09:00 mastodon  reply    a1 allow neutral  needs_reply SLA 4h, closed by a moderator after 1 h
//	k16 Sat 21 11:00 rss       listening_hit "lumiere"
//	k9  Sun 22 12:00 rss       listening_hit Café Lumière
//	k10 Sun 22 12:30 rss       listening_hit Brûlerie Martin + café lumière
//	k11 Sun 22 13:00 rss       listening_hit Brulerie martin
//	k12 Sun 22 23:30 mastodon  comment  a6 allow positive (22:30Z: still in the Paris week)
//	k13 Mon 23 00:30 mastodon  comment  (outside: next week in Paris, Sunday in UTC)
//	k14 Sun 15 23:30 mastodon  comment  (outside: previous week)
//	k15 Mon 23 10:00 rss       listening_hit "lumière" (outside)
func kpiDataset() *dataset {
	d := &dataset{}
	const b = "cafe-lumiere"
	pos, neg, neu := "sentiment:positive", "sentiment:negative", "sentiment:neutral"
	reply := []string{"needs_reply"}
	k1 := d.interaction(b, in{kind: "comment", id: "k1", author: "a1", text: "Super café", at: local(16, 9, 30)})
	d.moderate(k1, mod{verdict: "allow", labels: []string{pos}})
	k2 := d.interaction(b, in{kind: "reply", id: "k2", author: "a2", text: "Commande en retard", at: local(16, 9, 45)})
	d.moderate(k2, mod{verdict: "review", labels: []string{neg}, actions: reply, slaDue: 2 * time.Hour, priority: 70})
	d.reply(k2, "r2", 30*time.Minute)
	k3 := d.interaction(b, in{kind: "mention", id: "k3", author: "a3", text: "J'adore, vous ouvrez quand ?", at: local(17, 0, 30)})
	d.moderate(k3, mod{verdict: "allow", labels: []string{pos, "intent:question"}, actions: reply, slaDue: time.Hour, priority: 40})
	d.reply(k3, "r3", 2*time.Hour)
	k4 := d.interaction(b, in{network: "instagram", kind: "dm", id: "k4", author: "a1", text: "Colis abîmé", at: local(18, 14, 0)})
	d.moderate(k4, mod{verdict: "allow", labels: []string{neg}, actions: reply, slaDue: 2 * time.Hour, priority: 60})
	d.reply(k4, "r4", 10*time.Minute)
	k5 := d.interaction(b, in{network: "instagram", kind: "comment", id: "k5", author: "a4", text: "Gagnez 1000€ ici", at: local(18, 14, 20)})
	d.moderate(k5, mod{verdict: "spam", labels: []string{"spam", neg}, priority: 99})
	k6 := d.interaction(b, in{kind: "comment", id: "k6", author: "a2", text: "Merci pour le geste", at: local(19, 10, 0)})
	d.moderate(k6, mod{verdict: "allow", labels: []string{pos}})
	k7 := d.interaction(b, in{kind: "comment", id: "k7", author: "a5", text: "Toujours rien reçu <script>alert(1)</script>", at: local(20, 18, 0)})
	d.moderate(k7, mod{verdict: "allow", labels: []string{neg}, actions: reply, slaDue: 2 * time.Hour, priority: 80})
	k8 := d.interaction(b, in{kind: "reply", id: "k8", author: "a1", text: "Horaires ?", at: local(21, 9, 0)})
	d.moderate(k8, mod{verdict: "allow", labels: []string{neu}, actions: reply, slaDue: 4 * time.Hour})
	d.decide(k8, casev1.DecisionClose, "", time.Hour)
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "k16", author: "blog", text: "On parle de LUMIERE", at: local(21, 11, 0)})
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "k9", author: "blog", text: "Café Lumière ouvre une boutique", at: local(22, 12, 0)})
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "k10", author: "blog", text: "La Brûlerie Martin et café lumière", at: local(22, 12, 30)})
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "k11", author: "blog", text: "Brulerie martin : nouveau torréfacteur", at: local(22, 13, 0)})
	k12 := d.interaction(b, in{kind: "comment", id: "k12", author: "a6", text: "Bonne soirée", at: local(22, 23, 30)})
	d.moderate(k12, mod{verdict: "allow", labels: []string{pos}})
	k13 := d.interaction(b, in{kind: "comment", id: "k13", author: "a1", text: "Lundi", at: local(23, 0, 30)})
	d.moderate(k13, mod{verdict: "allow", labels: []string{neg}, actions: reply, slaDue: time.Hour})
	d.interaction(b, in{kind: "comment", id: "k14", author: "a1", text: "Dimanche", at: local(15, 23, 30)})
	d.interaction(b, in{network: "rss", kind: "listening_hit", id: "k15", author: "blog", text: "lumière", at: local(23, 10, 0)})
	d.interaction("autre-marque", in{kind: "comment", id: "x1", author: "a1", text: "Café Lumière", at: local(18, 9, 0)})

	utc := func(day int) time.Time { return time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC) }
	d.snapshot(b, "mastodon", 1000, utc(15))
	d.snapshot(b, "mastodon", 1010, utc(16))
	d.snapshot(b, "mastodon", 1100, utc(22))
	d.snapshot(b, "mastodon", 1200, utc(23))
	d.snapshot(b, "instagram", 500, utc(17))
	d.snapshot(b, "instagram", 520, utc(20))
	d.snapshot("autre-marque", "mastodon", 99999, utc(20))
	d.follow(b, "mastodon", "f1", 10, utc(17))
	d.follow(b, "mastodon", "f2", 20, utc(18))
	d.follow(b, "mastodon", "f3", 30, utc(14))
	d.follow(b, "instagram", "f4", 40, utc(19))
	return d
}

func TestKPIs(t *testing.T) {
	voices := []query.Voice{{Name: "Café Lumière", Keywords: []string{"café lumière", "lumiere"}}, {Name: "Brûlerie Martin", Keywords: []string{"Brûlerie Martin"}}}
	asOf := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	req := query.KPIsRequest{Brand: "cafe-lumiere", From: kpiFrom, To: kpiTo, TZ: "Europe/Paris", Voices: voices, AsOf: asOf}
	for name, h := range seeded(t, kpiDataset()) {
		t.Run(name, func(t *testing.T) {
			var k query.KPIs
			start := time.Now()
			if err := h.request(query.KPIsSubject, req, &k); err != nil {
				t.Fatal(err)
			}
			t.Logf("kpis answered in %s", time.Since(start))
			checks := []struct {
				name      string
				got, want any
			}{
				{"volume_total", k.Volume.Total, uint64(13)},
				{"volume_by_kind", k.Volume.ByKind, map[string]uint64{"comment": 5, "reply": 2, "mention": 1, "dm": 1, "listening_hit": 4}},
				{"volume_by_network", k.Volume.ByNetwork, map[string]uint64{"mastodon": 7, "instagram": 2, "rss": 4}},
				{"volume_by_paris_day", days(k.Volume.ByDay), "2026-11-16:2 2026-11-17:1 2026-11-18:2 2026-11-19:1 2026-11-20:1 2026-11-21:2 2026-11-22:4"},
				{"engagements_exclude_spam_dm_and_listening", k.Engagement.Engagements, uint64(7)},
				{"comments", k.Engagement.Comments, uint64(6)},
				{"shares_have_no_source", k.Engagement.Shares, (*uint64)(nil)},
				{"audience_at_period_end", k.Engagement.Audience, int64(1620)},
				{"engagement_rate", *k.Engagement.Rate, 7.0 / 1620 * 100},
				{"needing_response", k.Response.NeedingResponse, uint64(5)},
				{"responded", k.Response.Responded, uint64(3)},
				{"response_rate", *k.Response.Rate, 60.0},
				{"median_first_response", *k.Response.MedianSeconds, int64(1800)},
				{"p90_first_response", *k.Response.P90Seconds, int64(7200)},
				{"sla_tracked", k.Response.SLATracked, uint64(5)},
				{"sla_breaches_late_and_unanswered_not_closed", k.Response.SLABreaches, uint64(2)},
				{"dm_replies", k.Response.DMReplies, uint64(1)},
				{"sentiment_totals", [3]uint64{k.Sentiment.Positive, k.Sentiment.Neutral, k.Sentiment.Negative}, [3]uint64{4, 1, 3}},
				{"net_sentiment", *k.Sentiment.NetScore, 12.5},
				{"sentiment_by_day", sentimentDays(k.Sentiment.ByDay), "2026-11-16:1/0/1 2026-11-17:1/0/0 2026-11-18:0/0/1 2026-11-19:1/0/0 2026-11-20:0/0/1 2026-11-21:0/1/0 2026-11-22:1/0/0"},
				{"share_of_voice", voiceShares(k.ShareOfVoice), "Café Lumière=3/60.00,Brûlerie Martin=2/40.00"},
				{"growth_per_account", growth(k.Community.Accounts), "instagram 500→520 +20 4.00%,mastodon 1000→1100 +100 10.00%"},
				{"growth_total", [3]int64{k.Community.Start, k.Community.End, k.Community.Change}, [3]int64{1500, 1620, 120}},
				{"growth_rate", *k.Community.Rate, 8.0},
				{"new_followers", k.Community.NewFollowers, uint64(3)},
				{"best_times_top", slots(k.BestTimes.Top), "Mon 9h:2 Tue 0h:1 Thu 10h:1"},
				{"best_times_grid_sunday_23h_paris", k.BestTimes.Grid[6][23], uint64(1)},
				{"definitions_travel_with_the_answer", k.Engagement.Formula != "" && k.Definitions["engagement_rate"] == k.Engagement.Formula, true},
			}
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) { equal(t, c.got, c.want) })
			}
		})
	}
}

func TestKPIsOfOneNetworkAndInUTC(t *testing.T) {
	h := seededN(t, kpiDataset(), 1)
	asOf := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	t.Run("instagram_only", func(t *testing.T) {
		var k query.KPIs
		if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", Network: "instagram", From: kpiFrom, To: kpiTo, TZ: "Europe/Paris", AsOf: asOf}, &k); err != nil {
			t.Fatal(err)
		}
		equal(t, []any{k.Volume.Total, k.Engagement.Engagements, k.Engagement.Audience, *k.Engagement.Rate, k.Response.NeedingResponse, k.Response.Responded,
			*k.Response.MedianSeconds, *k.Response.P90Seconds, k.Response.SLABreaches, k.Response.DMReplies, k.Sentiment.Negative, *k.Sentiment.NetScore, k.Community.NewFollowers},
			[]any{uint64(2), uint64(0), int64(520), 0.0, uint64(1), uint64(1), int64(600), int64(600), uint64(0), uint64(1), uint64(1), -100.0, uint64(1)})
	})
	t.Run("utc_days_differ_from_paris_days", func(t *testing.T) {
		var k query.KPIs
		if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", From: kpiFrom, To: kpiTo, TZ: "UTC", AsOf: asOf}, &k); err != nil {
			t.Fatal(err)
		}
		// k3 (Tue 00:30 Paris) is Monday 23:30 UTC; k12 (Sun 23:30 Paris) Sunday 22:30 UTC.
		equal(t, k.Volume.ByDay[0], query.DayCount{Day: "2026-11-16", Count: 3})
		equal(t, slots(k.BestTimes.Top[:1]), "Mon 8h:2")
		equal(t, k.BestTimes.Grid[0][23], uint64(1))
	})
	t.Run("no_data_gives_nulls_not_zero_divisions", func(t *testing.T) {
		var k query.KPIs
		if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "empty-brand", From: kpiFrom, To: kpiTo}, &k); err != nil {
			t.Fatal(err)
		}
		if k.Volume.Total != 0 || k.Engagement.Rate != nil || k.Response.Rate != nil || k.Response.MedianSeconds != nil || k.Sentiment.NetScore != nil || k.Community.Rate != nil {
			t.Fatalf("%+v", k)
		}
	})
	for _, tc := range []struct {
		name string
		req  query.KPIsRequest
		want string
	}{
		{"unknown_time_zone", query.KPIsRequest{Brand: "b", From: kpiFrom, To: kpiTo, TZ: "Mars/Olympus"}, "tz"},
		{"reversed_period", query.KPIsRequest{Brand: "b", From: kpiTo, To: kpiFrom}, "from must be before to"},
		{"period_too_long", query.KPIsRequest{Brand: "b", From: kpiFrom, To: kpiFrom.AddDate(2, 0, 0)}, "may not exceed"},
		{"voice_without_keywords", query.KPIsRequest{Brand: "b", From: kpiFrom, To: kpiTo, Voices: []query.Voice{{Name: "x"}}}, "keywords"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k query.KPIs
			err := h.request(query.KPIsSubject, tc.req, &k)
			if le, ok := asListErr(err); !ok || le.code != query.CodeBadRequest || !strings.Contains(le.text, tc.want) {
				t.Fatalf("err = %v, want 400 mentioning %q", err, tc.want)
			}
		})
	}
}

// equal compares through JSON (maps, slices, pointers) and floats to 1e-9.
func equal(t *testing.T, got, want any) {
	t.Helper()
	if g, ok := got.(float64); ok {
		if w, ok := want.(float64); ok && math.Abs(g-w) < 1e-9 {
			return
		}
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
}

func voiceShares(v []query.VoiceShare) string {
	var out []string
	for _, s := range v {
		share := "nil"
		if s.Share != nil {
			share = ftoa(*s.Share)
		}
		out = append(out, s.Name+"="+itoa(s.Mentions)+"/"+share)
	}
	return strings.Join(out, ",")
}

func growth(a []query.AccountGrowth) string {
	var out []string
	for _, g := range a {
		rate := "nil"
		if g.Rate != nil {
			rate = ftoa(*g.Rate) + "%"
		}
		out = append(out, g.Network+" "+itoa(uint64(g.Start))+"→"+itoa(uint64(g.End))+" +"+itoa(uint64(g.Change))+" "+rate)
	}
	return strings.Join(out, ",")
}

func ftoa(f float64) string { return strconvFormat(f) }

func days(d []query.DayCount) string {
	var out []string
	for _, x := range d {
		out = append(out, x.Day+":"+itoa(x.Count))
	}
	return strings.Join(out, " ")
}

func sentimentDays(d []query.SentimentDay) string {
	var out []string
	for _, x := range d {
		out = append(out, x.Day+":"+itoa(x.Positive)+"/"+itoa(x.Neutral)+"/"+itoa(x.Negative))
	}
	return strings.Join(out, " ")
}

func slots(s []query.TimeSlot) string {
	names := []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	var out []string
	for _, x := range s {
		out = append(out, names[x.Weekday]+" "+strconv.Itoa(x.Hour)+"h:"+itoa(x.Engagements))
	}
	return strings.Join(out, " ")
}

// TestKPIsTheLatestVerdictDecidesSpam: an engagement counts unless its
// latest moderation says spam, whatever earlier ones said, in the
// engagement count and in the best times alike.
func TestKPIsTheLatestVerdictDecidesSpam(t *testing.T) {
	d := &dataset{}
	at := time.Date(2026, 11, 18, 9, 15, 0, 0, time.UTC) // Wednesday 10:15 in Paris
	versions := map[string][]interaction.Verdict{
		"spam_then_allowed": {interaction.VerdictSpam, interaction.VerdictAllow},
		"allowed_then_spam": {interaction.VerdictAllow, interaction.VerdictSpam},
		"spam_twice":        {interaction.VerdictSpam, interaction.VerdictSpam},
		"allowed":           {interaction.VerdictAllow},
	}
	for id, verdicts := range versions {
		r := d.interaction("spam-latest", in{kind: "comment", id: id, author: "a", text: "x", at: at})
		for i, v := range verdicts {
			d.events = append(d.events, interaction.Moderated{
				ID: interaction.ModeratedID(r.ID, i+1), InteractionID: r.ID, Brand: r.Brand, Network: r.Network,
				Labels: []string{}, Verdict: v, Actions: []string{}, RuleHits: []string{}, PolicyVersion: i + 1,
				ModeratedAt: r.ReceivedAt.Add(time.Duration(i+1) * time.Minute),
			})
		}
	}
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			var k query.KPIs
			if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "spam-latest", From: at.Add(-time.Hour), To: at.Add(time.Hour), TZ: "Europe/Paris"}, &k); err != nil {
				t.Fatal(err)
			}
			equal(t, []any{k.Volume.Total, k.Engagement.Engagements, k.Engagement.Comments, k.BestTimes.Grid[2][10], slots(k.BestTimes.Top)},
				[]any{uint64(4), uint64(2), uint64(2), uint64(2), "Wed 10h:2"})
		})
	}
}
