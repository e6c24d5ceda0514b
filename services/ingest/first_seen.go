package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// FirstSeenBucket is the NATS KV bucket, owned by ingest, that records
// every interaction published (key: a hash of its event id; value: its
// first received_at). An item read again — a backfill, the catch-up poll
// after a restart re-reading what the stream delivered, a network's late
// redelivery — is not published again, long after the bus's 2-minute
// duplicate window: its first received_at and source stand.
//
// The record lives in ingest rather than as a "keep the first" rule in
// analytics because ingest is where a re-read happens and every consumer
// (moderation decides once, analytics counts once, the inbox keeps its
// order) then sees one event; a rule in analytics would leave moderation
// deciding again and every other consumer to repeat it.
const FirstSeenBucket = "ingest_first_seen"

// FirstSeenTTL is how long an item's record is kept, and so the backfill
// horizon: a backfill may not reach further back (a re-read of an older
// item could not be told from a new one).
const FirstSeenTTL = 90 * 24 * time.Hour

// firstSeen is the record of published items.
type firstSeen struct {
	kv jetstream.KeyValue
}

func openFirstSeen(ctx context.Context, js jetstream.JetStream, replicas int) (*firstSeen, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: FirstSeenBucket, TTL: FirstSeenTTL, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", FirstSeenBucket, err)
	}
	return &firstSeen{kv: kv}, nil
}

// firstSeenKey is a valid KV key for any event id (ids hold ':', '/' and
// more that keys may not).
func firstSeenKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:16])
}

// publish publishes r unless it was published before, and records it once
// the bus has it. It reports whether r was a duplicate. The record is
// written after the publish, so a crash in between re-publishes (the bus's
// window collapses it) and never loses an item; two readers racing for one
// new item (a stream and a poll) both publish it, and the bus keeps one.
func (s *Service) publish(ctx context.Context, r v1.Received) (bool, error) {
	key := firstSeenKey(r.ID)
	_, err := s.seen.kv.Get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return false, fmt.Errorf("first-seen record of %s: %w", r.ID, err)
	}
	env, err := events.NewEnvelope(r, r.ID, r.Brand, r.ReceivedAt)
	if err != nil {
		return false, err
	}
	p, err := s.pub.PublishEvent(ctx, r, env)
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", r.ID, err)
	}
	if _, err := s.seen.kv.Put(ctx, key, []byte(r.ReceivedAt.UTC().Format(time.RFC3339Nano))); err != nil {
		// Published: the item is safe; only a re-read after the bus's
		// window would publish it again.
		s.log.WarnContext(ctx, "record first-seen", "event_id", r.ID, "error", err)
	}
	return p.Duplicate, nil
}
