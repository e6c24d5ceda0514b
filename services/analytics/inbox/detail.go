package inbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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
	if err := s.joinChanges(ctx, brand, out); err != nil {
		return nil, err
	}
	if err := s.joinStates(ctx, brand, out); err != nil {
		return nil, err
	}
	return out, nil
}

// interactionDetail is one interaction with its routing, replies, thread
// and author history, or readmodel.NotFound.
func (s Reader) interactionDetail(ctx context.Context, brand, id string) (query.InteractionDetail, error) {
	found, err := s.Where(ctx, brand, "id = ?", "LIMIT 1", id)
	if err != nil {
		return query.InteractionDetail{}, err
	}
	if len(found) == 0 {
		return query.InteractionDetail{}, readmodel.NotFound{Msg: fmt.Sprintf("interaction %s of brand %s not found", id, brand)}
	}
	d := query.InteractionDetail{Interaction: found[0], Replies: []query.Reply{}}
	it := d.Interaction

	// Routing: the latest moderation's route and SLA, the case decisions.
	var (
		actions []string
		due     uint32
	)
	// An aggregate skips NULL arguments: the SLA is read as 0 when absent
	// so that a later decision without SLA wins over an earlier one.
	err = s.db.Conn().QueryRow(ctx, `SELECT argMax(actions, version), argMax(ifNull(toUInt32(sla_due), 0), version)
FROM interaction_state WHERE brand = ? AND interaction_id = ?`, brand, id).Scan(&actions, &due)
	if err != nil {
		return d, fmt.Errorf("state of %s: %w", id, err)
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
	var decision string
	err = s.db.Conn().QueryRow(ctx, `SELECT argMax(decision, version), argMaxIf(assignee, version, decision = 'assign')
FROM case_decisions WHERE brand = ? AND interaction_id = ?`, brand, id).Scan(&decision, &d.Assignee)
	if err != nil {
		return d, fmt.Errorf("case of %s: %w", id, err)
	}

	rows, err := s.db.Conn().Query(ctx, `SELECT id, platform_id, private, agent, automated, sent_at
FROM replies FINAL WHERE brand = ? AND interaction_id = ? ORDER BY sent_at, id`, brand, id)
	if err != nil {
		return d, fmt.Errorf("replies of %s: %w", id, err)
	}
	for rows.Next() {
		var (
			r                  query.Reply
			private, automated uint8
		)
		if err := rows.Scan(&r.ID, &r.PlatformID, &private, &r.Agent, &automated, &r.SentAt); err != nil {
			rows.Close()
			return d, fmt.Errorf("replies of %s: %w", id, err)
		}
		r.Private, r.Automated, r.SentAt = private == 1, automated == 1, r.SentAt.UTC()
		d.Replies = append(d.Replies, r)
	}
	rows.Close()
	d.Status = query.StatusOpen
	switch {
	case len(d.Replies) > 0:
		d.Status = query.StatusResponded
	case slices.Contains(readmodel.ClosingDecisions, decision):
		d.Status = query.StatusClosed
	}
	if it.DeletedAt != nil {
		d.Status = query.StatusDeleted
	}
	if it.EditedAt != nil {
		if d.Edits, err = s.TextHistory(ctx, brand, id); err != nil {
			return d, err
		}
	}
	if d.Actions, d.NetworkState, err = s.networkActions(ctx, brand, id); err != nil {
		return d, err
	}

	root := it.ThreadID
	if root == "" {
		root = it.PlatformID
	}
	if d.Thread, err = s.Where(ctx, brand, "network = ? AND (thread_id = ? OR platform_id = ?)",
		fmt.Sprintf("ORDER BY created_at, received_at, received_ms, id LIMIT %d", query.MaxThread), it.Network, root, root); err != nil {
		return d, err
	}
	d.Author, err = s.authorHistory(ctx, brand, it)
	return d, err
}

// authorHistory counts what the author of it did with the brand on its network.
func (s Reader) authorHistory(ctx context.Context, brand string, it query.Interaction) (query.AuthorHistory, error) {
	h := query.AuthorHistory{Network: it.Network, AuthorID: it.AuthorID, ByKind: map[string]uint64{}, BySentiment: map[string]uint64{}}
	const mine = "SELECT id FROM interactions WHERE brand = ? AND network = ? AND author_id = ?"
	fail := func(err error) (query.AuthorHistory, error) {
		return h, fmt.Errorf("history of author %s: %w", it.AuthorID, err)
	}
	rows, err := s.db.Conn().Query(ctx, `SELECT kind, count(), min(created_at), max(created_at)
FROM interactions FINAL WHERE brand = ? AND network = ? AND author_id = ? GROUP BY kind`, brand, it.Network, it.AuthorID)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var (
			kind        string
			n           uint64
			first, last time.Time
		)
		if err := rows.Scan(&kind, &n, &first, &last); err != nil {
			rows.Close()
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
	rows.Close()
	rows, err = s.db.Conn().Query(ctx, `SELECT substring(label, 11) AS sentiment, count() FROM (
	SELECT interaction_id, argMax(labels, version) AS l FROM interaction_state
	WHERE brand = ? AND interaction_id IN (`+mine+`) GROUP BY interaction_id
) ARRAY JOIN l AS label WHERE startsWith(label, 'sentiment:') GROUP BY sentiment`, brand, brand, it.Network, it.AuthorID)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var (
			sentiment string
			n         uint64
		)
		if err := rows.Scan(&sentiment, &n); err != nil {
			rows.Close()
			return fail(err)
		}
		h.BySentiment[sentiment] = n
	}
	rows.Close()
	if err := s.db.Conn().QueryRow(ctx, `SELECT uniqExact(interaction_id) FROM replies WHERE brand = ? AND interaction_id IN (`+mine+`)`,
		brand, brand, it.Network, it.AuthorID).Scan(&h.Responded); err != nil {
		return fail(err)
	}
	if h.Recent, err = s.Where(ctx, brand, "network = ? AND author_id = ? AND id != ?",
		fmt.Sprintf("ORDER BY received_at DESC, received_ms DESC, id DESC LIMIT %d", query.MaxAuthorRecent), it.Network, it.AuthorID, it.ID); err != nil {
		return h, err
	}
	if h.Recent == nil {
		h.Recent = []query.Interaction{}
	}
	return h, nil
}

// TextHistory is the text of an interaction as received, then every edit,
// oldest first.
func (s Reader) TextHistory(ctx context.Context, brand, id string) ([]query.TextVersion, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT text, lang, at FROM (
	SELECT text, lang, created_at AS at, toUInt64(0) AS v FROM interactions FINAL WHERE brand = ? AND id = ? LIMIT 1
	UNION ALL
	SELECT text, lang, edited_at AS at, version AS v FROM interaction_edits FINAL WHERE brand = ? AND interaction_id = ?
) ORDER BY v`, brand, id, brand, id)
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
