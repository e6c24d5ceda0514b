package segment

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// segmentDefinitions are sent with every page.
var segmentDefinitions = map[string]string{
	query.SegmentEngaged: fmt.Sprintf("authors with at least %d interactions in the %d days before as_of; score = interactions in the window",
		query.EngagedMinInteractions, query.WindowDays),
	query.SegmentSilent: fmt.Sprintf("followers of the brand's accounts (followed before as_of) with at most %d interaction in the %d days before as_of; score = reach",
		query.SilentMaxInteractions, query.WindowDays),
	query.SegmentVeterans: fmt.Sprintf("authors whose first interaction is at least %d days before as_of and with one in the %d days before as_of; score = tenure in days",
		query.VeteranDays, query.WindowDays),
	query.SegmentNewcomers: fmt.Sprintf("authors whose first interaction is in the %d days before as_of; score = first interaction (unix seconds), newest first",
		query.NewcomerDays),
	query.SegmentOpinionLeaders: fmt.Sprintf("authors with a reach (latest follower count) of at least %d and one interaction in the %d days before as_of; score = reach",
		query.LeaderMinReach, query.WindowDays),
	query.SegmentAmbassadors: fmt.Sprintf("authors with at least %d positive and no negative interaction in the %d days before as_of; score = reach × positive interactions",
		query.AmbassadorMinPositive, query.WindowDays),
}

// segmentCursor is the position after the last member of a page, in the
// order score descending, network, author id.
type segmentCursor struct {
	Score   int64  `json:"s"`
	Network string `json:"n"`
	Author  string `json:"a"`
}

func (c segmentCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

type segmentParams struct {
	query.SegmentRequest
	limit int
	after *segmentCursor
}

func parseSegment(in query.SegmentRequest, now time.Time) (segmentParams, error) {
	p := segmentParams{SegmentRequest: in, limit: in.Limit}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return p, readmodel.BadRequest{Msg: err.Error()}
	}
	if !slices.Contains(query.Segments, in.Segment) {
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("segment %q is not one of %v", in.Segment, query.Segments)}
	}
	if in.Network != "" && !readmodel.ValidToken(in.Network) {
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("network: %q is not valid", in.Network)}
	}
	switch {
	case in.Limit == 0:
		p.limit = readmodel.DefaultListLimit
	case in.Limit < 0 || in.Limit > query.MaxListLimit:
		return p, readmodel.BadRequest{Msg: fmt.Sprintf("limit must be from 1 to %d, got %d", query.MaxListLimit, in.Limit)}
	}
	if in.Cursor != "" {
		var c segmentCursor
		b, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err != nil || len(b) > 1024 || json.Unmarshal(b, &c) != nil || c.Author == "" {
			return p, readmodel.BadRequest{Msg: "cursor is not one this service issued"}
		}
		p.after = &c
	}
	if p.AsOf.IsZero() {
		p.AsOf = now
	}
	p.AsOf = p.AsOf.UTC().Truncate(time.Second)
	return p, nil
}

// authorStatsSQL aggregates each author's interactions with the brand
// before as_of (spam, listening hits and posts left out).
const authorStatsSQL = `SELECT network, author_id,
	argMax(author_handle, created_at) AS handle, argMax(author_name, created_at) AS name,
	argMax(author_followers, created_at) AS reach,
	count() AS n_all,
	countIf(created_at >= toDateTime(?)) AS n_window,
	countIf(created_at >= toDateTime(?) AND has(l, 'sentiment:positive')) AS positive,
	countIf(created_at >= toDateTime(?) AND has(l, 'sentiment:negative')) AS negative,
	toUInt32(min(created_at)) AS first_seen, toUInt32(max(created_at)) AS last_seen
FROM (
	SELECT id, network, author_id, author_handle, author_name, author_followers, created_at
	FROM interactions FINAL
	WHERE brand = ? AND created_at < toDateTime(?) AND kind NOT IN ('listening_hit', 'post') %s
) ANY LEFT JOIN (
	SELECT interaction_id AS id, argMax(labels, version) AS l, argMax(verdict, version) AS v
	FROM interaction_state WHERE brand = ? GROUP BY interaction_id
) USING id
WHERE v != 'spam'
GROUP BY network, author_id`

// segment returns one page of a segment's members.
func (s Reader) segment(ctx context.Context, p segmentParams) (query.SegmentPage, error) {
	asOf := p.AsOf.Unix()
	day := int64(24 * 3600)
	window := asOf - query.WindowDays*day
	netCond := ""
	statsArgs := []any{window, window, window, p.Brand, asOf}
	if p.Network != "" {
		netCond = "AND network = ?"
		statsArgs = append(statsArgs, p.Network)
	}
	statsArgs = append(statsArgs, p.Brand)
	stats := fmt.Sprintf(authorStatsSQL, netCond)

	var from, where, score string
	var args, whereArgs []any
	switch p.Segment {
	case query.SegmentSilent:
		fnet := ""
		fargs := []any{p.Brand, asOf}
		if p.Network != "" {
			fnet = "AND network = ?"
			fargs = append(fargs, p.Network)
		}
		from = `(SELECT network, author_id, handle, name, reach, n_all, n_window, positive, negative, first_seen, last_seen FROM (
	SELECT network, follower_id AS author_id, argMax(follower_handle, followed_at) AS handle, argMax(follower_name, followed_at) AS name,
		argMax(follower_followers, followed_at) AS reach
	FROM followers WHERE brand = ? AND followed_at < toDateTime(?) ` + fnet + ` GROUP BY network, follower_id
) ANY LEFT JOIN (
	SELECT network, author_id, n_all, n_window, positive, negative, first_seen, last_seen FROM (` + stats + `)
) USING network, author_id)`
		args = append(fargs, statsArgs...)
		where = "n_window <= ?"
		whereArgs = []any{query.SilentMaxInteractions}
		score = "reach"
	default:
		from = "(" + stats + ")"
		args = statsArgs
		switch p.Segment {
		case query.SegmentEngaged:
			where, score = "n_window >= ?", "toInt64(n_window)"
			whereArgs = []any{query.EngagedMinInteractions}
		case query.SegmentVeterans:
			where, score = "first_seen <= ? AND n_window >= 1", "intDiv(toInt64(?) - toInt64(first_seen), 86400)"
			whereArgs = []any{asOf - query.VeteranDays*day}
		case query.SegmentNewcomers:
			where, score = "first_seen >= ?", "toInt64(first_seen)"
			whereArgs = []any{asOf - query.NewcomerDays*day}
		case query.SegmentOpinionLeaders:
			where, score = "reach >= ? AND n_window >= 1", "reach"
			whereArgs = []any{query.LeaderMinReach}
		case query.SegmentAmbassadors:
			where, score = "positive >= ? AND negative = 0", "reach * toInt64(positive)"
			whereArgs = []any{query.AmbassadorMinPositive}
		}
	}
	// The score expression may bind as_of (veterans): its argument comes
	// first, in the SELECT list.
	var scoreArgs []any
	if p.Segment == query.SegmentVeterans {
		scoreArgs = []any{asOf}
	}
	q := `SELECT network, author_id, handle, name, reach, n_all, n_window, positive, negative, first_seen, last_seen, score FROM (
SELECT network, author_id, handle, name, reach, n_all, n_window, positive, negative, first_seen, last_seen, ` + score + ` AS score
FROM ` + from + `
WHERE ` + where + `)`
	all := append(append(append([]any{}, scoreArgs...), args...), whereArgs...)
	if p.after != nil {
		q += `
WHERE score < ? OR (score = ? AND (network > ? OR (network = ? AND author_id > ?)))`
		all = append(all, p.after.Score, p.after.Score, p.after.Network, p.after.Network, p.after.Author)
	}
	q += `
ORDER BY score DESC, network, author_id
LIMIT ?`
	all = append(all, p.limit+1)

	rows, err := s.db.Conn().Query(ctx, q, all...)
	if err != nil {
		return query.SegmentPage{}, fmt.Errorf("segment %s of %s: %w", p.Segment, p.Brand, err)
	}
	defer rows.Close()
	page := query.SegmentPage{Segment: p.Segment, Definition: segmentDefinitions[p.Segment], AsOf: p.AsOf, Items: []query.SegmentMember{}}
	for rows.Next() {
		var (
			m           query.SegmentMember
			first, last uint32
		)
		if err := rows.Scan(&m.Network, &m.AuthorID, &m.Handle, &m.Name, &m.Reach, &m.Interactions, &m.InWindow,
			&m.Positive, &m.Negative, &first, &last, &m.Score); err != nil {
			return page, fmt.Errorf("segment %s of %s: %w", p.Segment, p.Brand, err)
		}
		if first > 0 {
			f, l := time.Unix(int64(first), 0).UTC(), time.Unix(int64(last), 0).UTC()
			m.FirstSeen, m.LastSeen = &f, &l
		}
		page.Items = append(page.Items, m)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("segment %s of %s: %w", p.Segment, p.Brand, err)
	}
	if len(page.Items) > p.limit {
		page.Items = page.Items[:p.limit]
		last := page.Items[len(page.Items)-1]
		page.NextCursor = segmentCursor{Score: last.Score, Network: last.Network, Author: last.AuthorID}.encode()
	}
	return page, nil
}
