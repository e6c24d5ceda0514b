// Package privacy keeps the tombstones of erased data subjects: each service
// that holds personal data keeps its own set (a NATS KV bucket it owns),
// writes a tombstone when it handles privacy.erasure_requested.v1, and asks
// the set before storing anything again, so that a replay of older events, a
// backfill or a redelivery does not bring erased data back.
//
// The set is watched: every replica holds it in memory and sees another
// replica's tombstone within the watch's latency, so the hot paths (ingest's
// publish, the analytics sink) ask it without a round trip.
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
)

// Tombstone records that one author of a brand on a network was erased:
// their interactions created up to ErasedAt, and the interactions listed,
// stay erased. It holds no author id: the subject is its key's digest.
type Tombstone struct {
	// Key is privacyv1.SubjectKey(brand, network, author id).
	Key       string `json:"key"`
	Brand     string `json:"brand"`
	Network   string `json:"network"`
	Pseudonym string `json:"pseudonym"`
	// ErasedAt is the latest erasure request's time.
	ErasedAt time.Time `json:"erased_at"`
	// Requests are the erasure request ids, oldest first.
	Requests []string `json:"requests"`
	// InteractionIDs are the author's interactions known to be erased.
	InteractionIDs []string `json:"interaction_ids,omitempty"`
}

// FromRequest is the tombstone an erasure request asks for.
func FromRequest(e privacyv1.ErasureRequested) Tombstone {
	return Tombstone{Key: privacyv1.SubjectKey(e.Brand, e.Network, e.AuthorID), Brand: e.Brand, Network: e.Network,
		Pseudonym: e.Pseudonym, ErasedAt: e.RequestedAt.UTC(), Requests: []string{e.ID},
		InteractionIDs: slices.Clone(e.InteractionIDs)}
}

// merge adds o to t: the later erasure time, every request and every id.
func (t Tombstone) merge(o Tombstone) Tombstone {
	if o.ErasedAt.After(t.ErasedAt) {
		t.ErasedAt = o.ErasedAt
	}
	for _, r := range o.Requests {
		if !slices.Contains(t.Requests, r) {
			t.Requests = append(t.Requests, r)
		}
	}
	ids := append(slices.Clone(t.InteractionIDs), o.InteractionIDs...)
	slices.Sort(ids)
	t.InteractionIDs = slices.Compact(ids)
	return t
}

// Set is one service's tombstones, held in memory and kept in step with its
// KV bucket by a watch.
type Set struct {
	kv  jetstream.KeyValue
	log *slog.Logger

	mu sync.RWMutex
	// bySubject: tombstones by key; byInteraction: brand + "\x00" + id →
	// the pseudonym of its erased author.
	bySubject     map[string]Tombstone
	byInteraction map[string]string
	watcher       jetstream.KeyWatcher
	done          chan struct{}
}

// Open creates (or opens) the bucket, loads every tombstone and keeps
// watching it until Close.
func Open(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, log *slog.Logger) (*Set, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "tombstones of erased data subjects (pkg/privacy)"})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch bucket %s: %w", bucket, err)
	}
	s := &Set{kv: kv, log: log, bySubject: map[string]Tombstone{}, byInteraction: map[string]string{}, watcher: w, done: make(chan struct{})}
	// The initial values end with a nil entry; the watch goes on after it.
	for e := range w.Updates() {
		if e == nil {
			break
		}
		s.apply(e)
	}
	go s.follow()
	return s, nil
}

// follow applies the bucket's changes until the watcher stops.
func (s *Set) follow() {
	defer close(s.done)
	for e := range s.watcher.Updates() {
		if e != nil {
			s.apply(e)
		}
	}
}

// Close stops the watch (a watch whose connection is closed is stopped).
func (s *Set) Close() error {
	err := s.watcher.Stop()
	if errors.Is(err, nats.ErrBadSubscription) || errors.Is(err, nats.ErrConnectionClosed) {
		err = nil
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		err = errors.Join(err, errors.New("tombstone watch did not stop"))
	}
	return err
}

func (s *Set) apply(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		return // tombstones are never deleted; a purge by hand is ignored
	}
	var t Tombstone
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		s.log.Error("undecodable tombstone ignored", "key", e.Key(), "error", err)
		return
	}
	s.remember(t)
}

func (s *Set) remember(t Tombstone) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.bySubject[t.Key]; ok {
		t = old.merge(t)
	}
	s.bySubject[t.Key] = t
	for _, id := range t.InteractionIDs {
		s.byInteraction[t.Brand+"\x00"+id] = t.Pseudonym
	}
}

// Add records t (merged with what the bucket holds for its subject, by
// compare-and-set) and returns the merged tombstone. The set knows it before
// the bucket does (and so before the watch brings it back).
func (s *Set) Add(ctx context.Context, t Tombstone) (Tombstone, error) {
	if t.Key == "" || t.Brand == "" || t.Pseudonym == "" {
		return Tombstone{}, errors.New("tombstone: key, brand and pseudonym are required")
	}
	for {
		merged, rev := t, uint64(0)
		e, err := s.kv.Get(ctx, t.Key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return Tombstone{}, fmt.Errorf("read tombstone: %w", err)
		default:
			var old Tombstone
			if err := json.Unmarshal(e.Value(), &old); err != nil {
				return Tombstone{}, fmt.Errorf("read tombstone: %w", err)
			}
			merged, rev = old.merge(t), e.Revision()
		}
		body, err := json.Marshal(merged)
		if err != nil {
			return Tombstone{}, err
		}
		// Honoured from now on by this replica (tombstones only grow: one
		// whose write fails is written again by the redelivered request).
		s.remember(merged)
		if rev == 0 {
			_, err = s.kv.Create(ctx, t.Key, body)
		} else {
			_, err = s.kv.Update(ctx, t.Key, body, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // another replica wrote it: merge again
		}
		if err != nil {
			return Tombstone{}, fmt.Errorf("write tombstone: %w", err)
		}
		return merged, nil
	}
}

// Author answers the pseudonym of an author when their interaction created
// at created is erased: created up to the latest erasure request. What an
// erased author writes after the request is new data.
func (s *Set) Author(brand, network, authorID string, created time.Time) (pseudonym string, erased bool) {
	if authorID == "" {
		return "", false
	}
	s.mu.RLock()
	t, ok := s.bySubject[privacyv1.SubjectKey(brand, network, authorID)]
	s.mu.RUnlock()
	if !ok || created.After(t.ErasedAt) {
		return "", false
	}
	return t.Pseudonym, true
}

// Interaction answers the pseudonym of the author of an erased interaction.
func (s *Set) Interaction(brand, id string) (pseudonym string, erased bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.byInteraction[brand+"\x00"+id]
	return p, ok
}

// Get answers the tombstone of a subject key.
func (s *Set) Get(key string) (Tombstone, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.bySubject[key]
	return t, ok
}
