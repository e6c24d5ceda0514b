package publishing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	replyv1 "github.com/ruche-project/ruche/events/reply/v1"
)

// idempotencyWindow is how long a network honours an idempotency key:
// within it, sending again with the same key cannot make a second item
// (Mastodon keeps keys an hour; the sandbox keeps its last 10,000). A
// network without one (Meta) has none: a lost post is unverifiable.
var idempotencyWindow = map[string]time.Duration{"mastodon": time.Hour, "sandbox": time.Hour}

// advance moves one ledger entry as far as it can go now. Every change is a
// compare-and-set on the entry's revision, so replicas racing on the same
// entry make one call; the loser reads the entry again.
func (s *Service) advance(ctx context.Context, key string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = s.recovered(ctx, key, p)
		}
	}()
	for range 5 {
		e, rev, err := s.ledger.Get(ctx, key)
		if err != nil {
			return err
		}
		err = s.step(ctx, key, e, rev)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("advance %s: %w", key, ErrConflict)
}

func (s *Service) step(ctx context.Context, key string, e *Entry, rev uint64) error {
	now := s.now().UTC()
	switch {
	case e.done():
		return s.report(ctx, key, e, rev)
	case e.State == StateFailed && now.Before(e.NextAttemptAt):
		return nil // the retry loop comes back at its time
	case e.State == StateSending && now.Before(e.SendingSince.Add(s.cfg.staleAfter())):
		return nil // a call in flight (here or on another replica)
	}
	network, ok := s.networks[e.Network]
	if !ok {
		return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: "unsupported", Reason: "publishing has no connector for " + e.Network, Permanent: true})
	}
	acct, err := s.accounts.Resolve(ctx, e.Brand, e.Network, e.Account)
	if errors.Is(err, ErrNoAccount) {
		return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: CodeNoAccount, Reason: err.Error(), Permanent: true})
	}
	if err != nil {
		return err
	}
	action := Action{Kind: e.Kind, Key: e.Key, Text: e.sent(), Lang: e.Lang, Media: e.Media, TargetID: e.TargetID, Attempt: e.Attempts + 1, FirstSentAt: e.FirstSentAt}

	// A call was made and its answer lost: ask the network what exists
	// before anything is sent again.
	if e.State == StateSending || e.State == StateReconciling || e.State == StateFailed && e.Uncertain {
		if e.State != StateReconciling {
			// Uncertain until the network has answered (a failed lookup
			// leaves it so: the next attempt asks again).
			e.State, e.UpdatedAt, e.NextAttemptAt, e.Uncertain = StateReconciling, now, now.Add(s.cfg.staleAfter()), true
			if rev, err = s.ledger.Update(ctx, key, e, rev); err != nil {
				return err
			}
		}
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		r, found, err := network.Find(rctx, acct, action)
		cancel()
		switch {
		case found:
			_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "reconciled", r.PlatformID, "", "found on the network"))
			return s.settle(ctx, key, e, rev, &r, nil)
		case errors.Is(err, ErrCannotFind):
			if e.Kind.NeedsApproval() && now.Sub(e.FirstSentAt) > idempotencyWindow[e.Network] {
				return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: CodeUnverifiable, Permanent: true,
					Reason: "a call's answer was lost and the network's idempotency window has passed: check the account before retrying"})
			}
			// Hide, unhide and delete are idempotent on the network; a post
			// or reply within the window is deduplicated by its key.
		case err != nil:
			return s.settle(ctx, key, e, rev, nil, asNetworkError(err))
		}
	}

	// A reply to a person since erased is not sent (privacy.go).
	if e.Kind == publishv1.KindReply && e.InteractionID != "" && s.erasedInteraction(e.Brand, e.InteractionID) {
		return s.settle(ctx, key, e, rev, nil, erasedRefusal())
	}
	// Safety: the brand's words go out only approved, and not in a crisis.
	if e.Kind.NeedsApproval() {
		kind, v := e.approved()
		ap, err := s.approvals.Check(ctx, e.Brand, kind, e.ApprovalID, v)
		if errors.Is(err, publishv1.ErrNotApproved) {
			_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "refused", "", CodeNotApproved, err.Error()))
			return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: CodeNotApproved, Reason: err.Error(), Permanent: true})
		}
		if err != nil {
			return err
		}
		e.ApprovedBy = ap.ApprovedBy
		ps, paused, err := s.pauses.paused(ctx, e.Brand)
		if err != nil {
			return err
		}
		if paused {
			reason := ps.why()
			_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "refused", "", CodeCrisisPause, reason))
			e.DeadLetter = true
			return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: CodeCrisisPause, Reason: reason})
		}
	}
	// Zero requests before a rate limit's reset.
	if until := s.accounts.RateLimitedUntil(ctx, acct); until.After(now) {
		e.State, e.Code, e.Reason, e.Retryable = StateFailed, CodeRateLimited, "the account is rate limited until "+until.Format(time.RFC3339), true
		e.NextAttemptAt, e.UpdatedAt, e.Account = until, now, acct.ID
		_, err := s.ledger.Update(ctx, key, e, rev)
		return err
	}

	// A network publishing cannot upload media to does not get the post
	// without them: a permanent refusal, saying so.
	if _, ok := network.(MediaUploader); len(e.Media) > 0 && !ok {
		return s.settle(ctx, key, e, rev, nil, &NetworkError{Code: "unsupported", Permanent: true,
			Reason: fmt.Sprintf("publishing cannot upload media to %s yet: the post is not sent without its %d media", e.Network, len(e.Media))})
	}
	// The intent: recorded before the call.
	e.State, e.Account, e.SendingSince, e.UpdatedAt = StateSending, acct.ID, now, now
	e.NextAttemptAt = now.Add(s.cfg.staleAfter())
	e.Attempts++
	if e.FirstSentAt.IsZero() {
		e.FirstSentAt = now
	}
	if rev, err = s.ledger.Update(ctx, key, e, rev); err != nil {
		return err
	}
	action.Attempt, action.FirstSentAt = e.Attempts, e.FirstSentAt
	if err := s.audit.Record(ctx, e.InteractionID, entryAudit(e, "sent", "", "", "")); err != nil {
		s.log.Warn("audit", "error", err)
	}
	if len(e.Media) > 0 {
		var ne *NetworkError
		if rev, ne, err = s.uploadMedia(ctx, key, e, rev, network, acct); err != nil {
			return err
		}
		if ne != nil {
			e.Uncertain = false // the post itself was not sent
			return s.settle(ctx, key, e, rev, nil, ne)
		}
		action.MediaRefs = e.MediaRefs
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	r, callErr := network.Do(cctx, acct, action)
	cancel()
	s.recordHealth(ctx, acct, callErr)
	// The result: recorded after it.
	if callErr != nil {
		ne := asNetworkError(callErr)
		// Only a call that may have acted is uncertain: no answer, a 5xx, an
		// unreadable 2xx; a refusal (429, a Graph rate limit) did nothing.
		e.Uncertain = !ne.Permanent && (ne.Status == 0 || ne.Status >= http.StatusInternalServerError)
		return s.settle(ctx, key, e, rev, nil, ne)
	}
	return s.settle(ctx, key, e, rev, &r, nil)
}

// settle records a result (r) or a failure (ne), then reports a final one.
func (s *Service) settle(ctx context.Context, key string, e *Entry, rev uint64, r *Result, ne *NetworkError) error {
	now := s.now().UTC()
	e.UpdatedAt, e.Reported = now, false
	if r != nil {
		e.State, e.PlatformID, e.URL, e.Uncertain = StatePublished, r.PlatformID, r.URL, false
		e.Code, e.Reason, e.Retryable, e.DeadLetter, e.NextAttemptAt = "", "", false, false, time.Time{}
		_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "published", r.PlatformID, "", ""))
	} else {
		e.State, e.Code, e.Reason, e.Retryable = StateFailed, ne.Code, ne.Reason, !ne.Permanent
		switch {
		case ne.Permanent:
			e.DeadLetter = true
		case e.DeadLetter: // a refusal only a retry through the API lifts
		case e.Attempts-e.RetryBase >= s.cfg.MaxAttempts:
			e.DeadLetter, e.Code = true, CodeRetriesExhausted
			e.Reason = fmt.Sprintf("%d attempts failed; last: %s", e.Attempts, ne.Error())
		default:
			e.NextAttemptAt = now.Add(s.backoff(e.Attempts - e.RetryBase))
			if ne.RetryAt.After(e.NextAttemptAt) {
				e.NextAttemptAt = ne.RetryAt
			}
		}
		if e.DeadLetter {
			_ = s.audit.Record(ctx, e.InteractionID, entryAudit(e, "failed", "", e.Code, e.Reason))
		}
	}
	next, err := s.ledger.Update(ctx, key, e, rev)
	if err != nil {
		return err
	}
	if e.done() {
		return s.report(ctx, key, e, next)
	}
	return nil
}

// backoff is the delay before attempt n+1: exponential, with full jitter
// over its upper half, so that replicas and accounts do not retry in step.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.BackoffBase
	for i := 1; i < n && d < s.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.cfg.BackoffMax)
	return d/2 + rand.N(d/2+1)
}

// report publishes the outcome of a final entry (and reply.sent for a
// reply), then marks it reported; a crash in between reports it again,
// under the same event ids.
func (s *Service) report(ctx context.Context, key string, e *Entry, rev uint64) error {
	if e.Reported {
		return nil
	}
	at := e.UpdatedAt
	var evs []events.Event
	ids := []string{}
	if e.State == StatePublished {
		ok := publishv1.Succeeded{
			ID: publishv1.OutcomeID(e.RequestID, e.Network, e.Account, "succeeded"), RequestID: e.RequestID, Brand: e.Brand, Kind: e.Kind,
			Network: e.Network, Account: e.Account, InteractionID: e.InteractionID, PlatformID: e.PlatformID, URL: e.URL,
			Attempts: e.Attempts, PublishedAt: at,
		}
		evs, ids = append(evs, ok), append(ids, ok.ID)
		if e.Kind == publishv1.KindReply && e.CommentOf == "" {
			sent := replyv1.Sent{ID: replyv1.SentID(e.Network, e.PlatformID), Brand: e.Brand, InteractionID: e.InteractionID,
				Network: e.Network, PlatformID: e.PlatformID, Private: false, SentAt: at}
			if strings.HasPrefix(e.ApprovedBy, "auto:") {
				sent.Automated = true
			} else {
				sent.Agent = e.ApprovedBy
			}
			evs, ids = append(evs, sent), append(ids, sent.ID)
		}
	} else {
		f := publishv1.Failed{
			ID: publishv1.OutcomeID(e.RequestID, e.Network, e.Account, "failed"), RequestID: e.RequestID, Brand: e.Brand, Kind: e.Kind,
			Network: e.Network, Account: e.Account, InteractionID: e.InteractionID, Code: e.Code, Reason: e.Reason,
			Retryable: e.Retryable, Attempts: e.Attempts, FailedAt: at,
		}
		evs, ids = append(evs, f), append(ids, f.ID)
	}
	// A published post's first comment is recorded before the post is
	// marked reported: a crash in between finds it recorded.
	var commentKey string
	if e.State == StatePublished && e.Kind == publishv1.KindPost && e.FirstComment != "" {
		ck, c := e.firstComment(s.now().UTC())
		if _, err := s.ledger.Create(ctx, ck, c); err != nil {
			return err
		}
		commentKey = ck
	}
	// A published post's counts are read from now on (before it is marked
	// reported: a crash in between tracks it again, which changes nothing).
	if err := s.trackPublished(ctx, e); err != nil {
		return err
	}
	for i, ev := range evs {
		if err := s.emit(ctx, ev, ids[i], e.Brand, at); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	e.Reported = true
	_, err := s.ledger.Update(ctx, key, e, rev)
	if errors.Is(err, ErrConflict) {
		return nil // reported again by whoever moved it; ids collapse
	}
	if err == nil && commentKey != "" {
		// The comment is due in the ledger: an error here is the retry
		// loop's to take up.
		if cerr := s.advance(ctx, commentKey); cerr != nil {
			s.log.WarnContext(ctx, "first comment", "request", e.RequestID, "network", e.Network, "error", cerr)
		}
	}
	return err
}

// auditOf is the audit entry of a request's target.
func auditOf(r publishv1.Requested, action string, t publishv1.Variant, code, reason string) query.AuditEntry {
	a := query.AuditEntry{Brand: r.Brand, RequestID: r.ID, Kind: r.Kind, Network: t.Network, Account: t.Account, Action: action,
		RequestedBy: r.RequestedBy, ApprovalID: r.ApprovalID, Text: t.Text, Code: code, Reason: reason}
	if a.Brand == "" {
		a.Brand = "_invalid"
	}
	if t.Text != "" {
		a.ContentHash = publishv1.ContentHash(t.Text)
	}
	if r.Kind != publishv1.KindPost {
		_, a.TargetID, _ = publishv1.ParseInteractionID(r.InteractionID)
	}
	return a
}

// entryAudit is the audit entry of a ledger entry's action.
func entryAudit(e *Entry, action, platformID, code, reason string) query.AuditEntry {
	a := query.AuditEntry{Brand: e.Brand, RequestID: e.RequestID, Kind: e.Kind, Network: e.Network, Account: e.Account, Action: action,
		RequestedBy: e.RequestedBy, ApprovedBy: e.ApprovedBy, ApprovalID: e.ApprovalID, Text: e.sent(), TargetID: e.TargetID,
		PlatformID: platformID, Code: code, Reason: reason}
	if e.Text != "" {
		a.ContentHash = publishv1.ContentHash(e.Text)
	}
	return a
}
