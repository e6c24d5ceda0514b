package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	community "github.com/ruche-project/ruche/events/community/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// InsightsBucket holds what the metrics producers read: the brand's
// published posts still read (key "post.<brand>.<account>.<hash>") and
// each account's schedule ("acct.<brand>.<account>").
const InsightsBucket = "publishing_insights"

// trackedPost is a published post whose counts are read.
type trackedPost struct {
	Brand       string    `json:"brand"`
	Network     string    `json:"network"`
	Account     string    `json:"account"`
	PlatformID  string    `json:"platform_id"`
	URL         string    `json:"url,omitempty"`
	RequestID   string    `json:"request_id"`
	PublishedAt time.Time `json:"published_at"`
	// NextAt is when its counts are read next.
	NextAt   time.Time `json:"next_at"`
	Readings int       `json:"readings"`
}

// accountSchedule is when an account's job runs next, and when it reads
// the follower count next.
type accountSchedule struct {
	NextRunAt   time.Time `json:"next_run_at"`
	FollowersAt time.Time `json:"followers_at,omitzero"`
}

// Insights is the metrics producers' state.
type Insights struct {
	kv jetstream.KeyValue
}

// OpenInsights opens (creating) the insights bucket.
func OpenInsights(ctx context.Context, js jetstream.JetStream, replicas int) (*Insights, error) {
	kv, err := openBucket(ctx, js, replicas, InsightsBucket, 1, "publishing: published posts whose counts are read, and each account's reading schedule")
	if err != nil {
		return nil, err
	}
	return &Insights{kv: kv}, nil
}

func postKey(brand, account, platformID string) string {
	return "post." + brand + "." + account + "." + hashToken(platformID)
}

func scheduleKey(brand, account string) string { return "acct." + brand + "." + account }

// track starts reading a published post's counts (a post tracked already
// is left as it is: a reported outcome reported again changes nothing).
func (in *Insights) track(ctx context.Context, e *Entry, now time.Time) error {
	p := trackedPost{Brand: e.Brand, Network: e.Network, Account: e.Account, PlatformID: e.PlatformID, URL: e.URL,
		RequestID: e.RequestID, PublishedAt: e.UpdatedAt, NextAt: now}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := in.kv.Create(ctx, postKey(e.Brand, e.Account, e.PlatformID), b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("track post %s: %w", e.PlatformID, err)
	}
	return nil
}

// claim takes the account's run due at now: a compare-and-set moves its
// next run on, so one replica runs it. ok is false when the run is not due
// or another replica took it.
func (in *Insights) claim(ctx context.Context, brand, account string, now time.Time, every time.Duration) (accountSchedule, uint64, bool, error) {
	key := scheduleKey(brand, account)
	var s accountSchedule
	var rev uint64
	kve, err := in.kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return s, 0, false, fmt.Errorf("read schedule %s: %w", key, err)
	default:
		if err := json.Unmarshal(kve.Value(), &s); err != nil {
			return s, 0, false, fmt.Errorf("decode schedule %s: %w", key, err)
		}
		rev = kve.Revision()
	}
	if s.NextRunAt.After(now) {
		return s, 0, false, nil
	}
	s.NextRunAt = now.Add(every)
	rev, err = in.put(ctx, key, s, rev)
	if errors.Is(err, ErrConflict) {
		return s, 0, false, nil
	}
	return s, rev, err == nil, err
}

// put writes v over revision rev (0: the key must not exist).
func (in *Insights) put(ctx context.Context, key string, v any, rev uint64) (uint64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	var next uint64
	if rev == 0 {
		next, err = in.kv.Create(ctx, key, b)
	} else {
		next, err = in.kv.Update(ctx, key, b, rev)
	}
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrKeyExists) || errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return next, nil
}

// posts reads an account's tracked posts, keyed.
func (in *Insights) posts(ctx context.Context, brand, account string) (map[string]trackedPost, error) {
	lister, err := in.kv.ListKeysFiltered(ctx, "post."+brand+"."+account+".*")
	if err != nil {
		return nil, fmt.Errorf("list posts of %s/%s: %w", brand, account, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	out := map[string]trackedPost{}
	for _, k := range keys {
		kve, err := in.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", k, err)
		}
		var p trackedPost
		if err := json.Unmarshal(kve.Value(), &p); err != nil {
			return nil, fmt.Errorf("decode %s: %w", k, err)
		}
		out[k] = p
	}
	return out, nil
}

// ReadEvery is how long after a reading a post of age age is read again:
// an eighth of its age, at least every (a fresh post is read every few
// minutes), at most a day (an old one daily), so that the readings thin
// out as the counts settle.
func ReadEvery(age, every time.Duration) time.Duration {
	return min(max(age/8, every), 24*time.Hour)
}

// RunMetrics runs, now, the metrics job of every account whose run is due
// (what the service does a few times per MetricsEvery).
func (s *Service) RunMetrics(ctx context.Context) { s.readMetrics(ctx) }

// readMetrics runs the job of every connected account whose run is due:
// one job per account, whichever replica claims it.
func (s *Service) readMetrics(ctx context.Context) {
	recs, err := s.accounts.all(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("list accounts for metrics", "error", err)
		}
		return
	}
	for _, r := range recs {
		if ctx.Err() != nil {
			return
		}
		if err := s.readAccount(ctx, r); err != nil && ctx.Err() == nil {
			s.log.Warn("read metrics", "account", r.Brand+"/"+r.ID, "network", r.Network, "error", err)
		}
	}
}

// readAccount is one account's job: the counts of its posts that are due
// (one batch of calls), then, once a day, its follower count.
func (s *Service) readAccount(ctx context.Context, r accountRecord) error {
	reader, ok := s.networks[r.Network].(MetricsReader)
	if !ok {
		return nil
	}
	now := s.now().UTC().Truncate(time.Second)
	sched, rev, ok, err := s.insights.claim(ctx, r.Brand, r.ID, now, s.cfg.MetricsEvery)
	if err != nil || !ok {
		return err
	}
	acct, err := s.accounts.Resolve(ctx, r.Brand, r.Network, r.ID)
	if err != nil {
		return err
	}
	if s.accounts.RateLimitedUntil(ctx, acct).After(now) {
		return nil // zero requests before the reset; the next run tries
	}
	if err := s.readPosts(ctx, reader, acct, now); err != nil {
		return err
	}
	if sched.FollowersAt.After(now) {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	aud, err := reader.Audience(cctx, acct)
	cancel()
	s.recordHealth(ctx, acct, err)
	if err != nil {
		return fmt.Errorf("follower count: %w", err)
	}
	snap := community.FollowersCounted{ID: community.FollowersCountedID(r.Network, accountName(acct), now), Brand: r.Brand,
		Network: r.Network, Account: accountName(acct), Followers: aud.Followers, Following: aud.Following, TakenAt: now}
	if err := s.emit(ctx, snap, snap.ID, r.Brand, now); err != nil {
		return err
	}
	sched.FollowersAt = now.Add(s.cfg.FollowersEvery)
	if _, err := s.insights.put(ctx, scheduleKey(r.Brand, r.ID), sched, rev); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// readPosts reads the counts of the account's posts that are due, emits a
// reading of each, and sets each one's next reading; a post past the
// horizon, or gone from the network, is no longer read.
func (s *Service) readPosts(ctx context.Context, reader MetricsReader, acct Account, now time.Time) error {
	tracked, err := s.insights.posts(ctx, acct.Brand, acct.ID)
	if err != nil {
		return err
	}
	due := map[string]string{} // platform id → key
	var ids []string
	for k, p := range tracked {
		switch {
		case now.Sub(p.PublishedAt) > s.cfg.MetricsHorizon:
			if err := s.insights.kv.Delete(ctx, k); err != nil {
				return fmt.Errorf("stop reading %s: %w", k, err)
			}
		case !p.NextAt.After(now):
			due[p.PlatformID] = k
			ids = append(ids, p.PlatformID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	counts, err := reader.PostCounts(cctx, acct, ids)
	cancel()
	s.recordHealth(ctx, acct, err)
	if err != nil {
		return fmt.Errorf("post counts: %w", err) // still due: the next run asks again
	}
	for _, id := range ids {
		key := due[id]
		p := tracked[key]
		c, ok := counts[id]
		if !ok { // deleted on the network
			if err := s.insights.kv.Delete(ctx, key); err != nil {
				return fmt.Errorf("stop reading %s: %w", key, err)
			}
			continue
		}
		m := community.PostMetrics{ID: community.PostMetricsID(p.Network, id, now), Brand: p.Brand, Network: p.Network,
			Account: accountName(acct), PlatformID: id, URL: p.URL, RequestID: p.RequestID, PublishedAt: p.PublishedAt, TakenAt: now,
			Impressions: c.Impressions, Reactions: c.Reactions, Comments: c.Comments, Shares: c.Shares, Clicks: c.Clicks}
		if err := s.emit(ctx, m, m.ID, p.Brand, now); err != nil {
			return err
		}
		p.Readings++
		p.NextAt = now.Add(ReadEvery(now.Sub(p.PublishedAt), s.cfg.MetricsEvery))
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := s.insights.kv.Put(ctx, key, b); err != nil {
			return fmt.Errorf("schedule %s: %w", key, err)
		}
	}
	return nil
}

// recordHealth updates the account's health after a call (err nil: a
// success); a health that cannot be written is logged, not fatal.
func (s *Service) recordHealth(ctx context.Context, acct Account, err error) {
	if herr := s.accounts.Record(ctx, acct, err); herr != nil {
		s.log.Warn("account health", "account", acct.String(), "error", herr)
	}
}

// accountName is how events name the brand's account: its handle on the
// network, else its id in Ruche.
func accountName(a Account) string {
	if a.Handle != "" {
		return a.Handle
	}
	return a.ID
}

// emit publishes one event of the brand under id.
func (s *Service) emit(ctx context.Context, ev events.Event, id, brand string, at time.Time) error {
	env, err := events.NewEnvelope(ev, id, brand, at)
	if err != nil {
		return err
	}
	if _, err := s.pub.PublishEvent(ctx, ev, env); err != nil {
		return fmt.Errorf("publish %s: %w", id, err)
	}
	return nil
}

// trackPublished starts reading a post's counts once it is published.
func (s *Service) trackPublished(ctx context.Context, e *Entry) error {
	if e.State != StatePublished || e.Kind != publishv1.KindPost || e.PlatformID == "" {
		return nil
	}
	return s.insights.track(ctx, e, s.now().UTC())
}
