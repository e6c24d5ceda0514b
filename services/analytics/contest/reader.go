package contest

import (
	"context"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"

	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Reader draws contests and reads the stored draws.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from and records draws in db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// Draw runs, stores and answers a draw; an existing id answers the stored
// draw when the rules are the same.
func (s Reader) Draw(ctx context.Context, in query.ContestDrawRequest, now time.Time) (query.ContestDraw, error) {
	return s.draw(obs.WithBrand(ctx, in.Brand), in, now)
}

// Get answers a stored draw.
func (s Reader) Get(ctx context.Context, in query.ContestRef) (query.ContestDraw, error) {
	if err := checkContestRef(in.Brand, in.ID); err != nil {
		return query.ContestDraw{}, err
	}
	return s.contest(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}

// Verify draws a stored contest again and answers whether it gives the
// same winners.
func (s Reader) Verify(ctx context.Context, in query.ContestRef) (query.ContestVerification, error) {
	if err := checkContestRef(in.Brand, in.ID); err != nil {
		return query.ContestVerification{}, err
	}
	return s.verify(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}
