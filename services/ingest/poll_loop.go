package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Buckets owned by the poll loops.
const (
	// CursorsBucket keeps each polled source's cursor (key: source id).
	CursorsBucket = "ingest_cursors"
	// BackfillsBucket holds pending backfill requests (key: source id), with
	// their progress, so that a backfill survives a restart.
	BackfillsBucket = "ingest_backfills"
	// LeasesBucket keeps which replica polls a source (key: source id); a
	// lease expires when its replica stops renewing it, and another replica
	// takes the source over.
	LeasesBucket = "ingest_poll_leases"
)

const (
	leaseTTL     = 30 * time.Second
	scanEvery    = 5 * time.Second
	pollTimeout  = 30 * time.Second
	maxBackoff   = 5 * time.Minute
	firstBackoff = time.Second
)

// pollManager runs one poll loop per source of a polled network, on exactly
// one replica at a time (a lease in KV), and restarts a loop when its source
// changes (a new token after a 401, say).
type pollManager struct {
	svc       *Service
	pollers   map[string]connector.Poller
	cursors   jetstream.KeyValue
	leases    jetstream.KeyValue
	backfills jetstream.KeyValue
	replica   string
	interval  time.Duration
	log       *slog.Logger

	mu      sync.Mutex
	running map[string]*pollRun
	wg      sync.WaitGroup
}

type pollRun struct {
	fingerprint [32]byte
	cancel      context.CancelFunc
}

func newPollManager(ctx context.Context, s *Service, js jetstream.JetStream, replicas int, pollers []connector.Poller) (*pollManager, error) {
	cursors, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: CursorsBucket, History: 5, Storage: jetstream.FileStorage, Replicas: replicas})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CursorsBucket, err)
	}
	leases, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LeasesBucket, TTL: leaseTTL, Storage: jetstream.FileStorage, Replicas: replicas})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", LeasesBucket, err)
	}
	backfills, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: BackfillsBucket, Storage: jetstream.FileStorage, Replicas: replicas})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", BackfillsBucket, err)
	}
	m := &pollManager{svc: s, pollers: map[string]connector.Poller{}, cursors: cursors, leases: leases, backfills: backfills,
		replica: s.cfg.ReplicaName(), interval: s.cfg.PollInterval, log: s.log, running: map[string]*pollRun{}}
	for _, p := range pollers {
		m.pollers[p.Name()] = p
	}
	return m, nil
}

// Run scans the sources every few seconds until ctx is done, then stops
// every loop and releases their leases.
func (m *pollManager) Run(ctx context.Context) error {
	t := time.NewTicker(scanEvery)
	defer t.Stop()
	for {
		if err := m.scan(ctx); err != nil && ctx.Err() == nil {
			m.log.WarnContext(ctx, "scan polled sources", "error", err)
		}
		select {
		case <-ctx.Done():
			m.mu.Lock()
			for _, r := range m.running {
				r.cancel()
			}
			m.mu.Unlock()
			m.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

func (m *pollManager) scan(ctx context.Context) error {
	srcs, err := m.svc.sources.Current(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, src := range srcs {
		p, ok := m.pollers[src.Network]
		if !ok {
			continue
		}
		seen[src.ID] = true
		fp := fingerprint(src)
		m.mu.Lock()
		r, running := m.running[src.ID]
		if running && r.fingerprint == fp {
			m.mu.Unlock()
			continue
		}
		if running { // the source changed: restart its loop
			r.cancel()
			delete(m.running, src.ID)
		}
		m.mu.Unlock()
		rev, ok, err := m.claim(ctx, src.ID)
		if err != nil {
			return err
		}
		if !ok {
			continue // another replica polls it
		}
		lctx, cancel := context.WithCancel(ctx)
		m.mu.Lock()
		m.running[src.ID] = &pollRun{fingerprint: fp, cancel: cancel}
		m.mu.Unlock()
		link := newStreamLink()
		m.wg.Add(2)
		go func() { defer m.wg.Done(); m.keepLease(lctx, cancel, src.ID, rev) }()
		go func() { defer m.wg.Done(); m.loop(lctx, src, p, link) }()
		if s, ok := p.(connector.Streamer); ok {
			m.wg.Add(1)
			go func() { defer m.wg.Done(); m.stream(lctx, src, s, link) }()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		if !seen[id] { // deleted
			r.cancel()
			delete(m.running, id)
		}
	}
	return nil
}

// claim takes the lease of a source, or keeps it if this replica holds it.
func (m *pollManager) claim(ctx context.Context, id string) (uint64, bool, error) {
	rev, err := m.leases.Create(ctx, id, []byte(m.replica))
	if err == nil {
		return rev, true, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, false, fmt.Errorf("claim %s: %w", id, err)
	}
	e, err := m.leases.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, false, nil // expired meanwhile: next scan
	}
	if err != nil || string(e.Value()) != m.replica {
		return 0, false, err
	}
	rev, err = m.leases.Update(ctx, id, []byte(m.replica), e.Revision())
	return rev, err == nil, nil
}

// keepLease renews the lease until ctx is done (then deletes it), and
// cancels the loop when the lease is lost.
func (m *pollManager) keepLease(ctx context.Context, cancel context.CancelFunc, id string, rev uint64) {
	t := time.NewTicker(leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = m.leases.Delete(dctx, id, jetstream.LastRevision(rev))
			dcancel()
			return
		case <-t.C:
			next, err := m.leases.Update(ctx, id, []byte(m.replica), rev)
			if err != nil {
				if ctx.Err() == nil {
					m.log.WarnContext(ctx, "poll lease lost", "source", id, "error", err)
				}
				cancel()
				return
			}
			rev = next
		}
	}
}

// loop polls one source until ctx is done.
func (m *pollManager) loop(ctx context.Context, src connector.Source, p connector.Poller, link *streamLink) {
	log := m.log.With("source", src.ID, "network", src.Network, "brand", src.Brand)
	cursor, err := m.cursor(ctx, src.ID)
	if err != nil {
		log.WarnContext(ctx, "read cursor", "error", err)
	}
	// The source's own poll_interval (validated when it is saved); never
	// below a second.
	interval, _ := connector.IntervalSetting(src, m.interval)
	interval = max(interval, time.Second)
	backoff := firstBackoff
	for ctx.Err() == nil {
		wait := interval
		var wake chan struct{} // only a normal pause ends early
		var more bool
		var err error
		if req, rev, ok := m.backfillRequest(ctx, src.ID); ok {
			more, err = m.backfillStep(ctx, src, p, req, rev)
		} else {
			cursor, more, err = m.pollStep(ctx, src, p, cursor, link)
		}
		var limited *connector.RateLimitedError
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			backoff = firstBackoff
			wake = link.wake
			switch {
			case more:
				wait = 0
			case link.live():
				wait = max(interval, streamPollInterval)
			}
		case errors.Is(err, connector.ErrUnauthorized):
			m.svc.health.Failure(src.ID, refusal(err))
			log.WarnContext(ctx, "credentials refused: polling stops until the source is updated", "error", err)
			<-ctx.Done() // parked; an updated source restarts the loop
			return
		case errors.As(err, &limited):
			m.svc.health.Failure(src.ID, err)
			wait = limited.Wait
		default:
			m.svc.health.Failure(src.ID, err)
			log.WarnContext(ctx, "poll failed", "error", err, "retry_in", backoff)
			wait, backoff = backoff, min(backoff*2, maxBackoff)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		case <-wake:
		}
	}
}

// pollStep polls one page after cursor, publishes it and stores the new
// cursor (only once the page is stored: a crash re-reads, dedup collapses).
func (m *pollManager) pollStep(ctx context.Context, src connector.Source, p connector.Poller, cursor string, link *streamLink) (string, bool, error) {
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	page, err := p.Poll(pctx, src, cursor)
	cancel()
	if err == nil {
		page.Items = link.unstreamed(page.Items)
		err = m.deliver(ctx, src, page)
	}
	if err != nil {
		return cursor, false, err
	}
	if page.Cursor != "" && page.Cursor != cursor {
		if _, err := m.cursors.Put(ctx, src.ID, []byte(page.Cursor)); err != nil {
			m.log.WarnContext(ctx, "store cursor", "source", src.ID, "error", err)
		}
		cursor = page.Cursor
	}
	return cursor, page.More, nil
}

// BackfillRequest is a pending backfill and its progress.
type BackfillRequest struct {
	Since  time.Time `json:"since"`
	Cursor string    `json:"cursor,omitempty"`
	Pages  int       `json:"pages"`
}

func (m *pollManager) backfillRequest(ctx context.Context, id string) (BackfillRequest, uint64, bool) {
	e, err := m.backfills.Get(ctx, id)
	if err != nil {
		return BackfillRequest{}, 0, false
	}
	var req BackfillRequest
	if json.Unmarshal(e.Value(), &req) != nil {
		_ = m.backfills.Delete(ctx, id)
		return BackfillRequest{}, 0, false
	}
	return req, e.Revision(), true
}

// backfillStep reads one page of history; the request keeps its progress
// and is deleted when done (unless it was replaced meanwhile).
func (m *pollManager) backfillStep(ctx context.Context, src connector.Source, p connector.Poller, req BackfillRequest, rev uint64) (bool, error) {
	bf, ok := p.(connector.Backfiller)
	if !ok {
		_ = m.backfills.Delete(ctx, src.ID)
		return true, nil
	}
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	page, err := bf.Backfill(pctx, src, req.Since, req.Cursor)
	cancel()
	if err == nil {
		err = m.deliver(ctx, src, page)
	}
	if err != nil {
		return false, fmt.Errorf("backfill: %w", err)
	}
	if !page.More {
		_ = m.backfills.Delete(ctx, src.ID, jetstream.LastRevision(rev))
		m.log.InfoContext(ctx, "backfill done", "source", src.ID, "pages", req.Pages+1, "since", req.Since)
		return true, nil // go back to polling at once
	}
	req.Cursor, req.Pages = page.Cursor, req.Pages+1
	b, _ := json.Marshal(req)
	if _, err := m.backfills.Update(ctx, src.ID, b, rev); err != nil {
		// Replaced by a newer request meanwhile: that one runs next.
		m.log.InfoContext(ctx, "backfill request changed", "source", src.ID, "error", err)
	}
	return true, nil
}

// requestBackfill queues a backfill of src since the given time, replacing
// any pending one.
func (m *pollManager) requestBackfill(ctx context.Context, src connector.Source, since time.Time) error {
	b, _ := json.Marshal(BackfillRequest{Since: since.UTC()})
	_, err := m.backfills.Put(ctx, src.ID, b)
	return err
}

// deliver publishes a polled page; the cursor moves only once it is all
// stored.
func (m *pollManager) deliver(ctx context.Context, src connector.Source, page connector.Page) error {
	return m.publish(ctx, src, page, m.svc.metrics.polled)
}

// publish publishes the items of a page, reports its skipped ones and
// records the source's health; counted counts the items.
func (m *pollManager) publish(ctx context.Context, src connector.Source, page connector.Page, counted *prometheus.CounterVec) error {
	for _, sk := range page.Skipped {
		m.svc.metrics.skipped.WithLabelValues(src.Network).Inc()
		m.log.WarnContext(ctx, "polled item skipped", "source", src.ID, "index", sk.Index, "reason", sk.Reason)
	}
	now := m.svc.now().UTC()
	var lag time.Duration
	stored := 0
	for _, r := range page.Items {
		dup, err := m.svc.publish(ctx, r)
		if err != nil {
			return err
		}
		if !dup {
			stored++
		}
		lag = max(lag, now.Sub(r.CreatedAt))
	}
	for _, u := range page.Updates {
		if known, err := m.svc.received(ctx, u.Brand, u.InteractionID); err != nil || !known {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := m.svc.publishUpdate(ctx, u); err != nil {
			return err
		}
	}
	for _, d := range page.Deletions {
		if known, err := m.svc.received(ctx, d.Brand, d.InteractionID); err != nil || !known {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := m.svc.publishDeletion(ctx, d); err != nil {
			return err
		}
	}
	// An item read again (a stream and a poll racing for it, a backfill)
	// is published once, and only that one counts.
	counted.WithLabelValues(src.Network).Add(float64(stored))
	m.svc.health.Success(src.ID, len(page.Items), lag)
	return nil
}

func (m *pollManager) cursor(ctx context.Context, id string) (string, error) {
	e, err := m.cursors.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// fingerprint changes whenever a source's configuration or secrets do.
func fingerprint(src connector.Source) [32]byte {
	b, _ := json.Marshal(struct {
		connector.Source
		Secrets map[string]string
	}{src, src.Secrets})
	return sha256.Sum256(b)
}

// refusal is what a source's health says when its credentials or settings
// are refused: the connector's own words when it says what to change.
func refusal(err error) error {
	var refused *connector.RefusedError
	if errors.As(err, &refused) {
		return refused
	}
	return fmt.Errorf("%w: update the source's token", err)
}
