package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// HealthBucket is the NATS KV bucket, owned by ingest, where each replica
// keeps its view of every source's health under "<source>.<replica>". Keys
// expire when a replica stops refreshing them.
const HealthBucket = "ingest_source_health"

const (
	healthFlushEvery = 5 * time.Second
	healthTTL        = 15 * time.Minute
	rateWindow       = 5 * time.Minute
)

// healthRecord is one replica's view of one source.
type healthRecord struct {
	LastSuccess   time.Time `json:"last_success"`
	LastError     time.Time `json:"last_error"`
	LastErrorText string    `json:"last_error_text,omitempty"`
	// LagSeconds is, for the last success, how long its newest item took
	// from creation on the network to Ruche.
	LagSeconds float64 `json:"lag_seconds"`
	// Minutes holds item counts per minute (unix minute → items) over the
	// rate window.
	Minutes map[int64]int `json:"minutes"`
	// Stream is the state of the source's stream on this replica, since
	// StreamAt (the replica holding the lease runs it).
	Stream   string    `json:"stream,omitempty"`
	StreamAt time.Time `json:"stream_at,omitzero"`
}

// HealthTracker records deliveries and errors per source in memory, on the
// hot path, and flushes what changed to KV every few seconds: no KV write per
// webhook.
type HealthTracker struct {
	kv      jetstream.KeyValue
	replica string
	log     *slog.Logger
	now     func() time.Time

	mu    sync.Mutex
	state map[string]*healthRecord
	dirty map[string]bool
}

// OpenHealth creates or opens the health bucket. replica names this process
// (the pod name in Kubernetes).
func OpenHealth(ctx context.Context, js jetstream.JetStream, replicas int, replica string, log *slog.Logger) (*HealthTracker, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: HealthBucket, TTL: healthTTL, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", HealthBucket, err)
	}
	replica = strings.NewReplacer(".", "_", "*", "_", ">", "_", " ", "_").Replace(replica)
	return &HealthTracker{kv: kv, replica: replica, log: log, now: time.Now, state: map[string]*healthRecord{}, dirty: map[string]bool{}}, nil
}

func (h *HealthTracker) record(source string) *healthRecord {
	r, ok := h.state[source]
	if !ok {
		r = &healthRecord{Minutes: map[int64]int{}}
		h.state[source] = r
	}
	h.dirty[source] = true
	return r
}

// Success records items read from source, and the lag of the newest one
// (from its creation on the network to now).
func (h *HealthTracker) Success(source string, items int, lag time.Duration) {
	now := h.now().UTC()
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.record(source)
	r.LastSuccess = now
	r.Minutes[now.Unix()/60] += items
	r.LagSeconds = max(lag.Seconds(), 0)
}

// Failure records an error of source. The text must not hold secrets.
func (h *HealthTracker) Failure(source string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.record(source)
	r.LastError, r.LastErrorText = h.now().UTC(), err.Error()
}

// Stream records the state of source's stream (query.Stream*).
func (h *HealthTracker) Stream(source, state string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.record(source)
	r.Stream, r.StreamAt = state, h.now().UTC()
}

// Run flushes changed records every few seconds until ctx is done, then
// once more.
func (h *HealthTracker) Run(ctx context.Context) error {
	t := time.NewTicker(healthFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			h.Flush(fctx)
			cancel()
			return nil
		case <-t.C:
			h.Flush(ctx)
		}
	}
}

// Flush writes what changed since the last flush, and refreshes every
// record so that it does not expire while this replica lives.
func (h *HealthTracker) Flush(ctx context.Context) {
	cutoff := h.now().Add(-rateWindow).Unix() / 60
	h.mu.Lock()
	out := map[string][]byte{}
	for src, r := range h.state {
		for m := range r.Minutes {
			if m < cutoff {
				delete(r.Minutes, m)
			}
		}
		b, _ := json.Marshal(r)
		out[src] = b
	}
	h.dirty = map[string]bool{}
	h.mu.Unlock()
	for src, b := range out {
		if _, err := h.kv.Put(ctx, src+"."+h.replica, b); err != nil {
			h.log.WarnContext(ctx, "flush source health", "source", src, "error", err)
		}
	}
}

// Get aggregates every replica's view of source.
func (h *HealthTracker) Get(ctx context.Context, source string) (query.SourceHealth, error) {
	out := query.SourceHealth{Status: query.HealthUnknown}
	lister, err := h.kv.ListKeysFiltered(ctx, source+".*")
	if err != nil {
		return out, fmt.Errorf("list health of %s: %w", source, err)
	}
	var recs []healthRecord
	for key := range lister.Keys() {
		e, err := h.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		var r healthRecord
		if json.Unmarshal(e.Value(), &r) == nil {
			recs = append(recs, r)
		}
	}
	return aggregateHealth(recs, h.now()), nil
}

// aggregateHealth merges replicas' records: latest success (and its lag)
// and latest error, the summed item rate over the window.
func aggregateHealth(recs []healthRecord, now time.Time) query.SourceHealth {
	out := query.SourceHealth{Status: query.HealthUnknown}
	var success, failure, stream time.Time
	items := 0
	cutoff := now.Add(-rateWindow).Unix() / 60
	for _, r := range recs {
		if r.LastSuccess.After(success) {
			success, out.LagSeconds = r.LastSuccess, r.LagSeconds
		}
		if r.LastError.After(failure) {
			failure, out.LastErrorText = r.LastError, r.LastErrorText
		}
		if r.StreamAt.After(stream) { // the replica that streamed last
			stream, out.Stream = r.StreamAt, r.Stream
		}
		for m, n := range r.Minutes {
			if m >= cutoff {
				items += n
			}
		}
	}
	if !success.IsZero() {
		out.LastSuccess, out.Status = &success, query.HealthOK
	}
	if !failure.IsZero() {
		out.LastError = &failure
		if failure.After(success) {
			out.Status = query.HealthUnhealthy
		}
	}
	out.ItemsPerMinute = float64(items) / rateWindow.Minutes()
	return out
}
