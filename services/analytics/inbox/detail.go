package inbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/sync/errgroup"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// interactionFields lists the columns scanInteraction reads, and
// interactionSelect reads them collapsed.
const (
	interactionFields = `id, brand, network, account, kind, platform_id, thread_id, parent_id,
	author_id, author_handle, author_name, text, lang, url, created_at, received_at, received_ms, source`
	interactionSelect = "SELECT " + interactionFields + "\nFROM interactions FINAL"
)

// scanInteraction reads the interactionFields of a row, then extra.
func scanInteraction(rows driver.Rows, extra ...any) (query.Interaction, error) {
	var (
		it       query.Interaction
		received time.Time
		ms       uint16
	)
	if err := rows.Scan(append([]any{&it.ID, &it.Brand, &it.Network, &it.Account, &it.Kind, &it.PlatformID, &it.ThreadID, &it.ParentID,
		&it.AuthorID, &it.AuthorHandle, &it.AuthorName, &it.Text, &it.Lang, &it.URL, &it.CreatedAt, &received, &ms, &it.Source}, extra...)...); err != nil {
		return it, err
	}
	it.CreatedAt = it.CreatedAt.UTC()
	it.ReceivedAt = readmodel.ReceivedAt(received, ms)
	return it, nil
}

// Where reads interactions (collapsed) matching where, with
// their moderation state.
func (s Reader) Where(ctx context.Context, brand, where, tail string, args ...any) ([]query.Interaction, error) {
	rows, err := s.db.Conn().Query(ctx, interactionSelect+"\nWHERE brand = ? AND "+where+"\n"+tail, append([]any{brand}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("interactions of %s: %w", brand, err)
	}
	defer rows.Close()
	var out []query.Interaction
	for rows.Next() {
		it, err := scanInteraction(rows)
		if err != nil {
			return nil, fmt.Errorf("interactions of %s: %w", brand, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("interactions of %s: %w", brand, err)
	}
	if err := s.join(ctx, brand, out); err != nil {
		return nil, err
	}
	return out, nil
}

// The item panel reads its rows from interaction_rows (migration 0016: the
// interactions sorted by id in small granules), by id: the interaction's
// own, and those whose ids its lookups (migration 0015) give: a thread's
// interactions (its first MaxThread by created_at, ties included) and an
// author's latest MaxAuthorRecent. The rows are collapsed as FINAL would
// (Reader.collapse) and checked again: a lookup row is a hint, the
// interaction row the truth. The thread and the author are those of the
// id's stored copies, read in the same query (ofID): the panel asks for the
// interaction, its thread and its author's history at once, not one after
// the other.
const (
	// idKeys is TextHistory's lookup of an id's keys in interactions.
	idKeys = "(created_at, id) IN (SELECT created_at, id FROM interactions_by_id WHERE brand = ? AND id = ?)"
	// ofID reads columns of the id's copies (arguments brand, id).
	ofID = "FROM interaction_rows WHERE brand = ? AND id = ?"
	// rootOfID and authorOfID are the id's thread root and author on its
	// network (arguments brand, id).
	rootOfID   = "(network, thread) IN (SELECT network, if(thread_id = '', platform_id, thread_id) " + ofID + ")"
	authorOfID = "(network, author_id) IN (SELECT network, author_id " + ofID + ")"
	threadIDs  = `id IN (SELECT id FROM interactions_by_thread WHERE brand = ? AND ` + rootOfID + `
	AND created_at <= (SELECT max(created_at) FROM (SELECT DISTINCT created_at, id FROM interactions_by_thread
		WHERE brand = ? AND ` + rootOfID + ` ORDER BY created_at, id LIMIT ?)))`
	recentIDs = `id IN (SELECT id FROM interactions_by_author FINAL
	WHERE brand = ? AND ` + authorOfID + ` AND id != ? ORDER BY received_at DESC, received_ms DESC, id DESC LIMIT ?)`
	// authorIDs are the ids of the author's interactions.
	authorIDs = "SELECT id FROM interactions_by_author WHERE brand = ? AND " + authorOfID
)

// detailQueries bounds the queries one panel runs at once: ClickHouse's
// connection pool is shared with the service's other work.
const detailQueries = 8

// lookup reads the interactions whose ids the condition ids selects from
// interaction_rows, collapsed.
func (s Reader) lookup(ctx context.Context, brand, ids string, args ...any) ([]query.Interaction, error) {
	rows, err := s.collapse(ctx, "interaction_rows", brand, ids, args, "", nil)
	if err != nil {
		return nil, fmt.Errorf("interactions of %s: %w", brand, err)
	}
	out := make([]query.Interaction, 0, len(rows))
	for _, it := range rows {
		out = append(out, it)
	}
	return out, nil
}

// interactionDetail is one interaction with its routing, replies, thread
// and author history, or readmodel.NotFound. Everything is read at once
// (detailQueries at a time), the thread and the author history through the
// id's own copies, then the edits, deletions and moderation of every
// interaction shown (at once too).
func (s Reader) interactionDetail(ctx context.Context, brand, id string) (query.InteractionDetail, error) {
	d := query.InteractionDetail{Replies: []query.Reply{}}
	var (
		decision              string
		found, thread, recent []query.Interaction
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(detailQueries)
	g.Go(func() (err error) { found, err = s.lookup(gctx, brand, "id = ?", id); return err })
	g.Go(func() error { return s.routing(gctx, brand, id, &d) })
	g.Go(func() (err error) { decision, d.Assignee, err = s.caseDecision(gctx, brand, id); return err })
	g.Go(func() (err error) { d.Replies, err = s.replies(gctx, brand, id); return err })
	g.Go(func() (err error) { d.Actions, d.NetworkState, err = s.networkActions(gctx, brand, id); return err })
	g.Go(func() (err error) {
		thread, err = s.lookup(gctx, brand, threadIDs, brand, brand, id, brand, brand, id, query.MaxThread)
		return err
	})
	g.Go(func() (err error) {
		recent, err = s.lookup(gctx, brand, recentIDs, brand, brand, id, id, query.MaxAuthorRecent)
		return err
	})
	s.authorHistory(g, gctx, brand, id, &d.Author)
	if err := g.Wait(); err != nil {
		return d, err
	}
	found = slices.DeleteFunc(found, func(it query.Interaction) bool { return it.ID != id })
	if len(found) == 0 {
		return query.InteractionDetail{}, readmodel.NotFound{Msg: fmt.Sprintf("interaction %s of brand %s not found", id, brand)}
	}
	// Copies of an id under several created_at: the latest received.
	it := slices.MaxFunc(found, func(a, b query.Interaction) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	d.Author.Network, d.Author.AuthorID = it.Network, it.AuthorID
	root := it.ThreadID
	if root == "" {
		root = it.PlatformID
	}
	thread = slices.DeleteFunc(thread, func(t query.Interaction) bool {
		return t.Network != it.Network || (t.ThreadID != root && t.PlatformID != root)
	})
	slices.SortFunc(thread, func(a, b query.Interaction) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	thread = thread[:min(len(thread), query.MaxThread)]
	recent = slices.DeleteFunc(recent, func(r query.Interaction) bool {
		return r.Network != it.Network || r.AuthorID != it.AuthorID || r.ID == it.ID
	})
	slices.SortFunc(recent, func(a, b query.Interaction) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	recent = recent[:min(len(recent), query.MaxAuthorRecent)]

	// Edits, deletions and moderation of everything shown, and the edits
	// of the interaction (its text history if it was edited), at once.
	shown := slices.Concat([]query.Interaction{it}, thread, recent)
	edits := []query.TextVersion{{Text: it.Text, Lang: it.Lang, At: it.CreatedAt}}
	g, gctx = errgroup.WithContext(ctx)
	g.Go(func() error { return s.join(gctx, brand, shown) })
	g.Go(func() error { return s.editsOf(gctx, brand, id, &edits) })
	if err := g.Wait(); err != nil {
		return d, err
	}
	d.Interaction = shown[0]
	d.Thread = shown[1 : 1+len(thread)]
	d.Author.Recent = shown[1+len(thread):]

	d.Status = query.StatusOpen
	switch {
	case len(d.Replies) > 0:
		d.Status = query.StatusResponded
	case slices.Contains(readmodel.ClosingDecisions, decision):
		d.Status = query.StatusClosed
	}
	if d.DeletedAt != nil {
		d.Status = query.StatusDeleted
	}
	if d.EditedAt != nil {
		d.Edits = edits
	}
	return d, nil
}

// routing fills d's route and SLA from the latest moderation (its copy
// interaction_routing, migration 0016).
func (s Reader) routing(ctx context.Context, brand, id string, d *query.InteractionDetail) error {
	var (
		actions []string
		due     uint32
	)
	// An aggregate skips NULL arguments: the SLA is read as 0 when absent
	// so that a later decision without SLA wins over an earlier one.
	err := s.db.Conn().QueryRow(ctx, `SELECT argMax(actions, version), argMax(ifNull(toUInt32(sla_due), 0), version)
FROM interaction_routing WHERE brand = ? AND interaction_id = ?`, brand, id).Scan(&actions, &due)
	if err != nil {
		return fmt.Errorf("state of %s: %w", id, err)
	}
	if due > 0 {
		u := time.Unix(int64(due), 0).UTC()
		d.SLADue = &u
	}
	for _, a := range actions {
		if q, ok := strings.CutPrefix(a, "route:"); ok {
			d.Queue = q
		}
	}
	return nil
}

// caseDecision is the latest case decision on id and its assignee.
func (s Reader) caseDecision(ctx context.Context, brand, id string) (decision, assignee string, err error) {
	err = s.db.Conn().QueryRow(ctx, `SELECT argMax(decision, version), argMaxIf(assignee, version, decision = 'assign')
FROM case_decisions WHERE brand = ? AND interaction_id = ?`, brand, id).Scan(&decision, &assignee)
	if err != nil {
		return "", "", fmt.Errorf("case of %s: %w", id, err)
	}
	return decision, assignee, nil
}

// replies are the brand's replies to id, oldest first.
func (s Reader) replies(ctx context.Context, brand, id string) ([]query.Reply, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT id, platform_id, private, agent, automated, sent_at
FROM replies FINAL WHERE brand = ? AND interaction_id = ? ORDER BY sent_at, id`, brand, id)
	if err != nil {
		return nil, fmt.Errorf("replies of %s: %w", id, err)
	}
	defer rows.Close()
	out := []query.Reply{}
	for rows.Next() {
		var (
			r                  query.Reply
			private, automated uint8
		)
		if err := rows.Scan(&r.ID, &r.PlatformID, &private, &r.Agent, &automated, &r.SentAt); err != nil {
			return nil, fmt.Errorf("replies of %s: %w", id, err)
		}
		r.Private, r.Automated, r.SentAt = private == 1, automated == 1, r.SentAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("replies of %s: %w", id, err)
	}
	return out, nil
}

// authorHistory adds to g the queries that fill h with what the author of
// the interaction id did with the brand on its network: counts from the
// author lookup, the sentiments of their interactions' latest moderation
// and how many the brand answered (the caller reads their latest
// interactions, and names the author).
func (s Reader) authorHistory(g *errgroup.Group, ctx context.Context, brand, id string, h *query.AuthorHistory) {
	*h = query.AuthorHistory{ByKind: map[string]uint64{}, BySentiment: map[string]uint64{}}
	fail := func(err error) error {
		return fmt.Errorf("history of the author of %s: %w", id, err)
	}
	g.Go(func() error {
		rows, err := s.db.Conn().Query(ctx, `SELECT kind, count(), min(created_at), max(created_at)
FROM interactions_by_author FINAL WHERE brand = ? AND `+authorOfID+` GROUP BY kind`, brand, brand, id)
		if err != nil {
			return fail(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				kind        string
				n           uint64
				first, last time.Time
			)
			if err := rows.Scan(&kind, &n, &first, &last); err != nil {
				return fail(err)
			}
			h.ByKind[kind] = n
			h.Total += n
			if h.FirstSeen.IsZero() || first.Before(h.FirstSeen) {
				h.FirstSeen = first.UTC()
			}
			if last.After(h.LastSeen) {
				h.LastSeen = last.UTC()
			}
		}
		return rows.Err()
	})
	g.Go(func() error {
		rows, err := s.db.Conn().Query(ctx, `SELECT substring(label, 11) AS sentiment, count() FROM (
	SELECT interaction_id, argMax(labels, version) AS l FROM interaction_state_by_id
	WHERE brand = ? AND interaction_id IN (`+authorIDs+`) GROUP BY interaction_id
) ARRAY JOIN l AS label WHERE startsWith(label, 'sentiment:') GROUP BY sentiment`, brand, brand, brand, id)
		if err != nil {
			return fail(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				sentiment string
				n         uint64
			)
			if err := rows.Scan(&sentiment, &n); err != nil {
				return fail(err)
			}
			h.BySentiment[sentiment] = n
		}
		return rows.Err()
	})
	g.Go(func() error {
		if err := s.db.Conn().QueryRow(ctx, `SELECT uniqExact(interaction_id) FROM replies WHERE brand = ? AND interaction_id IN (`+authorIDs+`)`,
			brand, brand, brand, id).Scan(&h.Responded); err != nil {
			return fail(err)
		}
		return nil
	})
}

// TextHistory is the text of an interaction as received, then every edit,
// oldest first.
func (s Reader) TextHistory(ctx context.Context, brand, id string) ([]query.TextVersion, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT text, lang, at FROM (
	SELECT text, lang, created_at AS at, toUInt64(0) AS v FROM interactions FINAL WHERE brand = ? AND `+idKeys+` LIMIT 1
	UNION ALL
	SELECT text, lang, edited_at AS at, version AS v FROM interaction_edits FINAL WHERE brand = ? AND interaction_id = ?
) ORDER BY v`, brand, brand, id, brand, id)
	if err != nil {
		return nil, fmt.Errorf("text history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []query.TextVersion
	for rows.Next() {
		var v query.TextVersion
		if err := rows.Scan(&v.Text, &v.Lang, &v.At); err != nil {
			return nil, fmt.Errorf("text history of %s: %w", id, err)
		}
		v.At = v.At.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// editsOf appends to history the edits of id, oldest first.
func (s Reader) editsOf(ctx context.Context, brand, id string, history *[]query.TextVersion) error {
	rows, err := s.db.Conn().Query(ctx, `SELECT text, lang, edited_at FROM interaction_edits FINAL
WHERE brand = ? AND interaction_id = ? ORDER BY version`, brand, id)
	if err != nil {
		return fmt.Errorf("edits of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v query.TextVersion
		if err := rows.Scan(&v.Text, &v.Lang, &v.At); err != nil {
			return fmt.Errorf("edits of %s: %w", id, err)
		}
		v.At = v.At.UTC()
		*history = append(*history, v)
	}
	return rows.Err()
}

// networkActions reads the outcomes of the publish requests about an
// interaction, oldest first, and sums up the latest.
func (s Reader) networkActions(ctx context.Context, brand, id string) ([]query.NetworkAction, string, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT request_id, kind, network, outcome, platform_id, url, code, reason, retryable, attempts, at
FROM publish_outcomes FINAL WHERE brand = ? AND interaction_id = ? ORDER BY at, id`, brand, id)
	if err != nil {
		return nil, "", fmt.Errorf("network actions of %s: %w", id, err)
	}
	defer rows.Close()
	var out []query.NetworkAction
	for rows.Next() {
		var (
			a         query.NetworkAction
			retryable uint8
		)
		if err := rows.Scan(&a.RequestID, &a.Kind, &a.Network, &a.Outcome, &a.PlatformID, &a.URL, &a.Code, &a.Reason, &retryable, &a.Attempts, &a.At); err != nil {
			return nil, "", fmt.Errorf("network actions of %s: %w", id, err)
		}
		a.Retryable, a.At = retryable == 1, a.At.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("network actions of %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, "", nil
	}
	last := out[len(out)-1]
	if last.Outcome != "succeeded" {
		return out, last.Kind + "_failed", nil
	}
	return out, map[string]string{"reply": "replied", "hide": "hidden", "unhide": "visible", "delete": "deleted"}[last.Kind], nil
}
