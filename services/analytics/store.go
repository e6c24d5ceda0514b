package analytics

import (
	"context"
	"fmt"

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
		"SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN ('interactions', 'interaction_state', 'replies', 'case_decisions', 'follower_snapshots', 'followers', 'contest_draws', 'kpi_days', 'kpi_rollup_days', 'kpi_dirty_days')").Scan(&n)
	if err != nil {
		return fmt.Errorf("check analytics schema: %w", err)
	}
	if n != 10 {
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
	// (rollup.go); a failure here fails the batch, which is written again.
	days, err := s.rowDays(ctx, interactions, states)
	if err != nil {
		return err
	}
	if err := s.markDirty(ctx, days); err != nil {
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
