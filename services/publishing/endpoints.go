package publishing

import (
	"context"
	"errors"
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
		for range 5 {
			e, rev, err := s.ledger.Get(ctx, key)
			if err != nil {
				return query.Publication{}, err
			}
			if e.State != StateFailed {
				break
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
				return query.Publication{}, err
			}
			_ = s.audit.Record(ctx, entryAudit(e, "retry_requested", "", "", ""))
			break
		}
	}
	return s.publication(ctx, ref)
}
