package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	community "github.com/ruche-project/ruche/events/community/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
)

// TestQueryLatency measures every query on a generated brand (set
// RUCHE_ANALYTICS_LATENCY to the number of interactions, e.g. 200000): 90
// days of traffic from 5 000 authors, 10% of it stored twice (redelivered),
// moderation for all but listening hits, replies, case decisions, daily
// follower snapshots and followers. It logs the median of 5 runs.
func TestQueryLatency(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RUCHE_ANALYTICS_LATENCY"))
	if n <= 0 {
		t.Skip("set RUCHE_ANALYTICS_LATENCY=<interactions> to measure query latencies")
	}
	h := newHarness(t, nil)
	st := newStore(h.db)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, 0, -90)
	kinds := []interaction.Kind{"comment", "comment", "comment", "reply", "mention", "dm", "listening_hit"}
	sentiments := []string{"sentiment:positive", "sentiment:neutral", "sentiment:negative"}
	texts := []string{"Super café, merci !", "Ma commande n'est pas arrivée", "Vous ouvrez quand ?", "La crème brûlée est excellente",
		"Café Lumière ou Brûlerie Martin ?", "#concours @amie je participe", "Remboursez-moi", "Bonne journée à l'équipe"}
	var (
		irows  []interactionRow
		srows  []stateRow
		others []tableRow
	)
	flush := func() {
		if err := st.write(ctx, irows, srows, others); err != nil {
			t.Fatal(err)
		}
		irows, srows, others = irows[:0], srows[:0], others[:0]
	}
	began := time.Now()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
		author := "u" + strconv.Itoa(rng.IntN(5000))
		r := interaction.Received{ID: interaction.InteractionID("mastodon", strconv.Itoa(i)), Brand: "cafe-lumiere", Network: "mastodon",
			Kind: kinds[rng.IntN(len(kinds))], PlatformID: strconv.Itoa(i), ThreadID: "post" + strconv.Itoa(rng.IntN(300)),
			Author: interaction.Author{ID: author, Handle: "@" + author, Followers: rng.Int64N(50_000)}, Text: texts[rng.IntN(len(texts))],
			CreatedAt: at, ReceivedAt: at.Add(time.Second), Source: interaction.SourceStream}
		row := receivedRow(r, at)
		irows = append(irows, row)
		if rng.IntN(10) == 0 {
			irows = append(irows, row) // redelivered
		}
		if r.Kind != interaction.KindListeningHit {
			due := at.Add(2 * time.Hour)
			m := interaction.Moderated{InteractionID: r.ID, Brand: r.Brand, Network: r.Network, Verdict: "allow",
				Labels: []string{sentiments[rng.IntN(3)]}, Actions: []string{"needs_reply"}, Priority: rng.IntN(100), SLADue: &due, ModeratedAt: at.Add(2 * time.Second)}
			if rng.IntN(20) == 0 {
				m.Verdict = "spam"
			}
			srows = append(srows, moderatedRow(m, interaction.ModeratedID(r.ID, 0), at))
			if rng.IntN(3) == 0 {
				others = append(others, replyRow(reply.Sent{ID: reply.SentID("mastodon", "r"+strconv.Itoa(i)), Brand: r.Brand, InteractionID: r.ID,
					Network: "mastodon", PlatformID: "r" + strconv.Itoa(i), SentAt: at.Add(time.Duration(rng.IntN(240)) * time.Minute)}, at))
			}
			if rng.IntN(10) == 0 {
				others = append(others, caseDecisionRow(casev1.Decided{ID: "case:" + r.ID, InteractionID: r.ID, Brand: r.Brand,
					Decision: casev1.DecisionAssign, Assignee: "agent" + strconv.Itoa(rng.IntN(5)), DecidedAt: at.Add(time.Minute)}, at))
			}
		}
		if len(irows) >= 20_000 {
			flush()
		}
	}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		others = append(others, snapshotRow(community.FollowersCounted{ID: "s" + d.String(), Brand: "cafe-lumiere", Network: "mastodon",
			Account: "@cafe", Followers: 10_000 + int64(d.Sub(start).Hours()), TakenAt: d}, d))
	}
	for i := 0; i < 5000; i++ {
		others = append(others, followerRow(community.Followed{ID: "f" + strconv.Itoa(i), Brand: "cafe-lumiere", Network: "mastodon", Account: "@cafe",
			Follower: community.Follower{ID: "u" + strconv.Itoa(i*2), Followers: int64(i)}, FollowedAt: start.Add(time.Duration(i) * time.Minute)}, start))
	}
	flush()
	t.Logf("generated %d interactions in %s", n, time.Since(began))

	week := end.AddDate(0, 0, -7)
	from := end.AddDate(0, 0, -30)
	seven := 70
	queries := []struct {
		name    string
		subject string
		req     any
		resp    any
	}{
		{"list_first_page", query.ListInteractionsSubject, query.ListInteractionsRequest{Brand: "cafe-lumiere"}, &query.ListInteractionsResponse{}},
		{"search_sentiment_priority_status", query.ListInteractionsSubject, query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"},
			InteractionFilter: query.InteractionFilter{Sentiments: []string{"negative"}, MinPriority: &seven, Statuses: []string{"open"}}}, &query.ListInteractionsResponse{}},
		{"search_text_accents", query.ListInteractionsSubject, query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"},
			InteractionFilter: query.InteractionFilter{Text: "creme brulee", From: &from}}, &query.ListInteractionsResponse{}},
		{"search_assignee", query.ListInteractionsSubject, query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "cafe-lumiere"},
			InteractionFilter: query.InteractionFilter{Assignee: "agent1"}}, &query.ListInteractionsResponse{}},
		{"get_with_thread_and_author", query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: "mastodon:42"}, &query.InteractionDetail{}},
		{"kpis_week", query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", From: week, To: end, TZ: "Europe/Paris",
			Voices: []query.Voice{{Name: "Lumière", Keywords: []string{"café lumière"}}, {Name: "Martin", Keywords: []string{"brûlerie martin"}}}}, &query.KPIs{}},
		{"kpis_90_days", query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", From: start, To: end, TZ: "Europe/Paris"}, &query.KPIs{}},
		{"segment_engaged", query.SegmentSubject, query.SegmentRequest{Brand: "cafe-lumiere", Segment: "engaged", AsOf: end}, &query.SegmentPage{}},
		{"segment_silent", query.SegmentSubject, query.SegmentRequest{Brand: "cafe-lumiere", Segment: "silent", AsOf: end}, &query.SegmentPage{}},
		{"segment_ambassadors", query.SegmentSubject, query.SegmentRequest{Brand: "cafe-lumiere", Segment: "ambassadors", AsOf: end}, &query.SegmentPage{}},
		{"weekly_report", query.WeeklyReportSubject, query.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", TZ: "Europe/Paris", Locale: "fr"}, &query.WeeklyReport{}},
	}
	drawn := 0
	for _, q := range queries {
		var took []time.Duration
		for i := 0; i < 5; i++ {
			s := time.Now()
			if err := h.request(q.subject, q.req, q.resp); err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			took = append(took, time.Since(s))
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		t.Logf("%-34s median %7.1f ms  max %7.1f ms", q.name, ms(took[2]), ms(took[4]))
	}
	var took []time.Duration
	for i := 0; i < 5; i++ {
		drawn++
		s := time.Now()
		var d query.ContestDraw
		if err := h.request(query.ContestDrawSubject, query.ContestDrawRequest{Brand: "cafe-lumiere", ID: fmt.Sprintf("bench-%d", drawn),
			Rules: query.ContestRules{Network: "mastodon", PostID: "post7", Keywords: []string{"concours"}, RequireMention: true, Winners: 3}}, &d); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(s))
		if i == 0 {
			t.Logf("contest: %d eligible of %d comments", len(d.Eligible), len(d.Eligible)+len(d.Excluded))
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("%-34s median %7.1f ms  max %7.1f ms", "contest_draw", ms(took[2]), ms(took[4]))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
