// Package review reads how a brand's reply drafts fare: how many are
// written, approved and rejected, how much moderators change them, and how
// long they wait for approval (the drafts and draft_reviews tables).
package review

import (
	"context"
	"fmt"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Reader reads the draft metrics.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// maxPeriod bounds a request.
const maxPeriod = 366 * 24 * time.Hour

// definitions travel with the figures.
var definitions = map[string]string{
	"drafted":                   "drafts whose first version was written in the period",
	"regenerated":               "later versions (regenerations, human edits) written in the period",
	"flagged":                   "versions a safety check flagged",
	"acceptance_rate":           "approved / (approved + rejected), reviews made in the period",
	"mean_edit_distance":        "mean Levenshtein distance from the draft to the approved text, approvals of the period",
	"median_seconds_to_approve": "median time from a draft's first version to its approval, approvals of the period (interpolated; sampled above 8,192 approvals)",
}

// Metrics answers the brand's draft metrics over [From, To).
func (r Reader) Metrics(ctx context.Context, in query.DraftMetricsRequest) (query.DraftMetrics, error) {
	out := query.DraftMetrics{From: in.From.UTC(), To: in.To.UTC(), ByDrafter: map[string]uint64{}, Definitions: definitions}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return out, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	switch {
	case in.From.IsZero() || in.To.IsZero():
		return out, readmodel.FieldError{Field: "from", Msg: "from and to are required"}
	case !in.From.Before(in.To):
		return out, readmodel.FieldError{Field: "to", Msg: "must be after from"}
	case in.To.Sub(in.From) > maxPeriod:
		return out, readmodel.FieldError{Field: "to", Msg: "the period is at most 366 days"}
	}
	ctx = obs.WithBrand(ctx, in.Brand)
	from, to := out.From, out.To
	rows, err := r.db.Conn().Query(ctx, `SELECT drafter, countIf(version = 1), countIf(version > 1), countIf(flagged = 1)
FROM drafts FINAL WHERE brand = ? AND created_at >= ? AND created_at < ?
GROUP BY drafter`, in.Brand, from, to)
	if err != nil {
		return out, fmt.Errorf("drafts of %s: %w", in.Brand, err)
	}
	for rows.Next() {
		var drafter string
		var first, later, flagged uint64
		if err := rows.Scan(&drafter, &first, &later, &flagged); err != nil {
			rows.Close()
			return out, fmt.Errorf("drafts of %s: %w", in.Brand, err)
		}
		out.Drafted, out.Regenerated, out.Flagged = out.Drafted+first, out.Regenerated+later, out.Flagged+flagged
		out.ByDrafter[drafter] = first + later
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	var mean float64
	err = r.db.Conn().QueryRow(ctx, `SELECT countIf(decision = 'approved'), countIf(decision = 'rejected'),
	ifNull(avgIf(edit_distance, decision = 'approved'), 0), countIf(decision = 'approved' AND edit_distance = 0)
FROM draft_reviews FINAL WHERE brand = ? AND reviewed_at >= ? AND reviewed_at < ?`, in.Brand, from, to).
		Scan(&out.Approved, &out.Rejected, &mean, &out.Unedited)
	if err != nil {
		return out, fmt.Errorf("draft reviews of %s: %w", in.Brand, err)
	}
	if out.Approved > 0 {
		out.MeanEditDistance = round(mean)
	}
	if n := out.Approved + out.Rejected; n > 0 {
		out.AcceptanceRate = round(float64(out.Approved) / float64(n))
	}
	if out.Approved == 0 {
		return out, nil
	}
	// The first version of an approved draft may be older than the period.
	var median, p90 float64
	err = r.db.Conn().QueryRow(ctx, `SELECT quantile(0.5)(wait), quantile(0.9)(wait) FROM (
	SELECT toFloat64(approved) - toFloat64(first) AS wait FROM (
		SELECT draft_id, min(reviewed_at) AS approved FROM draft_reviews FINAL
		WHERE brand = ? AND decision = 'approved' AND reviewed_at >= ? AND reviewed_at < ?
		GROUP BY draft_id
	) ANY INNER JOIN (
		SELECT draft_id, min(created_at) AS first FROM drafts WHERE brand = ? GROUP BY draft_id
	) USING draft_id
)`, in.Brand, from, to, in.Brand).Scan(&median, &p90)
	if err != nil {
		return out, fmt.Errorf("time to approve of %s: %w", in.Brand, err)
	}
	out.MedianSecondsToApprove, out.P90SecondsToApprove = max(median, 0), max(p90, 0)
	return out, nil
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
