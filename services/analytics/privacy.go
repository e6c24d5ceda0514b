package analytics

import (
	"context"
	"log/slog"
	"time"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/privacy"
	"github.com/ruche-project/ruche/services/analytics/person"
)

// ErasuresBucket holds analytics' tombstones of erased authors (pkg/privacy).
const ErasuresBucket = "analytics_erasures"

// erasureAckWait leaves an erasure's mutations time to finish: a large
// brand's tables take seconds to rewrite.
const erasureAckWait = 5 * time.Minute

// eraser carries out privacy.erasure_requested.v1 on ClickHouse.
type eraser struct {
	people     person.Reader
	tombstones *privacy.Set
	log        *slog.Logger
}

// register adds the eraser's handler, on its own durable consumer, to r.
func (e *eraser) register(r *bus.Router, consumer string) error {
	return bus.Handle(r, consumer+"-erasures", e.handle, bus.AckWait(erasureAckWait))
}

// handle erases one author: the tombstone first, so that from then on the
// sink pseudonymises what it writes of them (a replay, a late redelivery);
// then the author's ids are added to it (the sink blanks their edits), then
// the stored rows are rewritten. Every step can run again: a redelivery
// repeats the erasure, which changes nothing more.
func (e *eraser) handle(ctx context.Context, r privacyv1.ErasureRequested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		return bus.Permanent(err)
	}
	t := privacy.FromRequest(r)
	if _, err := e.tombstones.Add(ctx, t); err != nil {
		return err
	}
	who := query.PersonRequest{Brand: r.Brand, Network: r.Network, AuthorID: r.AuthorID}
	ids, err := e.people.InteractionIDs(ctx, who)
	if err != nil {
		return err
	}
	t.InteractionIDs = ids
	if t, err = e.tombstones.Add(ctx, t); err != nil {
		return err
	}
	if err := e.people.Erase(ctx, who, r.Pseudonym, t.InteractionIDs); err != nil {
		return err
	}
	e.log.InfoContext(ctx, "author erased", "request", r.ID, "interactions", len(t.InteractionIDs))
	return nil
}

// erasedRequests names the erasure requests carried out for a subject.
func erasedRequests(set *privacy.Set) func(string) []string {
	return func(key string) []string {
		t, ok := set.Get(key)
		if !ok {
			return nil
		}
		return t.Requests
	}
}

// scrub applies the tombstones to a decoded event before the sink writes
// it: an erased author's interaction is stored pseudonymised, as Erase left
// the stored copy; an edit of an erased interaction loses its text; an
// erased author's follow is not stored. It reports whether d is kept.
func scrub(set *privacy.Set, d *decoded) bool {
	if set == nil {
		return true
	}
	if r := d.interaction; r != nil {
		p, ok := set.Author(r.Brand, r.Network, r.AuthorID, r.CreatedAt)
		if !ok {
			p, ok = set.Interaction(r.Brand, r.ID)
		}
		if ok {
			r.AuthorID, r.AuthorHandle, r.AuthorName, r.AuthorFollowers, r.AuthorVerified = p, "", "", 0, 0
			r.Text, r.URL = "", ""
		}
		return true
	}
	if o := d.other; o != nil {
		switch o.table {
		case "interaction_edits":
			if _, ok := set.Interaction(d.env.Brand, o.values[editInteractionID].(string)); ok {
				o.values[editText] = ""
			}
		case "drafts":
			if _, ok := set.Interaction(d.env.Brand, o.values[draftInteractionID].(string)); ok {
				o.values[draftText] = ""
			}
		case "draft_reviews":
			if _, ok := set.Interaction(d.env.Brand, o.values[reviewInteraction].(string)); ok {
				o.values[reviewText] = ""
			}
		case "followers":
			_, erased := set.Author(d.env.Brand, o.values[followerNetwork].(string), o.values[followerID].(string), o.values[followerFollowedAt].(time.Time))
			return !erased
		}
	}
	return true
}
