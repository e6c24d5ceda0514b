package analytics

import (
	"context"
	"fmt"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
	"github.com/ruche-project/ruche/services/analytics/rollup"
)

// store is the sink's ClickHouse adapter: it writes the rows, then marks
// the days they change for the rollup (rollup.Marks).
type store struct {
	db    *clickhouse.DB
	marks rollup.Marks
}

// checkSchema fails when the tables are missing, so that a service started
// before `ruche migrate` says so instead of retrying inserts forever.
func (s store) checkSchema(ctx context.Context) error {
	var n uint64
	err := s.db.Conn().QueryRow(ctx,
		"SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN ('interactions', 'interaction_state', 'replies', 'case_decisions', 'follower_snapshots', 'followers', 'contest_draws', 'kpi_days', 'kpi_rollup_days', 'kpi_dirty_days', 'interaction_edits', 'interaction_deletions', 'post_metrics', 'publish_outcomes', 'link_clicks', 'drafts', 'draft_reviews', 'audit_log', 'interactions_by_id', 'interactions_by_thread', 'interactions_by_author', 'interaction_rows', 'interaction_routing', 'label_corrections')").Scan(&n)
	if err != nil {
		return fmt.Errorf("check analytics schema: %w", err)
	}
	if n != 24 {
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
	// After the rows, so that a rollup computed before this mark is stale
	// (package rollup); a failure here fails the batch, which is written again.
	days, err := s.rowDays(ctx, interactions, states)
	if err != nil {
		return err
	}
	if err := s.marks.Mark(ctx, days); err != nil {
		return err
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
	return readmodel.Insert(ctx, s.db, table, columns, rows)
}

// rowDays are the brand days the rows change. A decision that does not
// carry its interaction's created_at (published before the field existed)
// is filed under its interaction's stored created_at; an interaction not
// stored yet marks its day when the sink writes it.
func (s store) rowDays(ctx context.Context, interactions []interactionRow, states []stateRow) (map[rollup.BrandDay]struct{}, error) {
	days := map[rollup.BrandDay]struct{}{}
	for _, r := range interactions {
		days[rollup.BrandDay{Brand: r.Brand, Day: rollup.DayOf(r.CreatedAt)}] = struct{}{}
	}
	unknown := map[string][]string{}
	for _, r := range states {
		if r.CreatedAt.IsZero() {
			unknown[r.Brand] = append(unknown[r.Brand], r.InteractionID)
			continue
		}
		days[rollup.BrandDay{Brand: r.Brand, Day: rollup.DayOf(r.CreatedAt)}] = struct{}{}
	}
	for brand, ids := range unknown {
		if err := s.marks.StoredDays(ctx, brand, ids, days); err != nil {
			return nil, err
		}
	}
	return days, nil
}

func newStore(db *clickhouse.DB) store { return store{db: db, marks: rollup.Marks{DB: db}} }
