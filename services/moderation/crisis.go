package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/crisis"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// CrisisBucket holds each brand's crisis detector state under its brand.
const CrisisBucket = "moderation_crisis"

// Crisis tracking timings: replicas flush their counts every
// crisisFlushEvery; a window is evaluated once crisisGrace has passed after
// its end, so that every replica's counts for it are in.
const (
	crisisFlushEvery = 5 * time.Second
	crisisGrace      = 15 * time.Second
	// crisisMaxAge: older interactions (a backfill, a late re-poll) are
	// history, not a spike.
	crisisMaxAge = time.Hour
)

// crisisTracker counts each replica's share of the traffic in memory (the
// hot path does no I/O) and merges it every few seconds into the brand's
// state in KV with a compare-and-set on the revision. Whichever replica's
// merge first passes a window's grace evaluates it; the CAS makes that
// happen once, and the events' ids are deterministic (brand + window), so a
// replica that publishes and then loses the CAS publishes a duplicate that
// JetStream drops. Replicas therefore agree without a leader.
type crisisTracker struct {
	kv       jetstream.KeyValue
	pub      *bus.Publisher
	policies Policies
	log      *slog.Logger
	now      func() time.Time
	cfg      crisis.Config

	mu      sync.Mutex
	pending map[string]map[int64]*crisis.Bucket
}

func openCrisisTracker(ctx context.Context, js jetstream.JetStream, replicas int, pub *bus.Publisher, p Policies, log *slog.Logger, now func() time.Time) (*crisisTracker, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CrisisBucket, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: crisis detector state per brand",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CrisisBucket, err)
	}
	return &crisisTracker{kv: kv, pub: pub, policies: p, log: log, now: now, cfg: crisis.DefaultConfig, pending: map[string]map[int64]*crisis.Bucket{}}, nil
}

// observe counts one freshly decided interaction. Only negative ones are
// tokenised: the spike's terms are what people complain about.
func (c *crisisTracker) observe(r v1.Received, res classify.Result) {
	at := r.ReceivedAt
	if at.IsZero() {
		at = c.now()
	}
	if !r.CreatedAt.IsZero() && at.Sub(r.CreatedAt) > crisisMaxAge {
		return
	}
	b := crisis.Bucket{Volume: 1}
	if res.Sentiment.Label == classify.SentimentNegative {
		b.Negative = 1
		b.Terms = map[string]int{}
		text := res.Text
		if text.Raw != r.Text {
			text = classify.Normalize(r.Text)
		}
		for _, t := range crisis.Terms(text) {
			b.Terms[t]++
		}
	}
	start := at.Truncate(c.cfg.Window).Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	byStart, ok := c.pending[r.Brand]
	if !ok {
		byStart = map[int64]*crisis.Bucket{}
		c.pending[r.Brand] = byStart
	}
	p, ok := byStart[start]
	if !ok {
		p = &crisis.Bucket{}
		byStart[start] = p
	}
	p.Merge(b, c.cfg.MaxTerms)
}

func (c *crisisTracker) run(ctx context.Context) {
	t := time.NewTicker(crisisFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.flush(fctx)
			cancel()
			return
		case <-t.C:
			c.flush(ctx)
		}
	}
}

// flush merges the pending counts of every brand, and evaluates the windows
// past their grace for every brand with a state (silence calms a crisis).
func (c *crisisTracker) flush(ctx context.Context) {
	c.mu.Lock()
	pending := c.pending
	c.pending = map[string]map[int64]*crisis.Bucket{}
	c.mu.Unlock()
	brands := map[string]bool{}
	for b := range pending {
		brands[b] = true
	}
	if lister, err := c.kv.ListKeys(ctx); err == nil {
		for k := range lister.Keys() {
			brands[k] = true
		}
	} else if !errors.Is(err, jetstream.ErrNoKeysFound) {
		c.log.Warn("list crisis states", "error", err)
	}
	for brand := range brands {
		if err := c.flushBrand(ctx, brand, pending[brand]); err != nil {
			c.log.Warn("crisis state", "brand", brand, "error", err)
			c.mu.Lock() // keep the counts for the next flush
			for start, b := range pending[brand] {
				if c.pending[brand] == nil {
					c.pending[brand] = map[int64]*crisis.Bucket{}
				}
				if c.pending[brand][start] == nil {
					c.pending[brand][start] = &crisis.Bucket{}
				}
				c.pending[brand][start].Merge(*b, c.cfg.MaxTerms)
			}
			c.mu.Unlock()
		}
	}
}

func (c *crisisTracker) flushBrand(ctx context.Context, brand string, counts map[int64]*crisis.Bucket) error {
	pause := false
	if p, err := c.policies.Policy(brand); err == nil {
		if r, ok := p.(*policy.Rules); ok {
			pause = r.PausePublishingDuringCrisis()
		}
	}
	for range 5 {
		var st crisis.State
		var rev uint64
		e, err := c.kv.Get(ctx, brand)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(e.Value(), &st); err != nil {
				return fmt.Errorf("decode state: %w", err)
			}
			rev = e.Revision()
		}
		if rev == 0 && len(counts) == 0 {
			return nil
		}
		for start, b := range counts {
			st.Add(c.cfg, start, *b)
		}
		closed := st.ClosedThrough
		tr := st.Close(c.cfg, brand, c.now(), crisisGrace, pause)
		if len(counts) == 0 && st.ClosedThrough == closed {
			return nil // nothing new: no write
		}
		for _, d := range tr.Detected {
			if err := c.publish(ctx, d, d.ID, brand, d.OpenedAt); err != nil {
				return err
			}
			c.log.Warn("crisis detected", "brand", brand, "crisis_id", d.ID, "volume", d.Volume, "z_score", d.ZScore, "top_terms", d.TopTerms)
		}
		for _, r := range tr.Resolved {
			if err := c.publish(ctx, r, r.ID, brand, r.ResolvedAt); err != nil {
				return err
			}
			c.log.Info("crisis resolved", "brand", brand, "crisis_id", r.CrisisID)
		}
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = c.kv.Create(ctx, brand, b)
		} else {
			_, err = c.kv.Update(ctx, brand, b, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue // another replica merged first: merge again on its state
		}
		return err
	}
	return fmt.Errorf("%w: crisis state of %s keeps changing", ErrConflict, brand)
}

func (c *crisisTracker) publish(ctx context.Context, e events.Event, id, brand string, at time.Time) error {
	env, err := events.NewEnvelope(e, id, brand, at)
	if err != nil {
		return err
	}
	if _, err := c.pub.PublishEvent(ctx, e, env); err != nil {
		return fmt.Errorf("publish %s: %w", e.Name(), err)
	}
	return nil
}
