package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/crisis"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// Crisis buckets: each brand's detector state under its brand, and every
// crisis, open or past, with its evidence under "<brand>.<opened, Unix s>".
const (
	CrisisBucket        = "moderation_crisis"
	CrisisRecordsBucket = "moderation_crises"
)

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
	records  jetstream.KeyValue
	pub      *bus.Publisher
	policies Policies
	log      *slog.Logger
	now      func() time.Time
	cfg      crisis.Config
	// flushEvery is crisisFlushEvery unless a test shortens it.
	flushEvery time.Duration
	metrics    *crisisMetrics
	// notify hands detections and resolutions to the webhook sender (nil:
	// none); it never blocks.
	notify func(brand, event string, c query.Crisis)

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
	records, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CrisisRecordsBucket, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: crises, open and past, with their evidence",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CrisisRecordsBucket, err)
	}
	return &crisisTracker{kv: kv, records: records, pub: pub, policies: p, log: log, now: now, cfg: crisis.DefaultConfig,
		flushEvery: crisisFlushEvery, metrics: newCrisisMetrics(), pending: map[string]map[int64]*crisis.Bucket{}}, nil
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
	// The detector's thresholds are calibrated on the rules' polarity. The
	// learned model also gives a polarity to texts the rules read as
	// neutral (Sentiment.By names it), and it reads everyday chatter under a
	// viral post (tags, jokes, questions) as mildly negative: counted here,
	// it raised ordinary traffic to 40–50 % negative and opened crises on
	// viral posts (TestCrisisScenarios). Those texts count as volume only.
	if res.Sentiment.Label == classify.SentimentNegative && res.Sentiment.By == "" {
		b.Negative = 1
		b.Samples = []crisis.Sample{{ID: r.ID, At: at.UTC(), Text: crisis.SampleText(r.Text)}}
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
	p.Merge(b, c.cfg)
}

func (c *crisisTracker) run(ctx context.Context) {
	t := time.NewTicker(c.flushEvery)
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
				c.pending[brand][start].Merge(*b, c.cfg)
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
		}
		for _, r := range tr.Resolved {
			if err := c.publish(ctx, r, r.ID, brand, r.ResolvedAt); err != nil {
				return err
			}
		}
		// The records are written before the state, like the events: a
		// replica that loses the CAS rewrites them from the winner's state.
		recs := tr.Ended
		if st.Open != nil && st.ClosedThrough != closed {
			recs = append(recs, st.Open.Record(c.cfg, brand, nil))
		}
		for _, rec := range recs {
			if err := c.putRecord(ctx, rec); err != nil {
				return err
			}
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
		if err != nil {
			return err
		}
		c.announce(brand, tr, st.Open != nil)
		return nil
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

// announce logs, counts and notifies what the replica that won the CAS
// evaluated (once per transition).
func (c *crisisTracker) announce(brand string, tr crisis.Transitions, open bool) {
	for i, d := range tr.Detected {
		rec := tr.Opened[i]
		c.log.Warn("crisis detected", "brand", brand, "crisis_id", d.ID, "trigger", rec.Trigger, "volume", d.Volume,
			"negative_share", d.NegativeShare, "baseline_volume", d.BaselineVolume, "baseline_negative_share", d.BaselineNegativeShare,
			"top_terms", d.TopTerms)
		c.metrics.detections.WithLabelValues(rec.Trigger).Inc()
		if c.notify != nil {
			c.notify(brand, d.Name(), rec)
		}
	}
	for i, r := range tr.Resolved {
		c.log.Info("crisis resolved", "brand", brand, "crisis_id", r.CrisisID, "peak_volume", r.PeakVolume)
		if c.notify != nil {
			c.notify(brand, r.Name(), tr.Ended[i])
		}
	}
	gauge := 0.0
	if open {
		gauge = 1
	}
	c.metrics.open.WithLabelValues(brand).Set(gauge)
}

func crisisKey(brand string, opened time.Time) string {
	return brand + "." + strconv.FormatInt(opened.Unix(), 10)
}

func (c *crisisTracker) putRecord(ctx context.Context, rec query.Crisis) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := c.records.Put(ctx, crisisKey(rec.Brand, rec.OpenedAt), b); err != nil {
		return fmt.Errorf("store crisis %s: %w", rec.ID, err)
	}
	return nil
}

// list answers a brand's crises, newest first.
func (c *crisisTracker) list(ctx context.Context, in query.ListCrisesRequest) (query.ListCrisesResponse, error) {
	out := query.ListCrisesResponse{Brand: in.Brand, Crises: []query.Crisis{}}
	switch in.Status {
	case "", query.CrisisOpen, query.CrisisResolved:
	default:
		return out, &policy.FieldError{Rule: -1, Field: "status", Msg: fmt.Sprintf("must be %s or %s, got %q", query.CrisisOpen, query.CrisisResolved, in.Status)}
	}
	if in.Limit < 0 || in.Limit > 200 {
		return out, &policy.FieldError{Rule: -1, Field: "limit", Msg: "must be 1 to 200"}
	}
	limit := in.Limit
	if limit == 0 {
		limit = 20
	}
	lister, err := c.records.ListKeysFiltered(ctx, in.Brand+".*")
	if err != nil {
		return out, fmt.Errorf("list crises: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	// Newest first: the keys end with the opening time, all of 10 digits.
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(b, a) })
	keys = slices.Compact(keys) // a listing may repeat a key written meanwhile
	for _, k := range keys {
		if len(out.Crises) == limit {
			break
		}
		e, err := c.records.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("read crisis %s: %w", k, err)
		}
		var rec query.Crisis
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return out, fmt.Errorf("decode crisis %s: %w", k, err)
		}
		if in.Status == "" || rec.Status == in.Status {
			out.Crises = append(out.Crises, rec)
		}
	}
	return out, nil
}

// crisisMetrics: open crises per brand, detections per trigger, webhook
// deliveries per outcome. They work unregistered when no registerer is
// given.
type crisisMetrics struct {
	open       *prometheus.GaugeVec
	detections *prometheus.CounterVec
	webhooks   *prometheus.CounterVec
}

func newCrisisMetrics() *crisisMetrics {
	m := &crisisMetrics{
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ruche_moderation_crises_open", Help: "Open crises, by brand (1 while one is open).",
		}, []string{"brand"}),
		detections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_moderation_crisis_detections_total", Help: "Crises opened, by trigger (volume, negative_share, cold_start).",
		}, []string{"trigger"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_moderation_crisis_webhooks_total", Help: "Crisis webhook deliveries, by outcome (ok, failed, dropped).",
		}, []string{"outcome"}),
	}
	for _, t := range []string{query.TriggerVolume, query.TriggerNegativeShare, query.TriggerColdStart} {
		m.detections.WithLabelValues(t)
	}
	for _, o := range []string{"ok", "failed", "dropped"} {
		m.webhooks.WithLabelValues(o)
	}
	return m
}

// register registers the metrics, or takes the equal ones registered
// before (a second Service on the same registry shares them).
func (m *crisisMetrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for _, c := range []**prometheus.GaugeVec{&m.open} {
		if err := registerOrShare(reg, c); err != nil {
			return err
		}
	}
	for _, c := range []**prometheus.CounterVec{&m.detections, &m.webhooks} {
		if err := registerOrShare(reg, c); err != nil {
			return err
		}
	}
	return nil
}

func registerOrShare[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	err := reg.Register(*c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			*c = existing
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("register crisis metrics: %w", err)
	}
	return nil
}
