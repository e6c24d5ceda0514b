package analytics

import (
	"context"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// store is analytics' ClickHouse adapter. Every query is scoped by brand and
// binds its values as arguments.
type store struct {
	db *clickhouse.DB
}

// checkSchema fails when the tables are missing, so that a service started
// before `ruche migrate` says so instead of retrying inserts forever.
func (s store) checkSchema(ctx context.Context) error {
	var n uint64
	err := s.db.Conn().QueryRow(ctx,
		"SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN ('interactions', 'interaction_state', 'replies', 'case_decisions', 'follower_snapshots', 'followers', 'contest_draws')").Scan(&n)
	if err != nil {
		return fmt.Errorf("check analytics schema: %w", err)
	}
	if n != 7 {
		return fmt.Errorf("analytics schema missing in database %s: run `ruche migrate`", s.db.Database())
	}
	return nil
}

// write inserts the rows, one named-column batch per table.
func (s store) write(ctx context.Context, interactions []interactionRow, states []stateRow, others []tableRow) error {
	if len(interactions) > 0 {
		rows := make([][]any, len(interactions))
		for i, r := range interactions {
			rows[i] = r.values()
		}
		if err := s.insert(ctx, "interactions", interactionColumns, rows); err != nil {
			return err
		}
	}
	if len(states) > 0 {
		rows := make([][]any, len(states))
		for i, r := range states {
			rows[i] = r.values()
		}
		if err := s.insert(ctx, "interaction_state", stateColumns, rows); err != nil {
			return err
		}
	}
	byTable := map[string][][]any{}
	var order []tableRow
	for _, r := range others {
		if _, ok := byTable[r.table]; !ok {
			order = append(order, r)
		}
		byTable[r.table] = append(byTable[r.table], r.values)
	}
	for _, r := range order {
		if err := s.insert(ctx, r.table, r.columns, byTable[r.table]); err != nil {
			return err
		}
	}
	return nil
}

func (s store) insert(ctx context.Context, table, columns string, rows [][]any) error {
	batch, err := s.db.Conn().PrepareBatch(ctx, "INSERT INTO "+table+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	for _, r := range rows {
		if err := batch.Append(r...); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// listInteractions returns one page of a brand's interactions, newest first,
// with their latest moderation state, and the cursor of the next page ("" on
// the last). FINAL collapses redelivered copies before merges; on 18.16 and
// current releases the WHERE clause applies to the collapsed rows.
func (s store) listInteractions(ctx context.Context, p listParams) (query.ListInteractionsResponse, error) {
	q := `SELECT id, brand, network, account, kind, platform_id, thread_id, parent_id,
	author_id, author_handle, author_name, text, lang, url, created_at, received_at, received_ms, source
FROM interactions FINAL
WHERE brand = ?`
	args := []any{p.brand}
	q += p.filter.sql()
	args = append(args, p.filter.args...)
	if p.after != nil {
		q += `
	AND (received_at < toDateTime(?)
		OR (received_at = toDateTime(?) AND (received_ms < ? OR (received_ms = ? AND id < ?))))`
		sec, ms := p.after.seconds(), p.after.millis()
		args = append(args, sec, sec, ms, ms, p.after.ID)
	}
	q += `
ORDER BY received_at DESC, received_ms DESC, id DESC
LIMIT ?`
	args = append(args, p.limit+1)

	rows, err := s.db.Conn().Query(ctx, q, args...)
	if err != nil {
		return query.ListInteractionsResponse{}, fmt.Errorf("list interactions of %s: %w", p.brand, err)
	}
	defer rows.Close()
	items := make([]query.Interaction, 0, p.limit+1)
	for rows.Next() {
		var (
			it       query.Interaction
			received time.Time
			ms       uint16
		)
		if err := rows.Scan(&it.ID, &it.Brand, &it.Network, &it.Account, &it.Kind, &it.PlatformID, &it.ThreadID, &it.ParentID,
			&it.AuthorID, &it.AuthorHandle, &it.AuthorName, &it.Text, &it.Lang, &it.URL, &it.CreatedAt, &received, &ms, &it.Source); err != nil {
			return query.ListInteractionsResponse{}, fmt.Errorf("list interactions of %s: %w", p.brand, err)
		}
		it.CreatedAt = it.CreatedAt.UTC()
		it.ReceivedAt = receivedAt(received, ms)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return query.ListInteractionsResponse{}, fmt.Errorf("list interactions of %s: %w", p.brand, err)
	}
	var resp query.ListInteractionsResponse
	if len(items) > p.limit {
		items = items[:p.limit]
		resp.NextCursor = cursorAfter(items[len(items)-1]).encode()
	}
	if err := s.joinStates(ctx, p.brand, items); err != nil {
		return query.ListInteractionsResponse{}, err
	}
	resp.Items = items
	return resp, nil
}

// joinStates fills the moderation fields of items from the latest state of
// each: argMax over version, whether or not the parts have merged yet.
func (s store) joinStates(ctx context.Context, brand string, items []query.Interaction) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]any, len(items))
	byID := make(map[string]*query.Interaction, len(items))
	for i := range items {
		ids[i] = items[i].ID
		byID[items[i].ID] = &items[i]
	}
	rows, err := s.db.Conn().Query(ctx, `SELECT interaction_id,
	argMax(verdict, version), argMax(labels, version), argMax(priority, version)
FROM interaction_state
WHERE brand = ? AND interaction_id IN ?
GROUP BY interaction_id`, brand, ch.GroupSet{Value: ids})
	if err != nil {
		return fmt.Errorf("moderation state of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, verdict string
			labels      []string
			priority    int32
		)
		if err := rows.Scan(&id, &verdict, &labels, &priority); err != nil {
			return fmt.Errorf("moderation state of %s: %w", brand, err)
		}
		if it := byID[id]; it != nil {
			it.Verdict, it.Labels, it.Priority = verdict, labels, int(priority)
		}
	}
	return rows.Err()
}
