package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation/crisis"
)

// onErasure removes an erased author's texts from what moderation keeps:
// the samples of crisis evidence (the detector's state and every crisis
// record of the brand). Decisions, claims and policies hold no text.
func (s *Service) onErasure(ctx context.Context, r privacyv1.ErasureRequested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		return bus.Permanent(err)
	}
	if len(r.InteractionIDs) == 0 {
		return nil
	}
	n, err := s.crisis.erase(ctx, r.Brand, r.InteractionIDs)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "author erased", "request", r.ID, "crisis_samples", n)
	return nil
}

// erase drops the samples of ids from the brand's detector state (memory
// and KV) and its crisis records, and reports how many it dropped.
func (c *crisisTracker) erase(ctx context.Context, brand string, ids []string) (int, error) {
	erased := func(s crisis.Sample) bool { return slices.Contains(ids, s.ID) }
	dropped := 0
	c.mu.Lock()
	for _, b := range c.pending[brand] {
		before := len(b.Samples)
		b.Samples = slices.DeleteFunc(b.Samples, erased)
		dropped += before - len(b.Samples)
	}
	c.mu.Unlock()
	n, err := casJSON(ctx, c.kv, brand, func(st *crisis.State) bool {
		changed := 0
		if st.Open != nil {
			before := len(st.Open.Samples)
			st.Open.Samples = slices.DeleteFunc(st.Open.Samples, erased)
			changed += before - len(st.Open.Samples)
		}
		for _, b := range st.Pending {
			before := len(b.Samples)
			b.Samples = slices.DeleteFunc(b.Samples, erased)
			changed += before - len(b.Samples)
		}
		return changed > 0
	})
	if err != nil {
		return dropped, fmt.Errorf("erase from the crisis state of %s: %w", brand, err)
	}
	dropped += n
	lister, err := c.records.ListKeysFiltered(ctx, brand+".*")
	if err != nil {
		return dropped, err
	}
	for k := range lister.Keys() {
		n, err := casJSON(ctx, c.records, k, func(rec *query.Crisis) bool {
			before := len(rec.Samples)
			rec.Samples = slices.DeleteFunc(rec.Samples, func(s query.CrisisSample) bool { return slices.Contains(ids, s.InteractionID) })
			return len(rec.Samples) != before
		})
		if err != nil {
			_ = lister.Stop()
			return dropped, fmt.Errorf("erase from crisis %s: %w", k, err)
		}
		dropped += n
	}
	return dropped, nil
}

// casJSON rewrites the JSON value at k when change reports a change, with
// a compare-and-set on its revision; it returns 1 when it wrote, 0 when
// the key is missing or unchanged.
func casJSON[T any](ctx context.Context, kv jetstream.KeyValue, k string, change func(*T) bool) (int, error) {
	for range 10 {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		var v T
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			return 0, err
		}
		if !change(&v) {
			return 0, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if _, err = kv.Update(ctx, k, b, e.Revision()); errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
	return 0, fmt.Errorf("%w: %s keeps changing", ErrConflict, k)
}
