package moderation

import (
	"context"
	"fmt"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// EditsConsumerSuffix names moderation's consumer of edits: the configured
// consumer's name followed by it (a JetStream consumer has one filter set;
// the consumer of interaction.received is left as it was).
const EditsConsumerSuffix = "-edits"

// Lookup finds an interaction as received, to decide on an edit of it.
type Lookup interface {
	// Interaction returns the interaction; found is false when it is not
	// stored (yet).
	Interaction(ctx context.Context, brand, id string) (r v1.Received, found bool, err error)
}

// Interaction implements Lookup through analytics' detail endpoint.
func (h analyticsHistory) Interaction(ctx context.Context, brand, id string) (v1.Received, bool, error) {
	d, err := rpc.Ask(ctx, h.client, query.GetInteraction, query.GetInteractionRequest{Brand: brand, ID: id})
	if e := rpc.AsError(err); e != nil && e.Code == query.CodeNotFound {
		return v1.Received{}, false, nil
	}
	if err != nil {
		return v1.Received{}, false, err
	}
	return receivedOf(d.Interaction), true, nil
}

// handleEdits decides again on every edited text (interaction.updated), by
// the path of a received one: the interaction is looked up, its text
// replaced by the edit's, and the decision's id names the text
// (ModeratedEditID), so that the same edit redelivered is decided once and
// the new decision supersedes the previous one (later moderated_at). An edit
// of an interaction not stored yet is retried (analytics stores the
// interaction first in the usual order); one never stored ends on the DLQ.
// Edits do not feed the crisis windows: the interaction was counted once.
func (s *Service) handleEdits(ctx context.Context, batch []bus.Delivery[v1.Updated]) []error {
	errs := make([]error, len(batch))
	var (
		received []bus.Delivery[v1.Received]
		at       []int
	)
	for i, d := range batch {
		u := d.Event
		if err := u.Validate(); err != nil {
			errs[i] = bus.Permanent(err)
			continue
		}
		r, found, err := s.lookup.Interaction(d.Ctx, u.Brand, u.InteractionID)
		switch {
		case err != nil:
			errs[i] = fmt.Errorf("look up %s: %w", u.InteractionID, err)
			continue
		case !found:
			errs[i] = fmt.Errorf("edited interaction %s of %s is not stored yet", u.InteractionID, u.Brand)
			continue
		}
		r.Text = u.Text
		if u.Lang != "" {
			r.Lang = u.Lang
		}
		received = append(received, bus.Delivery[v1.Received]{Ctx: d.Ctx, Event: r, Env: d.Env, Delivered: d.Delivered})
		at = append(at, i)
	}
	if len(received) == 0 {
		return errs
	}
	for j, err := range s.moderate(ctx, received, true) {
		errs[at[j]] = err
	}
	return errs
}
