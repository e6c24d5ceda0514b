package publishing

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/privacy"
)

// ErasuresBucket holds publishing's tombstones of erased authors
// (pkg/privacy).
const ErasuresBucket = "publishing_erasures"

// CodeErased is the failure of a reply to a person who was erased.
const CodeErased = "author_erased"

// onErasure erases what publishing holds about an author (GDPR art. 17):
// the replies to their interactions — the interactions of the request and
// of earlier ones (the tombstone) — lose their text in the ledger (the
// outcome, ids and network answer stay, so counts and KPIs do not move),
// their texts in the audit become unreadable (their data keys purged), and
// a reply to them not yet sent is not sent: it fails as author_erased. The
// tombstone keeps refusing replies to those interactions that arrive
// later. A reply in flight is erased once its call settles: the event is
// delivered again until then. Every step can run again.
func (s *Service) onErasure(ctx context.Context, r privacyv1.ErasureRequested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		return bus.Permanent(err)
	}
	t, err := s.erased.Add(ctx, privacy.FromRequest(r))
	if err != nil {
		return err
	}
	if err := s.audit.forget(ctx, r.Brand, t.InteractionIDs); err != nil {
		return err
	}
	entries, err := s.ledger.Targets(ctx, r.Brand, "")
	if err != nil {
		return err
	}
	var erased int
	for key, e := range entries {
		if e.InteractionID == "" || e.Kind != publishv1.KindReply || !slices.Contains(t.InteractionIDs, e.InteractionID) {
			continue
		}
		if err := s.eraseEntry(ctx, key); err != nil {
			return err
		}
		erased++
	}
	s.log.InfoContext(ctx, "author erased", "request", r.ID, "interactions", len(t.InteractionIDs), "replies", erased)
	return nil
}

// errInFlight is returned while a reply to erase is being sent.
var errInFlight = errors.New("a reply to the erased author is in flight")

// eraseEntry blanks one reply's text, failing it first when it was not
// sent yet.
func (s *Service) eraseEntry(ctx context.Context, key string) error {
	for range 5 {
		e, rev, err := s.ledger.Get(ctx, key)
		if err != nil {
			return err
		}
		switch {
		case e.Erased:
			return nil
		case e.State == StateSending || e.State == StateReconciling:
			return fmt.Errorf("erase %s: %w", key, errInFlight)
		case !e.done():
			err = s.settle(ctx, key, e, rev, nil, erasedRefusal()) // then read again, settled, and blanked
		default:
			e.Text, e.SentText, e.Erased = "", "", true
			_, err = s.ledger.Rewrite(ctx, key, e, rev)
			if err == nil {
				return nil
			}
		}
		if err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("erase %s: %w", key, ErrConflict)
}

func erasedRefusal() *NetworkError {
	return &NetworkError{Code: CodeErased, Permanent: true, Reason: "the person this reply answers was erased (GDPR art. 17): it is not sent"}
}

// erasedInteraction says whether an interaction's author was erased.
func (s *Service) erasedInteraction(brand, interactionID string) bool {
	_, ok := s.erased.Interaction(brand, interactionID)
	return ok
}
