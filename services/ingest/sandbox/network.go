package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config of a simulated network.
type Config struct {
	// Account is the id of the brand's account on the network (the brand id
	// in Ruche's demo), as it appears in API paths and items.
	Account string
	// BaseURL is where the network is reached, for the URLs of items.
	BaseURL string
	// RatePerMinute is the ordinary traffic, in items per minute (0: only
	// scenarios and explicit generation).
	RatePerMinute float64
	// Seed makes the traffic reproducible.
	Seed uint64
	// French is the share of French traffic; 0 means the default, 0.6.
	French float64
	// MaxItems bounds the activity kept in memory (oldest dropped first);
	// 0 means 10,000.
	MaxItems int
	// Token, when set, is the bearer token every API request must carry.
	Token string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Registerer receives the network's metrics (none when nil).
	Registerer prometheus.Registerer
}

const (
	defaultMaxItems = 10_000
	maxPosts        = 1_000
	maxTexts        = 100_000
	maxPending      = 20_000
	maxIdempotency  = 10_000
)

// Network is an in-memory simulated social network with one brand account,
// a traffic generator and an HTTP API (see Handler).
type Network struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	metrics *networkMetrics
	brand   User

	mu       sync.Mutex
	gen      *Generator
	arrivals *rand.Rand
	rate     float64
	next     time.Time // next ordinary arrival
	lastID   uint64
	feed     []*entry // inbound activity, ascending ids
	posts    []*entry // the brand's own posts and replies, ascending ids
	// published counts the brand's posts and replies per text, deleted
	// ones taken off, beyond the last maxPosts kept in posts (at most
	// maxTexts texts), so that exactly-once checks hold for any number.
	published map[string]int
	byID      map[string]*entry
	pending   []scheduled // scenario items and follow-ups, by time
	runs      int
	idem      map[string]idemResult
	idemKeys  []string // insertion order, for eviction
	fault     Fault
	side      publishSide // publish_side.go
	// started is when the network was made: the brand's audience grows
	// from it (post_metrics.go).
	started time.Time
}

type entry struct {
	id     uint64
	item   Item
	raw    json.RawMessage // an injected item, served as is
	author Persona
}

type scheduled struct {
	at    time.Time
	draft Draft
	// thread keeps scenario items under one post.
	thread string
	// parent is the item answered (follow-ups).
	parent string
}

type idemResult struct {
	hash   string
	status int
	item   Item
}

// New builds a network and seeds the brand's first posts.
func New(cfg Config, log *slog.Logger) (*Network, error) {
	if log == nil {
		return nil, errors.New("sandbox: nil logger")
	}
	if cfg.Account == "" || cfg.BaseURL == "" {
		return nil, errors.New("sandbox: account and base URL are required")
	}
	if cfg.RatePerMinute < 0 {
		return nil, fmt.Errorf("sandbox: negative rate %v", cfg.RatePerMinute)
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = defaultMaxItems
	}
	if cfg.French == 0 {
		cfg.French = 0.6
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	n := &Network{
		cfg: cfg, log: log.With("component", "sandbox"), now: cfg.Now,
		gen:       NewGenerator(cfg.Seed, cfg.French),
		arrivals:  rand.New(rand.NewPCG(cfg.Seed, 0xa77)),
		rate:      cfg.RatePerMinute,
		byID:      map[string]*entry{},
		published: map[string]int{},
		idem:      map[string]idemResult{},
		metrics:   newNetworkMetrics(cfg.Registerer),
	}
	n.brand = User{
		ID: "b-" + cfg.Account, Username: demoHandle, DisplayName: demoBrandName,
		FollowersCount: 48_210, Verified: true, CreatedAt: time.Date(2015, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	now := n.now().UTC()
	n.started = now
	for i := range brandPostsFR {
		n.addPost(brandPostsFR[i], LangFR, now.Add(-time.Duration(2*len(brandPostsFR)-2*i)*time.Hour))
		n.addPost(brandPostsEN[i], LangEN, now.Add(-time.Duration(2*len(brandPostsEN)-2*i-1)*time.Hour))
	}
	return n, nil
}

// Run produces ordinary traffic and scheduled items until ctx is done.
func (n *Network) Run(ctx context.Context) error {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			n.Step(n.now())
		}
	}
}

// Step adds the items due at now: ordinary traffic at the configured rate
// (exponential inter-arrival times) and scheduled scenario items. Run calls
// it; tests drive it with their own clock. It returns how many were added.
func (n *Network) Step(now time.Time) int {
	now = now.UTC()
	n.mu.Lock()
	defer n.mu.Unlock()
	added := 0
	if n.rate > 0 {
		if n.next.IsZero() || now.Sub(n.next) > time.Minute {
			// First step, or the process was paused: do not flood.
			n.next = now.Add(n.interArrival())
		}
		for !n.next.After(now) {
			n.insert(n.gen.Next(), n.next, "", "")
			n.next = n.next.Add(n.interArrival())
			added++
		}
	}
	for len(n.pending) > 0 && !n.pending[0].at.After(now) {
		s := n.pending[0]
		n.pending = n.pending[1:]
		n.insert(s.draft, s.at, s.thread, s.parent)
		added++
	}
	return added
}

func (n *Network) interArrival() time.Duration {
	return time.Duration(n.arrivals.ExpFloat64() * 60 / n.rate * float64(time.Second))
}

// SetRate changes the ordinary traffic, in items per minute.
func (n *Network) SetRate(perMinute float64) error {
	if perMinute < 0 || perMinute > 60_000 {
		return fmt.Errorf("rate must be 0 to 60000 items per minute, got %v", perMinute)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rate, n.next = perMinute, time.Time{}
	return nil
}

// Generate adds count items of ordinary traffic at once and returns them.
func (n *Network) Generate(count int) []Item {
	now := n.now().UTC()
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Item, 0, count)
	for range count {
		out = append(out, n.insert(n.gen.Next(), now, "", "").item)
	}
	return out
}

// Inject adds an item given as raw JSON (an object), served as is with the
// id the network assigns: tests use it for malformed items.
func (n *Network) Inject(raw json.RawMessage) (string, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return "", errors.New("an item must be a JSON object")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	id := n.newID(n.now())
	obj["id"] = strconv.FormatUint(id, 10)
	b, _ := json.Marshal(obj)
	e := &entry{id: id, raw: b}
	n.append(e)
	return obj["id"].(string), nil
}

// newID returns a time-ordered id (milliseconds << 16 | sequence, like the
// snowflake ids of real networks): ids grow across restarts, so a cursor
// kept by a client stays valid when the in-memory network starts afresh.
func (n *Network) newID(at time.Time) uint64 {
	id := uint64(at.UnixMilli()) << 16
	if id <= n.lastID {
		id = n.lastID + 1
	}
	n.lastID = id
	return id
}

// insert turns a draft into an item of the feed. thread, when set, is the
// post the item belongs under; parent, when set, the item it answers.
// Callers hold n.mu.
func (n *Network) insert(d Draft, at time.Time, thread, parent string) *entry {
	at = at.UTC()
	id := n.newID(at)
	sid := strconv.FormatUint(id, 10)
	it := Item{
		ID: sid, Type: d.Type, Account: n.cfg.Account, Text: d.Text, Lang: d.Lang, CreatedAt: at, Rating: d.Rating,
		Author: User{
			ID: d.Author.ID, Username: d.Author.Username, DisplayName: d.Author.DisplayName,
			FollowersCount: d.Author.Followers, Verified: d.Author.Verified,
			CreatedAt: at.Add(-time.Duration(d.Author.AgeDays) * 24 * time.Hour).Truncate(time.Second),
		},
		GroundTruth: &GroundTruth{Category: d.Category, Scenario: d.Scenario, Topic: d.Topic},
	}
	if thread != "" && it.Type == TypeMention {
		it.Type = TypeComment // under a scenario's post, everything is in its thread
	}
	if it.Type == TypeReply {
		if p := n.parentFor(d, thread, parent); p != nil {
			it.InReplyToID = p.item.ID
			it.ThreadID = p.item.ThreadID
			if it.ThreadID == "" {
				it.ThreadID = p.item.ID
			}
			if p.item.Type == TypeDM {
				it.Type = TypeDM // an answer in a private conversation stays private
			}
		} else {
			it.Type = TypeComment
		}
	}
	switch it.Type {
	case TypeComment:
		post := n.postFor(d, thread)
		it.ThreadID, it.InReplyToID = post.item.ID, post.item.ID
		it.URL = n.cfg.BaseURL + "/@" + it.Author.Username + "/" + sid
	case TypeReply, TypeMention:
		if it.Type == TypeMention {
			it.ThreadID = sid
		}
		it.URL = n.cfg.BaseURL + "/@" + it.Author.Username + "/" + sid
	case TypeDM:
		if it.ThreadID == "" {
			it.ThreadID = "dm-" + it.Author.ID
		}
		it.URL = n.cfg.BaseURL + "/messages/" + it.ThreadID
	case TypeReview:
		it.URL = n.cfg.BaseURL + "/reviews/" + sid
	}
	e := &entry{id: id, item: it, author: d.Author}
	n.append(e)
	n.metrics.generated.WithLabelValues(string(d.Category), d.Lang, string(it.Type)).Inc()
	return e
}

// append adds e to the feed, dropping the oldest items beyond the bound.
func (n *Network) append(e *entry) {
	n.feed = append(n.feed, e)
	n.byID[strconv.FormatUint(e.id, 10)] = e
	if over := len(n.feed) - n.cfg.MaxItems; over > 0 {
		// Drop a tenth at once so that trimming is amortised.
		drop := max(over, n.cfg.MaxItems/10)
		for _, old := range n.feed[:drop] {
			delete(n.byID, strconv.FormatUint(old.id, 10))
		}
		n.feed = append([]*entry(nil), n.feed[drop:]...)
	}
}

// postFor chooses the brand post a comment goes under: the scenario's, or
// one of the latest in the comment's language.
func (n *Network) postFor(d Draft, thread string) *entry {
	if e, ok := n.byID[thread]; ok && thread != "" {
		return e
	}
	var recent []*entry
	for i := len(n.posts) - 1; i >= 0 && len(recent) < 4; i-- {
		if p := n.posts[i]; p.item.Type == TypePost && p.item.Lang == d.Lang {
			recent = append(recent, p)
		}
	}
	if len(recent) == 0 {
		return n.posts[len(n.posts)-1]
	}
	return recent[int(d.Pick)%len(recent)]
}

// parentFor chooses the item a reply answers: the given one, or a recent
// public item in the same language by someone else (within the scenario's
// thread, if any).
func (n *Network) parentFor(d Draft, thread, parent string) *entry {
	if parent != "" {
		return n.byID[parent]
	}
	var candidates []*entry
	for i := len(n.feed) - 1; i >= 0 && len(candidates) < 12 && i >= len(n.feed)-200; i-- {
		e := n.feed[i]
		if e.raw != nil || e.item.Hidden || e.item.Lang != d.Lang || e.item.Author.ID == d.Author.ID {
			continue
		}
		if e.item.Type != TypeComment && e.item.Type != TypeReply && e.item.Type != TypeMention {
			continue
		}
		if thread != "" && e.item.ThreadID != thread {
			continue
		}
		candidates = append(candidates, e)
	}
	if len(candidates) == 0 {
		return nil
	}
	return candidates[int(d.Pick)%len(candidates)]
}

// addPost adds one of the brand's own posts. Callers hold n.mu (or own n).
func (n *Network) addPost(text, lang string, at time.Time) *entry {
	id := n.newID(at)
	sid := strconv.FormatUint(id, 10)
	e := &entry{id: id, item: Item{
		ID: sid, Type: TypePost, Account: n.cfg.Account, ThreadID: sid, Author: n.brand, Text: text, Lang: lang,
		URL: n.cfg.BaseURL + "/@" + n.brand.Username + "/" + sid, CreatedAt: at.UTC(),
	}}
	n.addOwn(e)
	return e
}

func (n *Network) addOwn(e *entry) {
	if _, ok := n.published[e.item.Text]; ok || len(n.published) < maxTexts {
		n.published[e.item.Text]++
	}
	n.posts = append(n.posts, e)
	n.byID[e.item.ID] = e
	if len(n.posts) > maxPosts {
		delete(n.byID, n.posts[0].item.ID)
		n.posts = append([]*entry(nil), n.posts[1:]...)
	}
}

// schedule queues items for Step, in time order. Callers hold n.mu.
func (n *Network) schedule(items []scheduled) error {
	if len(n.pending)+len(items) > maxPending {
		return fmt.Errorf("too many scheduled items (at most %d)", maxPending)
	}
	n.pending = append(n.pending, items...)
	sort.SliceStable(n.pending, func(i, j int) bool { return n.pending[i].at.Before(n.pending[j].at) })
	return nil
}

// activity returns up to limit inbound items newer than since.
func (n *Network) activity(since uint64, limit int) (Page, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := sort.Search(len(n.feed), func(i int) bool { return n.feed[i].id > since })
	end := min(len(n.feed), i+limit)
	page := Page{Items: make([]json.RawMessage, 0, end-i), NextSinceID: strconv.FormatUint(since, 10), HasMore: end < len(n.feed)}
	for _, e := range n.feed[i:end] {
		raw := e.raw
		if raw == nil {
			b, err := json.Marshal(e.item)
			if err != nil {
				return Page{}, err
			}
			raw = b
		}
		page.Items = append(page.Items, raw)
		page.NextSinceID = strconv.FormatUint(e.id, 10)
	}
	return page, nil
}

// publish adds a post or a reply of the brand, once per idempotency key.
func (n *Network) publish(key string, req PublishRequest, asReply bool) (Item, int, error) {
	hash := fmt.Sprintf("%t\x00%s\x00%s\x00%s\x00%v", asReply, req.Text, req.Lang, req.InReplyToID, req.MediaIDs)
	n.mu.Lock()
	defer n.mu.Unlock()
	if key != "" {
		if r, ok := n.idem[key]; ok {
			if r.hash != hash {
				return Item{}, http.StatusUnprocessableEntity, errors.New("idempotency key reused with a different request")
			}
			return r.item, r.status, nil
		}
	}
	if err := n.side.checkMedia(req.MediaIDs); err != nil {
		return Item{}, http.StatusUnprocessableEntity, err
	}
	now := n.now().UTC()
	var e *entry
	if !asReply {
		e = n.addPost(req.Text, req.Lang, now)
	} else {
		parent, ok := n.byID[req.InReplyToID]
		if !ok || parent.raw != nil {
			return Item{}, http.StatusNotFound, fmt.Errorf("item %q not found", req.InReplyToID)
		}
		id := n.newID(now)
		sid := strconv.FormatUint(id, 10)
		it := Item{ID: sid, Type: TypeReply, Account: n.cfg.Account, InReplyToID: parent.item.ID, ThreadID: parent.item.ThreadID,
			Author: n.brand, Text: req.Text, Lang: req.Lang, CreatedAt: now, URL: n.cfg.BaseURL + "/@" + n.brand.Username + "/" + sid}
		if it.ThreadID == "" {
			it.ThreadID = parent.item.ID
		}
		if parent.item.Type == TypeDM {
			it.Type, it.URL = TypeDM, n.cfg.BaseURL+"/messages/"+it.ThreadID
		}
		e = &entry{id: id, item: it}
		n.addOwn(e)
		n.followUp(parent, e, now)
	}
	n.side.attach(req.MediaIDs, e.item.ID)
	n.metrics.published.WithLabelValues(string(e.item.Type)).Inc()
	if key != "" {
		n.idem[key] = idemResult{hash: hash, status: http.StatusCreated, item: e.item}
		n.idemKeys = append(n.idemKeys, key)
		if len(n.idemKeys) > maxIdempotency {
			delete(n.idem, n.idemKeys[0])
			n.idemKeys = n.idemKeys[1:]
		}
	}
	return e.item, http.StatusCreated, nil
}

// followUp makes a customer answer the brand's reply to their question or
// complaint a little later, glad or not: the loop closes in the demo.
func (n *Network) followUp(parent, reply *entry, now time.Time) {
	gt := parent.item.GroundTruth
	if parent.author.ID == "" || gt == nil || parent.author.Spammer ||
		(gt.Category != CategoryQuestion && gt.Category != CategoryComplaint) {
		return
	}
	g := n.gen.fork(uint64(parent.id))
	// A reply to the brand's reply: in a DM conversation, insert keeps it a DM.
	d := g.followupOf(parent.author, gt.Category, g.rng.Float64() < 0.65)
	delay := 20*time.Second + time.Duration(g.rng.IntN(70))*time.Second
	if err := n.schedule([]scheduled{{at: now.Add(delay), draft: d, parent: reply.item.ID}}); err != nil {
		n.log.Warn("follow-up not scheduled", "error", err)
	}
}

// hide hides an inbound comment, reply or mention.
func (n *Network) hide(id string) (Item, int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.byID[id]
	if !ok || e.raw != nil || e.item.Type == TypePost || e.item.Author.ID == n.brand.ID {
		return Item{}, http.StatusNotFound, fmt.Errorf("comment %q not found", id)
	}
	switch e.item.Type {
	case TypeComment, TypeReply, TypeMention:
	default:
		return Item{}, http.StatusUnprocessableEntity, fmt.Errorf("a %s cannot be hidden", e.item.Type)
	}
	if !e.item.Hidden {
		e.item.Hidden = true
		n.metrics.published.WithLabelValues("hide").Inc()
	}
	return e.item, http.StatusOK, nil
}

// lookup returns any item by id.
func (n *Network) lookup(id string) (Item, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.byID[id]
	if !ok || e.raw != nil {
		return Item{}, false
	}
	return e.item, true
}

// own returns the brand's latest posts and replies, newest first.
func (n *Network) own(limit int) []Item {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Item, 0, limit)
	for i := len(n.posts) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, n.posts[i].item)
	}
	return out
}

// Stats summarises the network's state.
type Stats struct {
	Items         int            `json:"items"`
	Posts         int            `json:"posts"`
	Pending       int            `json:"pending"`
	RatePerMinute float64        `json:"rate_per_minute"`
	ByCategory    map[string]int `json:"by_category"`
	ByLang        map[string]int `json:"by_lang"`
	ByType        map[string]int `json:"by_type"`
	Fault         *Fault         `json:"fault,omitempty"`
}

// Stats counts what the network holds.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := Stats{Items: len(n.feed), Posts: len(n.posts), Pending: len(n.pending), RatePerMinute: n.rate,
		ByCategory: map[string]int{}, ByLang: map[string]int{}, ByType: map[string]int{}}
	for _, e := range n.feed {
		if e.raw != nil {
			s.ByType["injected"]++
			continue
		}
		s.ByCategory[string(e.item.GroundTruth.Category)]++
		s.ByLang[e.item.Lang]++
		s.ByType[string(e.item.Type)]++
	}
	if n.fault.Mode != "" {
		f := n.fault
		s.Fault = &f
	}
	return s
}
