package segment

import (
	"context"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Reader reads the community's segments.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// Get answers one page of a segment's members.
func (s Reader) Get(ctx context.Context, in query.SegmentRequest, now time.Time) (query.SegmentPage, error) {
	p, err := parseSegment(in, now)
	if err != nil {
		return query.SegmentPage{}, err
	}
	return s.segment(obs.WithBrand(ctx, p.Brand), p)
}
