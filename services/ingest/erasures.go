package ingest

import (
	"context"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/privacy"
)

// ErasuresBucket holds ingest's tombstones of erased authors (pkg/privacy):
// ingest keeps nothing else about an author (its first-seen records are
// digests of ids), but it must not bring an erased author's old items back
// (a backfill, a late delivery, a re-read past the first-seen records' 90
// days).
const ErasuresBucket = "ingest_erasures"

// erasureConsumer is ingest's durable consumer of erasure requests.
const erasureConsumer = "ingest-erasures"

// onErasure records the tombstone of an erasure request.
func (s *Service) onErasure(ctx context.Context, r privacyv1.ErasureRequested, _ events.Envelope) error {
	if err := r.Validate(); err != nil {
		return bus.Permanent(err)
	}
	_, err := s.erased.Add(ctx, privacy.FromRequest(r))
	return err
}
