package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

// queries serves the query/v1 endpoints of analytics as a nats.go micro
// service (discoverable, with stats); replicas share a queue group.
type queries struct {
	cfg   Config
	store store
	// reports keeps the scheduled reports' settings, records and files.
	reports *reportStore
	log     *slog.Logger
	now     func() time.Time
	// inflight is read-locked by each request and write-locked at shutdown,
	// which waits for running requests and turns later ones away.
	inflight sync.RWMutex
}

// start adds the micro service and its endpoints on nc.
func (q *queries) start(nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{
		Name:        query.AnalyticsService,
		Version:     ServiceVersion,
		Description: "Ruche analytics: inbox and KPI queries over ClickHouse",
	})
	if err != nil {
		return nil, err
	}
	if err := svc.AddEndpoint("list_interactions", micro.HandlerFunc(q.listInteractions),
		micro.WithEndpointSubject(query.ListInteractionsSubject)); err != nil {
		_ = svc.Stop()
		return nil, err
	}
	for _, e := range []struct {
		name, subject string
		handler       micro.HandlerFunc
	}{
		{"search_interactions", query.SearchInteractionsSubject, q.searchInteractions},
		{"get_interaction", query.GetInteractionSubject, q.getInteraction},
		{"kpis", query.KPIsSubject, q.kpis},
		{"segments", query.SegmentSubject, q.segment},
		{"contest_draw", query.ContestDrawSubject, q.drawContest},
		{"contest_get", query.ContestGetSubject, q.getContest},
		{"contest_verify", query.ContestVerifySubject, q.verifyContest},
		{"weekly_report", query.WeeklyReportSubject, q.weeklyReport},
		{"report_settings_get", query.GetReportSettingsSubject, q.getReportSettings},
		{"report_settings_put", query.PutReportSettingsSubject, q.putReportSettings},
		{"stored_reports_list", query.ListStoredReportsSubject, q.listStoredReports},
		{"stored_report_get", query.GetStoredReportSubject, q.getStoredReport},
	} {
		if err := svc.AddEndpoint(e.name, e.handler, micro.WithEndpointSubject(e.subject)); err != nil {
			_ = svc.Stop()
			return nil, err
		}
	}
	return svc, nil
}

// stop drains the endpoints and waits for the requests being answered.
func (q *queries) stop(svc micro.Service) {
	if err := svc.Stop(); err != nil {
		q.log.Warn("stop micro service", "error", err)
	}
	q.inflight.Lock()
}

func (q *queries) listInteractions(req micro.Request) {
	if !q.inflight.TryRLock() {
		q.fail(context.Background(), req, errors.New("shutting down"))
		return
	}
	defer q.inflight.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), q.cfg.QueryTimeout)
	defer cancel()
	ctx = obs.WithCorrelationID(ctx, req.Headers().Get(events.HeaderCorrelationID))

	var in query.ListInteractionsRequest
	if err := json.Unmarshal(req.Data(), &in); err != nil {
		q.fail(ctx, req, badRequest{"request body must be a ListInteractionsRequest JSON object"})
		return
	}
	p, err := parseList(in)
	if err != nil {
		q.fail(ctx, req, err)
		return
	}
	ctx = obs.WithBrand(ctx, p.brand)
	resp, err := q.store.listInteractions(ctx, p)
	if err != nil {
		q.fail(ctx, req, err)
		return
	}
	if err := req.RespondJSON(resp); err != nil {
		q.log.WarnContext(ctx, "reply to list interactions", "error", err)
	}
}

// fail answers with CodeBadRequest and the error's text for a badRequest,
// and with CodeInternal and a generic text otherwise (the detail is logged).
func (q *queries) fail(ctx context.Context, req micro.Request, err error) {
	var (
		bad     badRequest
		field   fieldError
		missing notFound
		lost    conflict
	)
	code, text, data := query.CodeInternal, "internal error", []byte(nil)
	switch {
	case errors.As(err, &bad):
		code, text = query.CodeBadRequest, bad.msg
	case errors.As(err, &field):
		// The field travels in the data, for the gateway to name it.
		code, text = query.CodeBadRequest, field.Error()
		data, _ = json.Marshal(map[string]string{"field": field.field})
	case errors.As(err, &missing):
		code, text = query.CodeNotFound, missing.msg
	case errors.As(err, &lost):
		code, text = query.CodeConflict, lost.msg
	default:
		q.log.ErrorContext(ctx, "query failed", "subject", req.Subject(), "error", err)
	}
	if rerr := req.Error(code, text, data); rerr != nil {
		q.log.WarnContext(ctx, "reply with an error", "subject", req.Subject(), "error", rerr)
	}
}
