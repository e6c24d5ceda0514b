package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/kvread"
	"github.com/ruche-project/ruche/services/ingest/internal/coalesce"
)

// FirstSeenBucket is the NATS KV bucket, owned by ingest, that records
// every interaction published (key: a hash of its event id; value: a
// seenRecord — its first received_at, the hash of the last text published
// and whether it was deleted). An item read again — a backfill, the catch-up poll
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
	js jetstream.JetStream
	// reads coalesces the lookups of concurrent publications (webhook
	// deliveries mostly carry one item each) into batched reads.
	reads *coalesce.Batcher[string, seenValue]
}

// seenValue is a record as stored; found is false when there is none.
type seenValue struct {
	data  []byte
	found bool
}

// Where the bucket's records are, as kv.Get and kv.Put address them.
const (
	firstSeenStream = "KV_" + FirstSeenBucket
	firstSeenPrefix = "$KV." + FirstSeenBucket + "."
)

// firstSeenTimeout bounds one read of records, as jetstream's default
// timeout bounds a kv.Get: the callers of a batch wait for it whatever
// their own contexts say.
const firstSeenTimeout = 5 * time.Second

func openFirstSeen(ctx context.Context, js jetstream.JetStream, replicas int) (*firstSeen, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: FirstSeenBucket, TTL: FirstSeenTTL, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", FirstSeenBucket, err)
	}
	f := &firstSeen{kv: kv, js: js}
	f.reads = coalesce.New(f.readAll)
	return f, nil
}

// readAll reads the records of keys: one batched read, or for fewer than
// kvread.MinBatch keys one kv.Get each, at once.
func (f *firstSeen) readAll(keys []string) ([]seenValue, []error) {
	ctx, cancel := context.WithTimeout(context.Background(), firstSeenTimeout)
	defer cancel()
	vals, errs := make([]seenValue, len(keys)), make([]error, len(keys))
	if len(keys) < kvread.MinBatch {
		var wg sync.WaitGroup
		for i, key := range keys {
			wg.Go(func() {
				e, err := f.kv.Get(ctx, key)
				switch {
				case errors.Is(err, jetstream.ErrKeyNotFound):
				case err != nil:
					errs[i] = err
				default:
					vals[i] = seenValue{data: e.Value(), found: true}
				}
			})
		}
		wg.Wait()
		return vals, errs
	}
	for start := 0; start < len(keys); start += kvread.Max {
		chunk := keys[start:min(len(keys), start+kvread.Max)]
		subjects := make([]string, len(chunk))
		for j, key := range chunk {
			subjects[j] = firstSeenPrefix + key
		}
		live, err := kvread.Last(ctx, f.js, firstSeenStream, subjects)
		for j, subject := range subjects {
			if err != nil {
				errs[start+j] = err
				continue
			}
			data, found := live[subject]
			vals[start+j] = seenValue{data: data, found: found}
		}
	}
	return vals, errs
}

// firstSeenKey is a valid KV key for any event id (ids hold ':', '/' and
// more that keys may not).
func firstSeenKey(brand, id string) string {
	// The brand is part of the key: one post can mention two brands, and
	// each brand receives it once (as the bus's Nats-Msg-Id does).
	h := sha256.Sum256([]byte(brand + "/" + id))
	return hex.EncodeToString(h[:16])
}

// seenRecord is the value of an interaction's first-seen record. Records
// written before edits were followed hold only the RFC 3339 received_at.
type seenRecord struct {
	ReceivedAt time.Time `json:"received_at"`
	// TextHash is v1.TextHash of the last text published (received or edited).
	TextHash string `json:"text_hash,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// get reads the record of an interaction; found is false when it has none.
func (f *firstSeen) get(ctx context.Context, brand, id string) (rec seenRecord, found bool, err error) {
	v, err := f.reads.Do(firstSeenKey(brand, id))
	switch {
	case err != nil:
		return seenRecord{}, false, fmt.Errorf("first-seen record of %s: %w", id, err)
	case !v.found:
		return seenRecord{}, false, nil
	}
	if json.Unmarshal(v.data, &rec) != nil {
		// An older record: its received_at only, the text unknown.
		rec = seenRecord{}
		rec.ReceivedAt, _ = time.Parse(time.RFC3339Nano, string(v.data))
	}
	return rec, true, nil
}

// put writes the record of an interaction once the bus has its event. A
// failure is only logged: the event is safe, and only a re-read after the
// bus's window would publish it again.
func (s *Service) putSeen(ctx context.Context, brand, id string, rec seenRecord) {
	b, err := json.Marshal(rec)
	if err == nil {
		err = s.seen.put(ctx, firstSeenKey(brand, id), b)
	}
	if err != nil {
		s.log.WarnContext(ctx, "record first-seen", "event_id", id, "error", err)
	}
}

// put is kv.Put acked through the connection's asynchronous publisher
// (one reply subscription for every write, not a request each).
func (f *firstSeen) put(ctx context.Context, key string, value []byte) error {
	msg := nats.NewMsg(firstSeenPrefix + key)
	msg.Data = value
	ack, err := f.js.PublishMsgAsync(msg)
	if err != nil {
		return err
	}
	select {
	case <-ack.Ok():
		return nil
	case err := <-ack.Err():
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publish publishes r unless it was published before, and records it once
// the bus has it. It reports whether r was a duplicate. The record is
// written after the publish, so a crash in between re-publishes (the bus's
// window collapses it) and never loses an item; two readers racing for one
// new item (a stream and a poll) both publish it, and the bus keeps one.
func (s *Service) publish(ctx context.Context, r v1.Received) (bool, error) {
	if _, erased := s.erased.Author(r.Brand, r.Network, r.Author.ID, r.CreatedAt); erased {
		s.metrics.erased.WithLabelValues(r.Network).Inc()
		return true, nil
	}
	if _, found, err := s.seen.get(ctx, r.Brand, r.ID); err != nil || found {
		return found, err
	}
	dup, err := s.publishEvent(ctx, r, r.ID, r.Brand, r.ReceivedAt)
	if err != nil {
		return false, err
	}
	s.putSeen(ctx, r.Brand, r.ID, seenRecord{ReceivedAt: r.ReceivedAt.UTC(), TextHash: v1.TextHash(r.Text)})
	return dup, nil
}

// received reports whether the interaction id of brand was received (its
// first-seen record exists).
func (s *Service) received(ctx context.Context, brand, id string) (bool, error) {
	_, found, err := s.seen.get(ctx, brand, id)
	return found, err
}

// publishUpdate publishes an edit unless its text is the last one known of
// the interaction (a redelivered edit, or an edit back to the same text) or
// the interaction was deleted. An edit of an interaction never received is
// published (the bus's window collapses its redelivery) but not recorded:
// the interaction itself, if it comes later, must still be published.
func (s *Service) publishUpdate(ctx context.Context, u v1.Updated) (bool, error) {
	if _, erased := s.erased.Interaction(u.Brand, u.InteractionID); erased {
		s.metrics.erased.WithLabelValues(u.Network).Inc()
		return true, nil
	}
	rec, found, err := s.seen.get(ctx, u.Brand, u.InteractionID)
	if err != nil {
		return false, err
	}
	if found && (rec.Deleted || rec.TextHash == v1.TextHash(u.Text)) {
		return true, nil
	}
	dup, err := s.publishEvent(ctx, u, u.ID, u.Brand, u.ReceivedAt)
	if err != nil || !found {
		return dup, err
	}
	rec.TextHash = v1.TextHash(u.Text)
	s.putSeen(ctx, u.Brand, u.InteractionID, rec)
	return dup, nil
}

// publishDeletion publishes a deletion once per interaction. The record
// marks the interaction deleted, also when it was never received: a late
// delivery of a deleted item is then not published.
func (s *Service) publishDeletion(ctx context.Context, d v1.Deleted) (bool, error) {
	rec, found, err := s.seen.get(ctx, d.Brand, d.InteractionID)
	if err != nil {
		return false, err
	}
	if rec.Deleted {
		return true, nil
	}
	dup, err := s.publishEvent(ctx, d, d.ID, d.Brand, d.ReceivedAt)
	if err != nil {
		return dup, err
	}
	if !found {
		rec.ReceivedAt = d.ReceivedAt.UTC()
	}
	rec.Deleted = true
	s.putSeen(ctx, d.Brand, d.InteractionID, rec)
	return dup, nil
}

func (s *Service) publishEvent(ctx context.Context, e events.Event, id, brand string, at time.Time) (bool, error) {
	env, err := events.NewEnvelope(e, id, brand, at)
	if err != nil {
		return false, err
	}
	p, err := s.pub.PublishEvent(ctx, e, env)
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", id, err)
	}
	return p.Duplicate, nil
}
