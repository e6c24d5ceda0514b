package rollup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Marks records, for the sink, which brand days its writes changed
// (kpi_dirty_days).
type Marks struct{ DB *clickhouse.DB }

// Mark records, with ClickHouse's clock, that the rows of these days
// changed. The caller has written the rows.
func (m Marks) Mark(ctx context.Context, days map[BrandDay]struct{}) error {
	if len(days) == 0 {
		return nil
	}
	byBrand := map[string][]string{}
	for d := range days {
		byBrand[d.Brand] = append(byBrand[d.Brand], d.Day.Format(DayFormat))
	}
	var selects []string
	var args []any
	for brand, ds := range byBrand {
		selects = append(selects, "SELECT ? AS brand, toDate(arrayJoin(?)) AS day, now() AS marked_at")
		args = append(args, brand, ds)
	}
	q := "INSERT INTO kpi_dirty_days (brand, day, marked_at) " + strings.Join(selects, " UNION ALL ")
	if err := m.DB.Conn().Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("mark rollup days: %w", err)
	}
	return nil
}

// StoredDays adds to days the UTC days of the stored created_at of the
// brand's interactions ids (for decisions that do not carry it).
func (m Marks) StoredDays(ctx context.Context, brand string, ids []string, days map[BrandDay]struct{}) error {
	rows, err := m.DB.Conn().Query(ctx, "SELECT DISTINCT toString(toDate(created_at, 'UTC')) FROM interactions WHERE brand = ? AND id IN ?", brand, readmodel.InSet(ids))
	if err != nil {
		return fmt.Errorf("days of decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return fmt.Errorf("days of decisions: %w", err)
		}
		t, err := time.Parse(DayFormat, d)
		if err != nil {
			return fmt.Errorf("days of decisions: %w", err)
		}
		days[BrandDay{Brand: brand, Day: t}] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("days of decisions: %w", err)
	}
	return nil
}
