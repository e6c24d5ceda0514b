package besttime

import (
	"context"
	"fmt"
	"slices"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Reader reads the best times to post.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// Get answers the best times of a brand's posts, per post when the brand
// has enough posts to compare slots, by its community's activity otherwise.
func (r Reader) Get(ctx context.Context, in query.BestTimesRequest, now time.Time) (query.BestTimesToPost, error) {
	p, err := parse(in, now)
	if err != nil {
		return query.BestTimesToPost{}, err
	}
	ctx = obs.WithBrand(ctx, p.Brand)
	out := query.BestTimesToPost{Brand: p.Brand, TZ: p.TZ, Network: p.Network, From: p.from, To: p.to}
	grid, posts, interactions, err := r.perPost(ctx, p)
	if err != nil {
		return out, err
	}
	out.Measure, out.Reason = query.MeasurePerPost, reasonPerPost(posts)
	out.Slots = rank(grid, query.MeasurePerPost, p.limit)
	if len(out.Slots) == 0 {
		if grid, interactions, err = r.audience(ctx, p); err != nil {
			return out, err
		}
		out.Measure, out.Reason = query.MeasureAudience, reasonAudience(posts)
		out.Slots = rank(grid, query.MeasureAudience, p.limit)
	}
	out.Definition = definitions[out.Measure]
	out.Posts, out.Interactions, out.Grid = posts, interactions, grid
	return out, nil
}

// spamSQL selects the interactions whose latest verdict is spam among
// those moderated since the day before from (an interaction is moderated
// after it is written; a day absorbs clocks that disagree).
const spamSQL = `SELECT interaction_id FROM interaction_state_by_time
	WHERE brand = ? AND moderated_at >= toDateTime(?)
	GROUP BY interaction_id HAVING argMax(verdict, version) = 'spam'`

// perPostSQL: each post of the period old enough to count, with its
// engagements within the window (0 without), grouped by the post's
// weekday and hour. ClickHouse 18.16 joins on equality only (USING), so the
// window is a WHERE after an inner join, and the posts without an
// engagement come back through the outer LEFT JOIN.
const perPostSQL = `SELECT toDayOfWeek(post_at, ?) AS wd, toHour(post_at, ?) AS h, count() AS posts, sum(n) AS engagements
FROM (
	SELECT network, key, post_at, n FROM (
		SELECT network, platform_id AS key, any(author_id) AS post_author, min(created_at) AS post_at
		FROM interactions FINAL
		WHERE brand = ? AND kind = 'post' AND created_at >= toDateTime(?) AND created_at < toDateTime(?) %[1]s
		GROUP BY network, key
	) ANY LEFT JOIN (
		SELECT network, key, count() AS n FROM (
			SELECT network, key, post_at, post_author, e_at, e_author FROM (
				SELECT network, if(thread_id != '', thread_id, parent_id) AS key, id, author_id AS e_author, created_at AS e_at
				FROM interactions FINAL
				WHERE brand = ? AND kind IN ? AND created_at >= toDateTime(?) AND created_at < toDateTime(?) %[1]s
					AND id NOT IN (` + spamSQL + `)
			) ALL INNER JOIN (
				SELECT network, platform_id AS key, any(author_id) AS post_author, min(created_at) AS post_at
				FROM interactions FINAL
				WHERE brand = ? AND kind = 'post' AND created_at >= toDateTime(?) AND created_at < toDateTime(?) %[1]s
				GROUP BY network, key
			) USING network, key
			WHERE e_at >= post_at AND e_at < post_at + ? AND e_author != post_author
		) GROUP BY network, key
	) USING network, key
)
GROUP BY wd, h`

func (r Reader) perPost(ctx context.Context, p params) (grid []query.PostingSlot, posts, interactions uint64, err error) {
	window := int64(query.BestTimesWindow / time.Second)
	// Posts from the period's start until window before its end; their
	// engagements until the end.
	from, postsTo, to := p.from.Unix(), p.to.Unix()-window, p.to.Unix()
	net, netArgs := "", []any{}
	if p.Network != "" {
		net, netArgs = "AND network = ?", []any{p.Network}
	}
	args := []any{p.TZ, p.TZ, p.Brand, from, postsTo}
	args = append(args, netArgs...)
	args = append(args, p.Brand, readmodel.InSet(readmodel.EngagementKinds), from, to)
	args = append(args, netArgs...)
	args = append(args, p.Brand, from-24*3600, p.Brand, from, postsTo)
	args = append(args, netArgs...)
	args = append(args, window)
	rows, err := r.db.Conn().Query(ctx, fmt.Sprintf(perPostSQL, net), args...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("best times of %s: %w", p.Brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			wd, h uint8
			n, e  uint64
		)
		if err := rows.Scan(&wd, &h, &n, &e); err != nil {
			return nil, 0, 0, fmt.Errorf("best times of %s: %w", p.Brand, err)
		}
		grid = append(grid, query.PostingSlot{Weekday: int(wd), Hour: int(h), Posts: n, Interactions: e, Score: float64(e) / float64(n)})
		posts += n
		interactions += e
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("best times of %s: %w", p.Brand, err)
	}
	sortGrid(grid)
	return grid, posts, interactions, nil
}

// audienceSQL: the period's engagements by weekday and hour.
const audienceSQL = `SELECT toDayOfWeek(created_at, ?) AS wd, toHour(created_at, ?) AS h, count() AS engagements
FROM interactions FINAL
WHERE brand = ? AND kind IN ? AND created_at >= toDateTime(?) AND created_at < toDateTime(?) %s
	AND id NOT IN (` + spamSQL + `)
GROUP BY wd, h`

func (r Reader) audience(ctx context.Context, p params) (grid []query.PostingSlot, interactions uint64, err error) {
	net, netArgs := "", []any{}
	if p.Network != "" {
		net, netArgs = "AND network = ?", []any{p.Network}
	}
	args := []any{p.TZ, p.TZ, p.Brand, readmodel.InSet(readmodel.EngagementKinds), p.from.Unix(), p.to.Unix()}
	args = append(args, netArgs...)
	args = append(args, p.Brand, p.from.Unix()-24*3600)
	rows, err := r.db.Conn().Query(ctx, fmt.Sprintf(audienceSQL, net), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audience activity of %s: %w", p.Brand, err)
	}
	defer rows.Close()
	weeks := p.to.Sub(p.from).Hours() / (24 * 7)
	for rows.Next() {
		var (
			wd, h uint8
			n     uint64
		)
		if err := rows.Scan(&wd, &h, &n); err != nil {
			return nil, 0, fmt.Errorf("audience activity of %s: %w", p.Brand, err)
		}
		grid = append(grid, query.PostingSlot{Weekday: int(wd), Hour: int(h), Interactions: n, Score: float64(n) / weeks})
		interactions += n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audience activity of %s: %w", p.Brand, err)
	}
	sortGrid(grid)
	return grid, interactions, nil
}

func sortGrid(grid []query.PostingSlot) {
	slices.SortFunc(grid, func(a, b query.PostingSlot) int { return (a.Weekday*24 + a.Hour) - (b.Weekday*24 + b.Hour) })
}
