package drafting

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/privacy"
)

// ErasuresBucket holds drafting's tombstones of erased authors (pkg/privacy).
const ErasuresBucket = "drafting_erasures"

// onErasure erases what drafting holds about an author: the drafts of
// their interactions (text, review trail, and the interaction each
// answers). The interactions are those of the request,
// those of earlier requests (the tombstone) and those drafting kept with
// the author's id; the tombstone keeps them all, so that a late
// interaction.received or interaction.moderated does not bring a draft
// back.
func (s *Service) onErasure(ctx context.Context, r privacyv1.ErasureRequested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		return bus.Permanent(err)
	}
	t := privacy.FromRequest(r)
	kept, err := s.keptIDsOf(ctx, r.Brand, r.Network, r.AuthorID)
	if err != nil {
		return err
	}
	t.InteractionIDs = append(t.InteractionIDs, kept...)
	if t, err = s.erased.Add(ctx, t); err != nil {
		return err
	}
	for _, id := range t.InteractionIDs {
		k := key(r.Brand, id)
		if err := s.drafts.Purge(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("erase %s: %w", k, err)
		}
	}
	s.log.InfoContext(ctx, "author erased", "request", r.ID, "interactions", len(t.InteractionIDs))
	return nil
}

// keptIDsOf lists the interactions of one author whose drafts drafting
// keeps (a draft record keeps the interaction it answers).
func (s *Service) keptIDsOf(ctx context.Context, brand, network, authorID string) ([]string, error) {
	lister, err := s.drafts.ListKeysFiltered(ctx, brand+".*")
	if err != nil {
		return nil, err
	}
	var ids []string
	for k := range lister.Keys() {
		rec, err := get[record](ctx, s.drafts, k)
		in := rec.Interaction
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			_ = lister.Stop()
			return nil, err
		}
		if in.Network == network && in.AuthorID == authorID {
			ids = append(ids, in.ID)
		}
	}
	return ids, nil
}

// Export answers the drafts of the interactions named and what drafting
// keeps of those interactions (GDPR art. 15).
func (s *Service) Export(ctx context.Context, r query.PersonDraftsRequest) (query.PersonDrafts, error) {
	out := query.PersonDrafts{Drafts: []query.Draft{}, Interactions: []query.PersonDraftSource{}}
	if err := events.ValidateBrand(r.Brand); err != nil {
		return out, fmt.Errorf("%w: brand: %v", ErrInvalid, err)
	}
	if len(r.InteractionIDs) > query.MaxPersonInteractions {
		return out, fmt.Errorf("%w: interaction_ids: at most %d", ErrInvalid, query.MaxPersonInteractions)
	}
	ids := slices.Clone(r.InteractionIDs)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		k := key(r.Brand, id)
		rec, err := get[record](ctx, s.drafts, k)
		switch {
		case err == nil:
			out.Drafts = append(out.Drafts, rec.Draft)
		case !errors.Is(err, ErrNotFound):
			return out, err
		}
		if err == nil && rec.Interaction.ID != "" {
			in := rec.Interaction
			out.Interactions = append(out.Interactions, query.PersonDraftSource{ID: in.ID, Text: in.Text, Lang: in.Lang, Author: in.Author})
		}
	}
	return out, nil
}
