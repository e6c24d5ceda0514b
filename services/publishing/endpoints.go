package publishing

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

func (s *Service) startEndpoints() (*rpc.Server, error) {
	srv, err := rpc.NewServer(s.nc, query.PublishingService, "1.0.0", "Ruche publishing: connected accounts, approvals, the publish ledger", s.log)
	if err != nil {
		return nil, err
	}
	errs := []error{
		rpc.Handle(srv, query.PutAccount, func(ctx context.Context, r query.PutAccountRequest) (query.AccountView, error) {
			return s.accounts.Put(ctx, r.Account)
		}),
		rpc.Handle(srv, query.DeleteAccount, func(ctx context.Context, r query.DeleteAccountRequest) (query.Empty, error) {
			if err := brandOK(r.Brand); err != nil {
				return query.Empty{}, err
			}
			return query.Empty{}, s.accounts.Delete(ctx, r.Brand, r.ID)
		}),
		rpc.Handle(srv, query.ListAccounts, func(ctx context.Context, r query.ListAccountsRequest) (query.ListAccountsResponse, error) {
			if err := brandOK(r.Brand); err != nil {
				return query.ListAccountsResponse{}, err
			}
			accts, err := s.accounts.List(ctx, r.Brand)
			return query.ListAccountsResponse{Accounts: accts}, err
		}),
		rpc.Handle(srv, query.PutApproval, func(ctx context.Context, r query.PutApprovalRequest) (query.Empty, error) {
			if err := brandOK(r.Approval.Brand); err != nil {
				return query.Empty{}, err
			}
			return query.Empty{}, s.approvals.Put(ctx, r.Approval)
		}),
		rpc.Handle(srv, query.GetPause, func(ctx context.Context, r query.ListAccountsRequest) (query.PauseState, error) {
			return s.pauseState(ctx, r.Brand)
		}),
		rpc.Handle(srv, query.PausePublishing, s.pause),
		rpc.Handle(srv, query.ResumePublishing, s.resume),
		rpc.Handle(srv, query.OpenLink, s.open),
		rpc.Handle(srv, query.GetLinkSettings, func(ctx context.Context, r query.ListAccountsRequest) (query.LinkSettings, error) {
			if err := brandOK(r.Brand); err != nil {
				return query.LinkSettings{}, err
			}
			return s.links.Settings(ctx, r.Brand)
		}),
		rpc.Handle(srv, query.PutLinkSettings, s.links.PutSettings),
		rpc.Handle(srv, query.GetPublication, s.publication),
		rpc.Handle(srv, query.RetryPublication, s.retry),
		rpc.Handle(srv, query.ListDeadLetters, func(ctx context.Context, r query.ListAccountsRequest) (query.DeadLetters, error) {
			if err := brandOK(r.Brand); err != nil {
				return query.DeadLetters{}, err
			}
			entries, err := s.ledger.Targets(ctx, r.Brand, "")
			if err != nil {
				return query.DeadLetters{}, err
			}
			out := query.DeadLetters{Targets: []query.LedgerTarget{}}
			for _, e := range entries {
				if e.State == StateFailed && e.DeadLetter {
					out.Targets = append(out.Targets, e.view())
				}
			}
			sort.Slice(out.Targets, func(i, j int) bool { return out.Targets[i].UpdatedAt.After(out.Targets[j].UpdatedAt) })
			return out, nil
		}),
		rpc.Handle(srv, query.ListAudit, func(ctx context.Context, r query.ListAuditRequest) (query.AuditLog, error) {
			if err := brandOK(r.Brand); err != nil {
				return query.AuditLog{}, err
			}
			if r.Limit < 0 || r.Limit > query.MaxListLimit {
				return query.AuditLog{}, rpc.BadRequest("limit", "must be 0 to %d", query.MaxListLimit)
			}
			if r.Limit == 0 {
				r.Limit = 100
			}
			entries, err := s.audit.List(ctx, r.Brand, r.Limit)
			return query.AuditLog{Entries: entries}, err
		}),
	}
	errs = append(errs, s.webhookEndpoints(srv)...)
	if err := errors.Join(errs...); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}

func brandOK(brand string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return rpc.BadRequest("brand", "%s", err.Error())
	}
	return nil
}

// publication is a request's state from its targets': published when all
// are, partially published when some are and others failed for good.
func (s *Service) publication(ctx context.Context, ref query.PublicationRef) (query.Publication, error) {
	if err := brandOK(ref.Brand); err != nil {
		return query.Publication{}, err
	}
	if ref.RequestID == "" {
		return query.Publication{}, rpc.BadRequest("request_id", "is required")
	}
	entries, err := s.ledger.Targets(ctx, ref.Brand, ref.RequestID)
	if err != nil {
		return query.Publication{}, err
	}
	if len(entries) == 0 {
		return query.Publication{}, rpc.NotFound("no publish request %q for brand %s", ref.RequestID, ref.Brand)
	}
	p := query.Publication{RequestID: ref.RequestID, Brand: ref.Brand, Targets: []query.LedgerTarget{}}
	published, failed := 0, 0
	for _, e := range entries {
		p.Kind = e.Kind
		p.Targets = append(p.Targets, e.view())
		switch {
		case e.State == StatePublished:
			published++
		case e.done():
			failed++
		}
	}
	sort.Slice(p.Targets, func(i, j int) bool {
		return p.Targets[i].Network+"/"+p.Targets[i].Account < p.Targets[j].Network+"/"+p.Targets[j].Account
	})
	switch n := len(entries); {
	case published == n:
		p.State = query.PublicationPublished
	case published+failed < n:
		p.State = query.PublicationPending
	case published > 0:
		p.State = query.PublicationPartial
	default:
		p.State = query.PublicationFailed
	}
	return p, nil
}

// retry queues again the failed targets of a request (never a published
// one); the retry loop sends them within a second.
func (s *Service) retry(ctx context.Context, ref query.PublicationRef) (query.Publication, error) {
	if _, err := s.publication(ctx, ref); err != nil {
		return query.Publication{}, err
	}
	entries, err := s.ledger.Targets(ctx, ref.Brand, ref.RequestID)
	if err != nil {
		return query.Publication{}, err
	}
	for key := range entries {
		if err := s.requeue(ctx, key, func(e *Entry) bool { return e.State == StateFailed }); err != nil {
			return query.Publication{}, err
		}
	}
	return s.publication(ctx, ref)
}

// requeue queues the ledger entry at key again if it still satisfies
// failed; the retry loop sends it within a second.
func (s *Service) requeue(ctx context.Context, key string, failed func(*Entry) bool) error {
	for range 5 {
		e, rev, err := s.ledger.Get(ctx, key)
		if err != nil {
			return err
		}
		if !failed(e) {
			return nil
		}
		now := s.now().UTC()
		e.State, e.Retryable, e.DeadLetter, e.Reported = StateQueued, false, false, false
		e.Code, e.Reason, e.NextAttemptAt, e.UpdatedAt = "", "", now, now
		// A new round of attempts, the same idempotency key.
		e.RetryBase = e.Attempts
		_, err = s.ledger.Update(ctx, key, e, rev)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "retry_requested", "", "", ""))
		return nil
	}
	return fmt.Errorf("requeue %s: the entry kept changing", key)
}

// heldByPause is an entry the pause refused: it waits for the resume.
func heldByPause(e *Entry) bool { return e.State == StateFailed && e.Code == CodeCrisisPause }

// pauseState answers whether brand is paused and how many requests wait.
func (s *Service) pauseState(ctx context.Context, brand string) (query.PauseState, error) {
	if err := brandOK(brand); err != nil {
		return query.PauseState{}, err
	}
	ps, paused, err := s.pauses.paused(ctx, brand)
	if err != nil {
		return query.PauseState{}, err
	}
	st := query.PauseState{Brand: brand, Paused: paused}
	if paused {
		since := ps.Since
		st.CrisisID, st.By, st.Reason, st.Since = ps.CrisisID, ps.By, ps.Reason, &since
	}
	entries, err := s.ledger.Targets(ctx, brand, "")
	if err != nil {
		return query.PauseState{}, err
	}
	for _, e := range entries {
		if heldByPause(e) {
			st.Held++
		}
	}
	return st, nil
}

// MaxPauseReason bounds the reason a person gives for a pause.
const MaxPauseReason = 500

func (s *Service) pause(ctx context.Context, r query.PauseRequest) (query.PauseState, error) {
	if err := brandOK(r.Brand); err != nil {
		return query.PauseState{}, err
	}
	if r.By == "" {
		return query.PauseState{}, rpc.BadRequest("by", "is required (who pauses)")
	}
	if len([]rune(r.Reason)) > MaxPauseReason {
		return query.PauseState{}, rpc.BadRequest("reason", "must be at most %d characters", MaxPauseReason)
	}
	if err := s.pauses.Pause(ctx, r.Brand, r.By, r.Reason, s.now()); err != nil {
		return query.PauseState{}, err
	}
	_ = s.audit.Record(ctx, "", query.AuditEntry{Brand: r.Brand, Action: "paused", RequestedBy: r.By, Reason: r.Reason})
	return s.pauseState(ctx, r.Brand)
}

// resume lifts the pause, then queues again what it held; Held in the
// answer is how many were queued.
func (s *Service) resume(ctx context.Context, r query.PauseRequest) (query.PauseState, error) {
	if err := brandOK(r.Brand); err != nil {
		return query.PauseState{}, err
	}
	if r.By == "" {
		return query.PauseState{}, rpc.BadRequest("by", "is required (who resumes)")
	}
	if err := s.pauses.Resume(ctx, r.Brand); err != nil {
		return query.PauseState{}, err
	}
	_ = s.audit.Record(ctx, "", query.AuditEntry{Brand: r.Brand, Action: "resumed", RequestedBy: r.By, Reason: r.Reason})
	entries, err := s.ledger.Targets(ctx, r.Brand, "")
	if err != nil {
		return query.PauseState{}, err
	}
	queued := 0
	for key, e := range entries {
		if !heldByPause(e) {
			continue
		}
		if err := s.requeue(ctx, key, heldByPause); err != nil {
			return query.PauseState{}, err
		}
		queued++
	}
	return query.PauseState{Brand: r.Brand, Held: queued}, nil
}
