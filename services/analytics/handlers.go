package analytics

import (
	"context"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// notFound is an error answered with CodeNotFound; its text is sent as is.
type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }

// RPCError gives notFound its request/reply code.
func (e notFound) RPCError() *rpc.Error { return rpc.NotFound("%s", e.msg) }

func (q *queries) getInteraction(ctx context.Context, in query.GetInteractionRequest) (query.InteractionDetail, error) {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return query.InteractionDetail{}, badRequest{err.Error()}
	}
	if in.ID == "" || len(in.ID) > 512 {
		return query.InteractionDetail{}, badRequest{"id is required (at most 512 bytes)"}
	}
	return q.store.interactionDetail(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}

func (q *queries) kpis(ctx context.Context, in query.KPIsRequest) (query.KPIs, error) {
	p, err := parseKPIs(in, q.now())
	if err != nil {
		return query.KPIs{}, err
	}
	return q.store.kpis(obs.WithBrand(ctx, p.Brand), p)
}

func (q *queries) segment(ctx context.Context, in query.SegmentRequest) (query.SegmentPage, error) {
	p, err := parseSegment(in, q.now())
	if err != nil {
		return query.SegmentPage{}, err
	}
	return q.store.segment(obs.WithBrand(ctx, p.Brand), p)
}

func (q *queries) drawContest(ctx context.Context, in query.ContestDrawRequest) (query.ContestDraw, error) {
	return q.store.draw(obs.WithBrand(ctx, in.Brand), in, q.now())
}

func (q *queries) getContest(ctx context.Context, in query.ContestRef) (query.ContestDraw, error) {
	if err := checkContestRef(in.Brand, in.ID); err != nil {
		return query.ContestDraw{}, err
	}
	return q.store.contest(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}

func (q *queries) verifyContest(ctx context.Context, in query.ContestRef) (query.ContestVerification, error) {
	if err := checkContestRef(in.Brand, in.ID); err != nil {
		return query.ContestVerification{}, err
	}
	return q.store.verify(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}

func (q *queries) weeklyReport(ctx context.Context, in query.WeeklyReportRequest) (query.WeeklyReport, error) {
	return q.store.weeklyReport(obs.WithBrand(ctx, in.Brand), in, q.now())
}
