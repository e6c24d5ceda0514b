package drafting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ruche-project/ruche/events"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// record is a draft as stored: the API's view, and the last version whose
// draft.created event is known to be published.
type record struct {
	Draft     query.Draft `json:"draft"`
	Published int         `json:"published"`
	// Priority of the interaction (four-eyes per priority).
	Priority int `json:"priority"`
}

// onReceived keeps what a draft needs of the interaction.
func (s *Service) onReceived(ctx context.Context, r interactionv1.Received, env events.Envelope) error {
	if _, erased := s.erased.Author(r.Brand, r.Network, r.Author.ID, r.CreatedAt); erased {
		return nil
	}
	author := r.Author.DisplayName
	if author == "" {
		author = r.Author.Handle
	}
	return put(ctx, s.interactions, key(r.Brand, r.ID), Interaction{
		ID: r.ID, Brand: r.Brand, Network: r.Network, Text: r.Text, Lang: r.Lang, Author: author, AuthorID: r.Author.ID})
}

// needsReply: moderation asked for one, or the interaction asks something
// and was not hidden.
func needsReply(m interactionv1.Moderated) (intent string, ok bool) {
	for _, l := range m.Labels {
		if i, found := strings.CutPrefix(l, "intent:"); found && (i == "question" || i == "complaint" || i == "purchase") {
			intent = i
		}
	}
	switch m.Verdict {
	case interactionv1.VerdictHide, interactionv1.VerdictSpam, interactionv1.VerdictIgnore:
		return intent, false
	}
	return intent, intent != "" || slices.Contains(m.Actions, "needs_reply")
}

// onModerated drafts the reply of an interaction that needs one, once.
func (s *Service) onModerated(ctx context.Context, m interactionv1.Moderated, _ events.Envelope) error {
	intent, ok := needsReply(m)
	if _, erased := s.erased.Interaction(m.Brand, m.InteractionID); !ok || erased {
		return nil
	}
	in, err := s.interaction(ctx, m.Brand, m.InteractionID)
	if err != nil {
		return err
	}
	in.Intent, in.Priority = intent, m.Priority
	for _, l := range m.Labels {
		if lang, ok := strings.CutPrefix(l, "lang:"); ok && in.Lang == "" {
			in.Lang = lang
		}
	}
	_, err = s.draft(ctx, in, "", "moderation", false)
	return err
}

// interaction is the kept interaction, else analytics'.
func (s *Service) interaction(ctx context.Context, brand, id string) (Interaction, error) {
	if _, erased := s.erased.Interaction(brand, id); erased {
		return Interaction{}, fmt.Errorf("interaction %s of %s: its author was erased: %w", id, brand, ErrNotFound)
	}
	in, err := get[Interaction](ctx, s.interactions, key(brand, id))
	if err == nil {
		return in, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return in, err
	}
	in, err = s.finder.FindInteraction(ctx, brand, id)
	if err != nil {
		// Moderation may be ahead of this replica's received consumer:
		// a redelivery finds it.
		return in, fmt.Errorf("interaction %s of %s: %w", id, brand, err)
	}
	return in, nil
}

// draft writes the first version (or, with regenerate, the next one) of
// in's draft and publishes it. Without regenerate, an existing draft is
// returned as it is (a redelivery).
func (s *Service) draft(ctx context.Context, in Interaction, instruction, by string, regenerate bool) (query.Draft, error) {
	k := key(in.Brand, in.ID)
	existing, err := get[record](ctx, s.drafts, k)
	switch {
	case err == nil && !regenerate:
		return existing.Draft, s.publishPending(ctx, k, existing)
	case err == nil && existing.Draft.Status == query.DraftApproved:
		return existing.Draft, fmt.Errorf("%w: the draft is approved; it cannot be regenerated", ErrConflict)
	case err != nil && !errors.Is(err, ErrNotFound):
		return query.Draft{}, err
	}
	b, err := s.brands.Get(ctx, in.Brand)
	if err != nil {
		return query.Draft{}, err
	}
	c := s.compose(ctx, b, in, instruction)
	now := s.now().UTC()
	c.DraftID, c.RequestedBy, c.CreatedAt = draftv1.DraftID(in.ID), by, now
	rec, err := update(ctx, s.drafts, k, true, func(r *record) error {
		if r.Draft.Current.Version > 0 && !regenerate {
			return nil // another replica drafted it first
		}
		if r.Draft.Status == query.DraftApproved {
			return fmt.Errorf("%w: the draft is approved; it cannot be regenerated", ErrConflict)
		}
		c.Version = r.Draft.Current.Version + 1
		c.ID = draftv1.CreatedID(c.DraftID, c.Version)
		action := "drafted"
		if c.Version > 1 {
			action = "regenerated"
		}
		r.Priority = max(r.Priority, in.Priority)
		r.Draft = query.Draft{Current: c, Status: query.DraftPending, Original: c.Text,
			Audit: append(r.Draft.Audit, query.DraftStep{Action: action, By: by, Version: c.Version, Detail: instruction, At: now}), UpdatedAt: now}
		return nil
	})
	if err != nil {
		return query.Draft{}, err
	}
	return rec.Draft, s.publishPending(ctx, k, rec)
}

// publishPending publishes the current version's draft.created when the
// record does not say it was, then records that it was.
func (s *Service) publishPending(ctx context.Context, k string, rec record) error {
	c := rec.Draft.Current
	if rec.Published >= c.Version {
		return nil
	}
	if err := s.publish(ctx, c, c.ID, c.Brand); err != nil {
		return err
	}
	_, err := update(ctx, s.drafts, k, false, func(r *record) error {
		r.Published = max(r.Published, c.Version)
		return nil
	})
	return err
}

func (s *Service) publish(ctx context.Context, e events.Event, id, brand string) error {
	env, err := events.NewEnvelope(e, id, brand, s.now())
	if err != nil {
		return err
	}
	if _, err := s.pub.PublishEvent(ctx, e, env); err != nil {
		return fmt.Errorf("publish %s %s: %w", e.Name(), id, err)
	}
	return nil
}

// analyticsFinder asks analytics for an interaction.
type analyticsFinder struct{ client *rpc.Client }

func (a analyticsFinder) FindInteraction(ctx context.Context, brand, id string) (Interaction, error) {
	d, err := rpc.Ask(ctx, a.client, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	if err != nil {
		return Interaction{}, err
	}
	author := d.AuthorName
	if author == "" {
		author = d.AuthorHandle
	}
	return Interaction{ID: d.ID, Brand: brand, Network: d.Network, Text: d.Text, Lang: d.Lang, Author: author, Priority: d.Priority}, nil
}
