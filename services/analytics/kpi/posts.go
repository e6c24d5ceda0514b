package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// postDefinitions document every figure of query.PostPerformance.
var postDefinitions = map[string]string{
	"posts":           "the brand's posts published in [from, to) on a network publishing reads, newest first; each with its latest reading (a count a later reading lacks keeps its last value; null when the network never gave it)",
	"engagements":     "reactions + comments + shares + clicks of the latest reading (counts not given count 0)",
	"engagement_rate": "engagements / impressions × 100 (percent); null without impressions (Mastodon and Bluesky give none)",
	"totals":          "every post of the period, not only those listed; the rate counts only the posts with impressions",
	"link_clicks":     "clicks on the post's short links (/l/, bots and previews not counted) and distinct visitors (keyed hashes of their addresses)",
	"followers":       "per account, the last follower count read on each day of [from, to) in tz, and its change since the previous day listed",
}

// maxPostsRead bounds the posts one answer reads (a brand publishes far
// fewer in a period).
const maxPostsRead = 10_000

// PostPerformance answers the brand's published posts and follower days.
func (s Reader) PostPerformance(ctx context.Context, in query.PostPerformanceRequest) (query.PostPerformance, error) {
	out := query.PostPerformance{Brand: in.Brand, Network: in.Network, From: in.From.UTC(), To: in.To.UTC(), TZ: in.TZ,
		Definitions: postDefinitions, Posts: []query.PostStats{}, Followers: []query.FollowerDay{}}
	if out.TZ == "" {
		out.TZ = "UTC"
	}
	if err := checkPostRequest(in, out.TZ); err != nil {
		return out, err
	}
	ctx = obs.WithBrand(ctx, in.Brand)
	limit := in.Limit
	if limit == 0 {
		limit = query.DefaultPostLimit
	}
	where, args := "brand = ? AND published_at >= toDateTime(?) AND published_at < toDateTime(?)", []any{in.Brand, in.From.Unix(), in.To.Unix()}
	if in.Network != "" {
		where += " AND network = ?"
		args = append(args, in.Network)
	}
	rows, err := s.db.Conn().Query(ctx, `SELECT network, platform_id, any(account), any(url), any(request_id),
	min(published_at) AS published, max(taken_at), uniqExact(taken_at),
	argMax(impressions, taken_at), argMax(reactions, taken_at), argMax(comments, taken_at), argMax(shares, taken_at), argMax(clicks, taken_at)
FROM post_metrics WHERE `+where+`
GROUP BY network, platform_id ORDER BY published DESC, network, platform_id LIMIT `+fmt.Sprint(maxPostsRead), args...)
	if err != nil {
		return out, fmt.Errorf("post performance: %w", err)
	}
	defer rows.Close()
	var withImpressions int64
	for rows.Next() {
		var p query.PostStats
		if err := rows.Scan(&p.Network, &p.PlatformID, &p.Account, &p.URL, &p.RequestID, &p.PublishedAt, &p.MeasuredAt, &p.Readings,
			&p.Impressions, &p.Reactions, &p.Comments, &p.Shares, &p.Clicks); err != nil {
			return out, fmt.Errorf("post performance: %w", err)
		}
		p.PublishedAt, p.MeasuredAt = p.PublishedAt.UTC(), p.MeasuredAt.UTC()
		for _, c := range []*int64{p.Reactions, p.Comments, p.Shares, p.Clicks} {
			if c != nil {
				p.Engagements += *c
			}
		}
		t := &out.Totals
		t.Posts++
		t.Engagements += p.Engagements
		if p.Clicks != nil {
			t.Clicks += *p.Clicks
		}
		if p.Impressions != nil {
			p.EngagementRate = ratio(p.Engagements, *p.Impressions)
			t.Impressions += *p.Impressions
			withImpressions += p.Engagements
		}
		if len(out.Posts) < limit {
			out.Posts = append(out.Posts, p)
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("post performance: %w", err)
	}
	out.Totals.EngagementRate = ratio(withImpressions, out.Totals.Impressions)
	if err := s.linkClicks(ctx, in, &out); err != nil {
		return out, err
	}
	out.Followers, err = s.followerDays(ctx, in, out.TZ)
	return out, err
}

func checkPostRequest(in query.PostPerformanceRequest, tz string) error {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	if _, err := time.LoadLocation(tz); err != nil || !readmodel.ValidToken(strings.ReplaceAll(tz, "/", "")) {
		return readmodel.FieldError{Field: "tz", Msg: fmt.Sprintf("%q is not an IANA time zone", in.TZ)}
	}
	switch {
	case in.From.IsZero() || in.To.IsZero():
		return readmodel.FieldError{Field: "from", Msg: "from and to are required"}
	case !in.From.Before(in.To):
		return readmodel.FieldError{Field: "from", Msg: "must be before to"}
	case in.To.Sub(in.From) > query.MaxKPIPeriod:
		return readmodel.FieldError{Field: "to", Msg: fmt.Sprintf("the period may not exceed %d days", int(query.MaxKPIPeriod.Hours()/24))}
	case in.Network != "" && !readmodel.ValidToken(in.Network):
		return readmodel.FieldError{Field: "network", Msg: fmt.Sprintf("%q is not valid", in.Network)}
	case in.Limit < 0 || in.Limit > query.MaxPostLimit:
		return readmodel.FieldError{Field: "limit", Msg: fmt.Sprintf("must be 0 to %d", query.MaxPostLimit)}
	}
	return nil
}

// followerDays is each account's last follower count of each day.
func (s Reader) followerDays(ctx context.Context, in query.PostPerformanceRequest, tz string) ([]query.FollowerDay, error) {
	q := `SELECT network, account, toString(toDate(taken_at, ?)) AS day, argMax(followers, taken_at)
FROM follower_snapshots WHERE brand = ? AND taken_at >= toDateTime(?) AND taken_at < toDateTime(?)`
	args := []any{tz, in.Brand, in.From.Unix(), in.To.Unix()}
	if in.Network != "" {
		q += " AND network = ?"
		args = append(args, in.Network)
	}
	rows, err := s.db.Conn().Query(ctx, q+" GROUP BY network, account, day ORDER BY network, account, day", args...)
	if err != nil {
		return nil, fmt.Errorf("follower days: %w", err)
	}
	defer rows.Close()
	out := []query.FollowerDay{}
	for rows.Next() {
		var d query.FollowerDay
		if err := rows.Scan(&d.Network, &d.Account, &d.Day, &d.Followers); err != nil {
			return nil, fmt.Errorf("follower days: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].Network == d.Network && out[n-1].Account == d.Account {
			change := d.Followers - out[n-1].Followers
			d.Change = &change
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// linkClicks adds each listed post's short-link clicks, and the period's
// posts' clicks to the totals (a click counts for the post of its request
// and network, whenever it came).
func (s Reader) linkClicks(ctx context.Context, in query.PostPerformanceRequest, out *query.PostPerformance) error {
	where, args := "brand = ? AND published_at >= toDateTime(?) AND published_at < toDateTime(?)", []any{in.Brand, in.From.Unix(), in.To.Unix()}
	if in.Network != "" {
		where += " AND network = ?"
		args = append(args, in.Network)
	}
	rows, err := s.db.Conn().Query(ctx, `SELECT request_id, network, count(), uniqExact(visitor)
FROM (SELECT DISTINCT id, request_id, network, visitor FROM link_clicks WHERE brand = ? AND (request_id, network) IN
	(SELECT DISTINCT request_id, network FROM post_metrics WHERE `+where+`))
GROUP BY request_id, network`, append([]any{in.Brand}, args...)...)
	if err != nil {
		return fmt.Errorf("link clicks: %w", err)
	}
	defer rows.Close()
	type key struct{ request, network string }
	clicks := map[key][2]uint64{}
	for rows.Next() {
		var (
			k        key
			n, users uint64
		)
		if err := rows.Scan(&k.request, &k.network, &n, &users); err != nil {
			return fmt.Errorf("link clicks: %w", err)
		}
		clicks[k] = [2]uint64{n, users}
		out.Totals.LinkClicks += n
	}
	for i := range out.Posts {
		p := &out.Posts[i]
		c := clicks[key{p.RequestID, p.Network}]
		p.LinkClicks, p.LinkVisitors = c[0], c[1]
	}
	return rows.Err()
}
