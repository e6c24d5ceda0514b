package drafting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ruche-project/ruche/events"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/kvcas"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// record is a draft as stored: the API's view, and the last version whose
// draft.created event is known to be published.
type record struct {
	Draft     query.Draft `json:"draft"`
	Published int         `json:"published"`
	// Priority of the interaction (four-eyes per priority).
	Priority int `json:"priority"`
	// Interaction is what the draft answers (its latest text), for edits
	// and regenerations; records written before it lack it (its ID is "").
	Interaction Interaction `json:"interaction,omitzero"`
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

// onModerated drafts the reply of an interaction that needs one, once. The
// decision carries the text decided on, so drafting keeps nothing of an
// interaction it does not draft for; a decision published before it did
// is drafted from analytics' copy.
func (s *Service) onModerated(ctx context.Context, m interactionv1.Moderated, _ events.Envelope) error {
	intent, ok := needsReply(m)
	if m.Content != nil && m.ID != interactionv1.ModeratedID(m.InteractionID, m.PolicyVersion) {
		// A decision on an edit (ModeratedEditID): a draft written before
		// it answers the edited text from now on.
		if err := s.onEdit(ctx, m, intent); err != nil {
			return err
		}
	}
	if !ok || s.erasedDecision(m) {
		return nil
	}
	in, err := decided(m)
	if errors.Is(err, errNoContent) {
		in, err = s.find(ctx, m.Brand, m.InteractionID)
		in.Lang = cmp.Or(in.Lang, labelLang(m))
	}
	if err != nil {
		return err
	}
	in.Intent, in.Priority = intent, m.Priority
	_, err = s.draft(ctx, in, "", "moderation", false)
	return err
}

// erasedDecision: the decision is on an erased interaction, or on one an
// erased author wrote before their erasure request.
func (s *Service) erasedDecision(m interactionv1.Moderated) bool {
	if _, erased := s.erased.Interaction(m.Brand, m.InteractionID); erased {
		return true
	}
	if m.Content == nil || m.InteractionCreatedAt.IsZero() {
		return false
	}
	_, erased := s.erased.Author(m.Brand, m.Network, m.Content.Author.ID, m.InteractionCreatedAt)
	return erased
}

// errNoContent: a decision published before decisions carried their text.
var errNoContent = errors.New("the decision carries no content")

// decided is the interaction as the decision saw it.
func decided(m interactionv1.Moderated) (Interaction, error) {
	if m.Content == nil {
		return Interaction{}, errNoContent
	}
	author := m.Content.Author.DisplayName
	if author == "" {
		author = m.Content.Author.Handle
	}
	return Interaction{ID: m.InteractionID, Brand: m.Brand, Network: m.Network, Text: m.Content.Text,
		Lang: cmp.Or(m.Content.Lang, labelLang(m)), Author: author, AuthorID: m.Content.Author.ID}, nil
}

// labelLang is the language moderation detected ("lang:fr"), "" if none.
func labelLang(m interactionv1.Moderated) string {
	for _, l := range m.Labels {
		if lang, ok := strings.CutPrefix(l, "lang:"); ok {
			return lang
		}
	}
	return ""
}

// onEdit puts an edited text in the interaction's draft record, if it has
// one. The draft itself is not rewritten (a moderator regenerates it); its
// checks and regenerations read the new text.
func (s *Service) onEdit(ctx context.Context, m interactionv1.Moderated, intent string) error {
	in, err := decided(m)
	if err != nil {
		return err
	}
	_, err = update(ctx, s.drafts, key(m.Brand, m.InteractionID), false, func(r *record) error {
		in.Intent = cmp.Or(intent, r.Interaction.Intent)
		r.Interaction = in
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// interaction is what the interaction's draft answers, else analytics'
// copy (an interaction drafted on request, or a record older than the
// Interaction field).
func (s *Service) interaction(ctx context.Context, brand, id string) (Interaction, error) {
	if _, erased := s.erased.Interaction(brand, id); erased {
		return Interaction{}, fmt.Errorf("interaction %s of %s: its author was erased: %w", id, brand, ErrNotFound)
	}
	rec, err := get[record](ctx, s.drafts, key(brand, id))
	switch {
	case err == nil && rec.Interaction.ID != "":
		in := rec.Interaction
		in.Priority = rec.Priority
		return in, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Interaction{}, err
	}
	in, err := s.find(ctx, brand, id)
	if err == nil && rec.Priority > 0 {
		in.Priority = rec.Priority
	}
	return in, err
}

// find asks analytics for the interaction.
func (s *Service) find(ctx context.Context, brand, id string) (Interaction, error) {
	in, err := s.finder.FindInteraction(ctx, brand, id)
	if err != nil {
		// Moderation may be ahead of analytics' sink: a redelivery finds it.
		return in, fmt.Errorf("interaction %s of %s: %w", id, brand, err)
	}
	return in, nil
}

// draft writes the first version (or, with regenerate, the next one) of
// in's draft and publishes it. Without regenerate, an existing draft is
// returned as it is (a redelivery).
func (s *Service) draft(ctx context.Context, in Interaction, instruction, by string, regenerate bool) (query.Draft, error) {
	k := key(in.Brand, in.ID)
	existing, err := getStored[record](ctx, s.drafts, k)
	switch {
	case err == nil && !regenerate:
		return existing.Value.Draft, s.publishPending(ctx, k, existing)
	case err == nil && existing.Value.Draft.Status == query.DraftApproved:
		return existing.Value.Draft, fmt.Errorf("%w: the draft is approved; it cannot be regenerated", ErrConflict)
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
	// From the record read above (none: a create), unless it moved since.
	rec, err := updateFrom(ctx, s.drafts, k, &existing, true, func(r *record) error {
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
		if r.Interaction.ID == "" {
			// Only an edit replaces it (onEdit): in may predate one.
			r.Interaction = in
		}
		r.Draft = query.Draft{Current: c, Status: query.DraftPending, Original: c.Text,
			Audit: append(r.Draft.Audit, query.DraftStep{Action: action, By: by, Version: c.Version, Detail: instruction, At: now}), UpdatedAt: now}
		return nil
	})
	if err != nil {
		return query.Draft{}, err
	}
	return rec.Value.Draft, s.publishPending(ctx, k, rec)
}

// publishPending publishes the current version's draft.created when the
// record does not say it was, then records that it was.
func (s *Service) publishPending(ctx context.Context, k string, rec kvcas.Entry[record]) error {
	c := rec.Value.Draft.Current
	if rec.Value.Published >= c.Version {
		return nil
	}
	if err := s.publish(ctx, c, c.ID, c.Brand); err != nil {
		return err
	}
	_, err := updateFrom(ctx, s.drafts, k, &rec, false, func(r *record) error {
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
