package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// kpiDefinitions document every figure of query.KPIs; they travel in the
// response so that a dashboard can show them.
var kpiDefinitions = map[string]string{
	"period":           "interactions whose created_at is in [from, to); days, weekdays and hours in the request's time zone",
	"volume":           "distinct interactions (redeliveries collapsed) created in the period, every kind",
	"engagements":      "distinct interactions of kind comment, reply, mention or review whose latest moderation verdict is not spam",
	"comments":         "engagements of kind comment or reply",
	"shares":           "sum over the brand's posts published in [from, to) of the latest shares count read on their network (boosts, reposts and quotes, retweets and quotes, Meta shares); null when no such post has one",
	"audience":         "sum over the brand's accounts of the latest follower snapshot at or before the period's end",
	"engagement_rate":  "engagements / audience × 100 (percent); null without a follower snapshot",
	"needing_response": "interactions of the period whose latest moderation has the needs_reply action or an SLA",
	"responded":        "those with at least one reply.sent.v1",
	"response_rate":    "responded / needing_response × 100",
	"first_response":   "earliest reply sent_at − interaction created_at, in seconds; median and p90 are the values at 0-based position floor(p × n) of the n sorted times (ClickHouse quantileExact)",
	"sla_breaches":     "interactions with an SLA answered after it, or unanswered at as_of past it, unless a moderator closed, hid or marked them spam before it",
	"dm_replies":       "distinct replies sent in the period to interactions of kind dm",
	"sentiment":        "latest sentiment:positive|neutral|negative label of moderated, non-spam interactions, by day; net score = (positive − negative) / (positive + neutral + negative) × 100",
	"share_of_voice":   "listening hits of the period mentioning a voice (one of its keywords in the text, ignoring case and accents); share = mentions / sum of all voices' mentions × 100; a hit naming two voices counts for both",
	"community":        "per account, start = latest snapshot at or before from (else the first one in the period), end = latest at or before to; rate = change / start × 100; new followers = distinct followers reported in the period",
	"best_times":       "engagements by weekday (1 = Monday) and hour of created_at in the brand's time zone",
}

// Params is a checked KPIsRequest.
type Params struct {
	query.KPIsRequest
	tz   string
	asOf time.Time
	// spans, when set, narrow period to these parts of [From, To).
	spans []Span
	// baseOnly reads the base tables only, not the rollup.
	baseOnly bool
}

func Parse(in query.KPIsRequest, now time.Time) (Params, error) {
	p := Params{KPIsRequest: in, tz: in.TZ, asOf: in.AsOf}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return p, readmodel.BadRequest{Msg: err.Error()}
	}
	if p.tz == "" {
		p.tz = "UTC"
	}
	if _, err := time.LoadLocation(p.tz); err != nil || !readmodel.ValidToken(strings.ReplaceAll(p.tz, "/", "")) {
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("tz: %q is not an IANA time zone", in.TZ)}
	}
	switch {
	case in.From.IsZero() || in.To.IsZero():
		return p, readmodel.BadRequest{Msg: "from and to are required"}
	case !in.From.Before(in.To):
		return p, readmodel.BadRequest{Msg: "from must be before to"}
	case in.To.Sub(in.From) > query.MaxKPIPeriod:
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("the period may not exceed %d days", int(query.MaxKPIPeriod.Hours()/24))}
	case in.Network != "" && !readmodel.ValidToken(in.Network):
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("network: %q is not valid", in.Network)}
	case len(in.Voices) > query.MaxVoices:
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("at most %d voices", query.MaxVoices)}
	}
	for _, v := range in.Voices {
		if v.Name == "" || len(v.Keywords) == 0 || len(v.Keywords) > query.MaxVoiceKeywords {
			return p, readmodel.BadRequest{Msg: fmt.Sprintf("voice %q needs a name and 1 to %d keywords", v.Name, query.MaxVoiceKeywords)}
		}
		for _, k := range v.Keywords {
			if strings.TrimSpace(k) == "" || len(k) > readmodel.MaxSearchText {
				return p, readmodel.BadRequest{Msg: fmt.Sprintf("voice %q: keywords must be 1 to %d bytes", v.Name, readmodel.MaxSearchText)}
			}
		}
	}
	if p.asOf.IsZero() {
		p.asOf = now
	}
	return p, nil
}

// Period is the condition selecting the brand's interactions of the
// Period (and network), with its arguments.
func (p Params) Period() (string, []any) {
	spans := p.spans
	if spans == nil {
		spans = []Span{{p.From, p.To}}
	}
	in, inArgs := spansSQL("created_at", spans, false)
	q := "brand = ? AND " + in
	args := append([]any{p.Brand}, inArgs...)
	if p.Network != "" {
		q += " AND network = ?"
		args = append(args, p.Network)
	}
	return q, args
}

// bounds are the start of the first span and the end of the last (the
// period's, without spans).
func (p Params) bounds() (from, to time.Time) {
	if len(p.spans) == 0 {
		return p.From, p.To
	}
	return p.spans[0].From, p.spans[len(p.spans)-1].To
}

// Since pre-filters a query on the moderation state, replies or
// case_decisions (column is their event time) to rows that can belong to
// the period's interactions, so that their GROUP BY reads the period, not
// the brand's whole history: a decision, reply or moderation of an
// interaction comes after its created_at, hence after the start (bounds). A day of margin
// absorbs clocks that disagree between networks and services. The state is
// read from interaction_state_by_time (migration 0008), sorted by
// moderated_at, where this condition is a range of the primary key.
func (p Params) Since(column string) (string, []any) {
	from, _ := p.bounds()
	return " AND " + column + " >= toDateTime(?)", []any{from.Add(-24 * time.Hour).Unix()}
}

// Kpis computes the dashboard. The interaction figures (volume,
// engagement, best times, sentiment) add the rollup's fresh days to the
// rest of the period read from the base tables (see rollup.go); the other
// families read the base tables.
func (s Reader) KPIs(ctx context.Context, p Params) (query.KPIs, error) {
	k := query.KPIs{Brand: p.Brand, Network: p.Network, From: p.From.UTC(), To: p.To.UTC(), TZ: p.tz,
		Definitions: kpiDefinitions, ShareOfVoice: []query.VoiceShare{}}
	pl, err := s.Plan(ctx, p)
	if err != nil {
		return k, fmt.Errorf("kpis of %s: %w", p.Brand, err)
	}
	// The queries are independent: they run at once, each family into its
	// own tally or copy of the answer, merged after.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(kpiQueriesAtOnce)
	var tallies []*tally
	count := func(p Params, f func(context.Context, Params, *tally) error) {
		t := newTally(pl.loc)
		tallies = append(tallies, t)
		g.Go(func() error { return f(gctx, p, t) })
	}
	count(p, func(ctx context.Context, p Params, t *tally) error { return s.rolledHours(ctx, p, pl, t) })
	count(p, func(ctx context.Context, p Params, t *tally) error { return s.rolledKinds(ctx, p, pl, t) })
	if len(pl.VolumeBase) > 0 {
		vp := p
		vp.spans = pl.VolumeBase
		count(vp, s.volume)
	}
	// One span at a time: each reads the moderation its own way (latestStates).
	for _, sp := range pl.Base {
		bp := p
		bp.spans = []Span{sp}
		count(bp, s.engagement)
		count(bp, s.sentiment)
	}
	var response, voices, community query.KPIs
	voices.ShareOfVoice = k.ShareOfVoice
	g.Go(func() error { return s.response(gctx, p, pl, &response) })
	g.Go(func() error { return s.shareOfVoice(gctx, p, &voices) })
	g.Go(func() error { return s.community(gctx, p, &community) })
	var shares *uint64
	g.Go(func() (err error) { shares, err = s.shares(gctx, p); return err })
	if err := g.Wait(); err != nil {
		return k, fmt.Errorf("kpis of %s: %w", p.Brand, err)
	}
	t := newTally(pl.loc)
	for _, o := range tallies {
		t.merge(o)
	}
	t.fill(&k)
	k.Response, k.ShareOfVoice, k.Community = response.Response, voices.ShareOfVoice, community.Community
	k.Engagement.Shares = shares
	k.Engagement.Formula = kpiDefinitions["engagement_rate"]
	if k.Community.End > 0 {
		k.Engagement.Audience = k.Community.End
		k.Engagement.Rate = percent(k.Engagement.Engagements, uint64(k.Community.End))
	}
	return k, nil
}

// kpiQueriesAtOnce bounds the queries of one dashboard running at once.
const kpiQueriesAtOnce = 4

func percent(n, d uint64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d) * 100
	return &v
}

func (s Reader) volume(ctx context.Context, p Params, t *tally) error {
	cond, args := p.Period()
	rows, err := s.db.Conn().Query(ctx, `SELECT toString(toDate(created_at, ?)) AS day, network, kind, count()
FROM interactions FINAL WHERE `+cond+` GROUP BY day, network, kind`, append([]any{p.tz}, args...)...)
	if err != nil {
		return fmt.Errorf("volume: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day, network, kind string
			n                  uint64
		)
		if err := rows.Scan(&day, &network, &kind, &n); err != nil {
			return fmt.Errorf("volume: %w", err)
		}
		t.byDay[day] += n
		t.volume.Total += n
		t.volume.ByKind[kind] += n
		t.volume.ByNetwork[network] += n
	}
	return rows.Err()
}

// engagementsSQL selects the ids (and created_at) of the period's
// engagements: public kinds, latest verdict not spam.
func (p Params) engagementsSQL() (string, []any) {
	cond, args := p.Period()
	spam, spamArgs := p.latestStates("interaction_id", "verdict = 'spam'", "argMax(verdict, version) = 'spam'")
	return `SELECT id, kind, created_at FROM interactions FINAL WHERE ` + cond + ` AND kind IN ?
	AND id NOT IN (` + spam + `)`, append(append(args, readmodel.InSet(readmodel.EngagementKinds)), spamArgs...)
}

// oldAndShort reports whether the period's interactions are cheaper to
// look up one by one in the moderation than the moderation since the
// Period is to read: whether the period is shorter than 1/256 of the time
// Since its start (interaction_state_by_id has granules of 256 rows).
func (p Params) oldAndShort() bool {
	from, to := p.bounds()
	return p.asOf.Sub(from)+24*time.Hour >= 256*to.Sub(from)
}

// latestStates selects columns of the latest moderation of the
// interactions of the period (one span) whose latest moderation satisfies
// having; some is a condition on moderation rows that having implies. It
// reads whichever copy of the moderation costs less. From a recent span
// (today, yesterday), or a long one, interaction_state_by_time from the
// day before the span (Params.since), grouping only the interactions
// with a row satisfying some. From an old, short span (a dashboard's first
// hours when the rollup has the rest), interaction_state_by_id, whose
// granules of 256 rows make a lookup of the span's ids read about 256 rows
// per interaction. They give the same answer unless an interaction was
// moderated more than a day before it was created.
func (p Params) latestStates(columns, some, having string) (string, []any) {
	if !p.oldAndShort() {
		in, inArgs := p.Since("moderated_at")
		q := `SELECT ` + columns + ` FROM interaction_state_by_time WHERE brand = ?` + in
		args := append([]any{p.Brand}, inArgs...)
		if some != "" {
			q += ` AND interaction_id IN (SELECT interaction_id FROM interaction_state_by_time WHERE brand = ?` + in + ` AND ` + some + `)`
			args = append(append(args, p.Brand), inArgs...)
		}
		return q + ` GROUP BY interaction_id HAVING ` + having, args
	}
	cond, args := p.Period()
	q := `SELECT ` + columns + ` FROM interaction_state_by_id WHERE brand = ?
		AND interaction_id IN (SELECT id FROM interactions WHERE ` + cond + `)
		GROUP BY interaction_id HAVING ` + having
	return q, append([]any{p.Brand}, args...)
}

// engagement counts the engagements and the best times to post in one
// reading of engagementsSQL.
func (s Reader) engagement(ctx context.Context, p Params, t *tally) error {
	sub, args := p.engagementsSQL()
	rows, err := s.db.Conn().Query(ctx, `SELECT toDayOfWeek(created_at, ?) AS wd, toHour(created_at, ?) AS h, count(), countIf(kind IN ('comment', 'reply'))
FROM (`+sub+`) GROUP BY wd, h`, append([]any{p.tz, p.tz}, args...)...)
	if err != nil {
		return fmt.Errorf("engagement: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			wd, h       uint8
			n, comments uint64
		)
		if err := rows.Scan(&wd, &h, &n, &comments); err != nil {
			return fmt.Errorf("engagement: %w", err)
		}
		t.engagement(int(wd), int(h), n, comments)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("engagement: %w", err)
	}
	return nil
}

// needingSQL selects (id, created, due) of the period's interactions
// needing a response: the rollup's for the plan's hours, the base tables'
// for the rest, one span at a time.
func (p Params) needingSQL(pl Plan) (string, []any) {
	var parts []string
	var args []any
	if len(pl.Hours) > 0 {
		rolled, rargs := pl.rolledSQL(p, pl.Hours)
		created, cargs := spansSQL("created_at", pl.Hours, false)
		parts = append(parts, `SELECT id, toUInt32(created_at) AS created, due FROM kpi_days
	ARRAY JOIN needing_ids AS id, needing_created AS created_at, needing_due AS due
	WHERE `+rolled+` AND `+created)
		args = append(append(args, rargs...), cargs...)
	}
	for _, sp := range pl.Base {
		bp := p
		bp.spans = []Span{sp}
		cond, cargs := bp.Period()
		in, inArgs := bp.Since("moderated_at")
		if bp.oldAndShort() {
			// Group the span's interactions only, not all moderation since.
			in += " AND interaction_id IN (SELECT id FROM interactions WHERE " + cond + ")"
			inArgs = append(inArgs, cargs...)
		}
		parts = append(parts, `SELECT id, created, due FROM (
		SELECT id, toUInt32(created_at) AS created FROM interactions FINAL WHERE `+cond+`
	) ANY INNER JOIN (
		SELECT interaction_id AS id, argMax(ifNull(toUInt32(sla_due), 0), version) AS due, argMax(actions, version) AS acts
		FROM interaction_state_by_time WHERE brand = ?`+in+` GROUP BY interaction_id HAVING has(acts, 'needs_reply') OR due > 0
	) USING id`)
		args = append(append(append(args, cargs...), p.Brand), inArgs...)
	}
	return strings.Join(parts, "\nUNION ALL\n"), args
}

func (s Reader) response(ctx context.Context, p Params, pl Plan, k *query.KPIs) error {
	needing, nargs := p.needingSQL(pl)
	inR, rArgs := p.Since("sent_at")
	inC, cArgs := p.Since("decided_at")
	// One join per SELECT level: 18.16 has no multiple JOIN.
	q := `SELECT count(), countIf(first_reply > 0),
	quantileExactIf(0.5)(greatest(toInt64(first_reply) - toInt64(created), 0), first_reply > 0),
	quantileExactIf(0.9)(greatest(toInt64(first_reply) - toInt64(created), 0), first_reply > 0),
	countIf(due > 0),
	countIf(due > 0 AND ((first_reply > 0 AND first_reply > due) OR (first_reply = 0 AND due < ? AND NOT (closed_at > 0 AND closed_at <= due))))
FROM (
	SELECT id, created, due, first_reply FROM (
		` + needing + `
	) ANY LEFT JOIN (
		SELECT interaction_id AS id, toUInt32(min(sent_at)) AS first_reply FROM replies WHERE brand = ?` + inR + ` GROUP BY interaction_id
	) USING id
) ANY LEFT JOIN (
	SELECT interaction_id AS id, toUInt32(min(decided_at)) AS closed_at FROM case_decisions
	WHERE brand = ?` + inC + ` AND decision IN ? GROUP BY interaction_id
) USING id`
	all := append([]any{p.asOf.Unix()}, nargs...)
	all = append(append(all, p.Brand), rArgs...)
	all = append(append(all, p.Brand), cArgs...)
	all = append(all, readmodel.InSet(readmodel.ClosingDecisions))
	var (
		r           query.Response
		median, p90 int64
	)
	if err := s.db.Conn().QueryRow(ctx, q, all...).Scan(&r.NeedingResponse, &r.Responded, &median, &p90, &r.SLATracked, &r.SLABreaches); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	r.Rate = percent(r.Responded, r.NeedingResponse)
	if r.Responded > 0 {
		r.MedianSeconds, r.P90Seconds = &median, &p90
	}
	// The period's replies to DMs: the replied ids looked up among the
	// brand's DMs (interaction_dms, migration 0009).
	dm := `SELECT uniqExact(id) FROM replies WHERE brand = ? AND sent_at >= toDateTime(?) AND sent_at < toDateTime(?)
	AND interaction_id IN (SELECT id FROM interaction_dms WHERE brand = ?
		AND id IN (SELECT interaction_id FROM replies WHERE brand = ? AND sent_at >= toDateTime(?) AND sent_at < toDateTime(?))`
	dargs := []any{p.Brand, p.From.Unix(), p.To.Unix(), p.Brand, p.Brand, p.From.Unix(), p.To.Unix()}
	if p.Network != "" {
		dm += " AND network = ?"
		dargs = append(dargs, p.Network)
	}
	if err := s.db.Conn().QueryRow(ctx, dm+")", dargs...).Scan(&r.DMReplies); err != nil {
		return fmt.Errorf("dm replies: %w", err)
	}
	k.Response = r
	return nil
}

func (s Reader) sentiment(ctx context.Context, p Params, t *tally) error {
	cond, args := p.Period()
	latest, latestArgs := p.latestStates("interaction_id AS id, argMax(labels, version) AS labels", "", "argMax(verdict, version) != 'spam'")
	rows, err := s.db.Conn().Query(ctx, `SELECT day, label, count() FROM (
	SELECT toString(toDate(created_at, ?)) AS day, labels FROM (
		SELECT id, created_at FROM interactions FINAL WHERE `+cond+`
	) ANY INNER JOIN (`+latest+`) USING id
) ARRAY JOIN labels AS label
WHERE label IN ('sentiment:positive', 'sentiment:neutral', 'sentiment:negative')
GROUP BY day, label`, append(append([]any{p.tz}, args...), latestArgs...)...)
	if err != nil {
		return fmt.Errorf("sentiment: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day, label string
			n          uint64
		)
		if err := rows.Scan(&day, &label, &n); err != nil {
			return fmt.Errorf("sentiment: %w", err)
		}
		switch label {
		case "sentiment:positive":
			t.sentimentOf(day).Positive += n
		case "sentiment:neutral":
			t.sentimentOf(day).Neutral += n
		case "sentiment:negative":
			t.sentimentOf(day).Negative += n
		}
	}
	return rows.Err()
}

func (s Reader) shareOfVoice(ctx context.Context, p Params, k *query.KPIs) error {
	if len(p.Voices) == 0 {
		return nil
	}
	cond, args := p.Period()
	var cols []string
	var cargs []any
	for _, v := range p.Voices {
		var ors []string
		for _, kw := range v.Keywords {
			ors = append(ors, "position(f, ?) > 0")
			cargs = append(cargs, readmodel.Fold(strings.TrimSpace(kw)))
		}
		cols = append(cols, "countIf("+strings.Join(ors, " OR ")+")")
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM (SELECT " + readmodel.FoldSQL("text") + " AS f FROM interactions FINAL WHERE " + cond + " AND kind = 'listening_hit')"
	counts := make([]uint64, len(p.Voices))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := s.db.Conn().QueryRow(ctx, q, append(cargs, args...)...).Scan(dest...); err != nil {
		return fmt.Errorf("share of voice: %w", err)
	}
	var total uint64
	for _, n := range counts {
		total += n
	}
	for i, v := range p.Voices {
		k.ShareOfVoice = append(k.ShareOfVoice, query.VoiceShare{Name: v.Name, Mentions: counts[i], Share: percent(counts[i], total)})
	}
	return nil
}

func (s Reader) community(ctx context.Context, p Params, k *query.KPIs) error {
	q := `SELECT network, account,
	argMaxIf(followers, taken_at, taken_at <= toDateTime(?)), countIf(taken_at <= toDateTime(?)),
	argMinIf(followers, taken_at, taken_at > toDateTime(?) AND taken_at <= toDateTime(?)),
	argMaxIf(followers, taken_at, taken_at <= toDateTime(?)), countIf(taken_at <= toDateTime(?))
FROM follower_snapshots WHERE brand = ?`
	from, to := p.From.Unix(), p.To.Unix()
	args := []any{from, from, from, to, to, to, p.Brand}
	if p.Network != "" {
		q += " AND network = ?"
		args = append(args, p.Network)
	}
	rows, err := s.db.Conn().Query(ctx, q+" GROUP BY network, account ORDER BY network, account", args...)
	if err != nil {
		return fmt.Errorf("community: %w", err)
	}
	defer rows.Close()
	c := query.Community{Accounts: []query.AccountGrowth{}}
	for rows.Next() {
		var (
			g                  query.AccountGrowth
			before, first, end int64
			nBefore, nEnd      uint64
		)
		if err := rows.Scan(&g.Network, &g.Account, &before, &nBefore, &first, &end, &nEnd); err != nil {
			return fmt.Errorf("community: %w", err)
		}
		if nEnd == 0 {
			continue // first snapshot after the period
		}
		g.Start, g.End = first, end
		if nBefore > 0 {
			g.Start = before
		}
		g.Change = g.End - g.Start
		g.Rate = ratio(g.Change, g.Start)
		c.Accounts = append(c.Accounts, g)
		c.Start += g.Start
		c.End += g.End
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("community: %w", err)
	}
	c.Change = c.End - c.Start
	c.Rate = ratio(c.Change, c.Start)
	fq := `SELECT uniqExact(network, follower_id) FROM followers WHERE brand = ? AND followed_at >= toDateTime(?) AND followed_at < toDateTime(?)`
	fargs := []any{p.Brand, from, to}
	if p.Network != "" {
		fq += " AND network = ?"
		fargs = append(fargs, p.Network)
	}
	if err := s.db.Conn().QueryRow(ctx, fq, fargs...).Scan(&c.NewFollowers); err != nil {
		return fmt.Errorf("new followers: %w", err)
	}
	k.Community = c
	return nil
}

// shares sums the latest shares count of the posts published in the
// period; nil when none has one.
func (s Reader) shares(ctx context.Context, p Params) (*uint64, error) {
	q := `SELECT sum(ifNull(last, 0)), countIf(isNotNull(last)) FROM (
	SELECT argMax(shares, taken_at) AS last FROM post_metrics
	WHERE brand = ? AND published_at >= toDateTime(?) AND published_at < toDateTime(?)`
	args := []any{p.Brand, p.From.Unix(), p.To.Unix()}
	if p.Network != "" {
		q += " AND network = ?"
		args = append(args, p.Network)
	}
	var sum int64
	var n uint64
	if err := s.db.Conn().QueryRow(ctx, q+" GROUP BY network, platform_id)", args...).Scan(&sum, &n); err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	v := uint64(max(sum, 0))
	return &v, nil
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d) * 100
	return &v
}

// BaseOnly is p read from the base tables alone, not the rollup: the
// reference the rollup's figures are tested against.
func (p Params) BaseOnly() Params {
	p.baseOnly = true
	return p
}
