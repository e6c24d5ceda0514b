package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// notFound is an error answered with CodeNotFound; its text is sent as is.
type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }

// answer decodes a request of type Req, runs do and replies with its result
// as JSON, or with the error's code. Every endpoint but the first goes
// through it.
func answer[Req any](q *queries, req micro.Request, name string, do func(context.Context, Req) (any, error)) {
	if !q.inflight.TryRLock() {
		q.fail(context.Background(), req, errors.New("shutting down"))
		return
	}
	defer q.inflight.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.QueryTimeout)
	defer cancel()
	ctx = obs.WithCorrelationID(ctx, req.Headers().Get(events.HeaderCorrelationID))
	var in Req
	if err := json.Unmarshal(req.Data(), &in); err != nil {
		q.fail(ctx, req, badRequest{fmt.Sprintf("request body must be a %s JSON object: %v", name, err)})
		return
	}
	resp, err := do(ctx, in)
	if err != nil {
		q.fail(ctx, req, err)
		return
	}
	if err := req.RespondJSON(resp); err != nil {
		q.log.WarnContext(ctx, "reply", "subject", req.Subject(), "error", err)
	}
}

func (q *queries) searchInteractions(req micro.Request) {
	answer(q, req, "SearchInteractionsRequest", func(ctx context.Context, in query.SearchInteractionsRequest) (any, error) {
		p, err := parseList(in.ListInteractionsRequest)
		if err != nil {
			return nil, err
		}
		if p.filter, err = parseFilter(p.brand, in.InteractionFilter); err != nil {
			return nil, err
		}
		return q.store.listInteractions(obs.WithBrand(ctx, p.brand), p)
	})
}

func (q *queries) getInteraction(req micro.Request) {
	answer(q, req, "GetInteractionRequest", func(ctx context.Context, in query.GetInteractionRequest) (any, error) {
		if err := events.ValidateBrand(in.Brand); err != nil {
			return nil, badRequest{err.Error()}
		}
		if in.ID == "" || len(in.ID) > 512 {
			return nil, badRequest{"id is required (at most 512 bytes)"}
		}
		return q.store.interactionDetail(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
	})
}

func (q *queries) kpis(req micro.Request) {
	answer(q, req, "KPIsRequest", func(ctx context.Context, in query.KPIsRequest) (any, error) {
		p, err := parseKPIs(in, q.now())
		if err != nil {
			return nil, err
		}
		return q.store.kpis(obs.WithBrand(ctx, p.Brand), p)
	})
}

func (q *queries) segment(req micro.Request) {
	answer(q, req, "SegmentRequest", func(ctx context.Context, in query.SegmentRequest) (any, error) {
		p, err := parseSegment(in, q.now())
		if err != nil {
			return nil, err
		}
		return q.store.segment(obs.WithBrand(ctx, p.Brand), p)
	})
}

func (q *queries) drawContest(req micro.Request) {
	answer(q, req, "ContestDrawRequest", func(ctx context.Context, in query.ContestDrawRequest) (any, error) {
		return q.store.draw(obs.WithBrand(ctx, in.Brand), in, q.now())
	})
}

func (q *queries) getContest(req micro.Request) {
	answer(q, req, "ContestRef", func(ctx context.Context, in query.ContestRef) (any, error) {
		if err := checkContestRef(in.Brand, in.ID); err != nil {
			return nil, err
		}
		return q.store.contest(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
	})
}

func (q *queries) verifyContest(req micro.Request) {
	answer(q, req, "ContestRef", func(ctx context.Context, in query.ContestRef) (any, error) {
		if err := checkContestRef(in.Brand, in.ID); err != nil {
			return nil, err
		}
		return q.store.verify(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
	})
}

func (q *queries) weeklyReport(req micro.Request) {
	answer(q, req, "WeeklyReportRequest", func(ctx context.Context, in query.WeeklyReportRequest) (any, error) {
		return q.store.weeklyReport(obs.WithBrand(ctx, in.Brand), in, q.now())
	})
}
