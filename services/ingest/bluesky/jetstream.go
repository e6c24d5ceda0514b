package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// The Jetstream settings: Bluesky notifies no edit and no deletion, but
// every commit to a repository is on the network's firehose, which
// Jetstream serves as JSON over a WebSocket, filtered by collection and by
// the repositories (DIDs) a client names.
const (
	// SettingJetstream is the setting holding the subscribe URL of a
	// Jetstream instance (DefaultJetstream when unset, JetstreamOff to read
	// edits and deletions by the sweep alone).
	SettingJetstream = "jetstream"
	// DefaultJetstream is one of the public instances Bluesky runs.
	DefaultJetstream = "wss://jetstream2.us-east.bsky.network/subscribe"
	// JetstreamOff turns the stream off.
	JetstreamOff = "off"
	// postCollection is the NSID of posts, the only records asked for.
	postCollection = "app.bsky.feed.post"
	// maxWatchedAuthors is Jetstream's limit of wantedDids per subscriber.
	maxWatchedAuthors = 10_000
	// jetstreamFrameLimit bounds one event (a post record is at most a few
	// KB; Jetstream's own limit is the record size).
	jetstreamFrameLimit = 1 << 20
	jetstreamPingEvery  = 30 * time.Second
	// jetstreamRewind is how far before the last event read a reconnection
	// asks Jetstream to replay from, as its documentation advises for a
	// gapless playback; what is replayed twice collapses in ingest.
	jetstreamRewind = 5 * time.Second
)

var _ connector.Streamer = (*Connector)(nil)

// authorWatch is what a source's stream asks Jetstream for: the authors of
// the interactions its polls delivered (whose posts may be edited or
// deleted later), and where the last connection stopped.
type authorWatch struct {
	mu      sync.Mutex
	authors map[string]time.Time // DID → last interaction delivered
	version int                  // counts the changes of the set
	changed chan struct{}        // the set changed: send it to Jetstream
	lastUS  int64                // time_us of the last event read
}

func (b *Connector) watch(src connector.Source) *authorWatch {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.watches[src.ID]
	if w == nil {
		w = &authorWatch{authors: map[string]time.Time{}, changed: make(chan struct{}, 1)}
		b.watches[src.ID] = w
	}
	return w
}

// add watches the authors of items delivered at at; past the limit the
// authors heard from least recently are dropped (the sweep still reads
// their recent interactions again).
func (w *authorWatch) add(dids []string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.version
	for _, did := range dids {
		if did == "" {
			continue
		}
		if _, ok := w.authors[did]; !ok {
			w.version++
		}
		if w.authors[did].Before(at) {
			w.authors[did] = at
		}
	}
	if over := len(w.authors) - maxWatchedAuthors; over > 0 {
		byAge := make([]string, 0, len(w.authors))
		for did := range w.authors {
			byAge = append(byAge, did)
		}
		slices.SortFunc(byAge, func(a, b string) int { return w.authors[a].Compare(w.authors[b]) })
		for _, did := range byAge[:over] {
			delete(w.authors, did)
		}
	}
	if w.version != before {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
}

// list is the set, sorted, and its version.
func (w *authorWatch) list() ([]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.authors))
	for did := range w.authors {
		out = append(out, did)
	}
	slices.Sort(out)
	return out, w.version
}

func (w *authorWatch) watched(did string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.authors[did]
	return ok
}

func jetstreamURL(src connector.Source) string {
	if s := strings.TrimSpace(src.Settings[SettingJetstream]); s != "" {
		return s
	}
	return DefaultJetstream
}

func validJetstream(s string) error {
	if s == JetstreamOff {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("settings.%s must be a Jetstream subscribe URL such as %s, or %q", SettingJetstream, DefaultJetstream, JetstreamOff)
	}
	return nil
}

// Stream implements connector.Streamer with Jetstream: the posts of the
// authors the polls delivered interactions of, whose update and delete
// commits are edits and deletions (ingest publishes those of interactions
// it received and drops the others, such as an author's other posts). New
// interactions still come from the notifications (a post's create commit
// does not say it is a reply to the brand any better than a notification).
// The subscription waits (requireHello) until there is an author to
// watch: an empty wantedDids would be the whole network.
func (b *Connector) Stream(ctx context.Context, src connector.Source, connected func(), deliver func(connector.Page) error) error {
	if err := b.ValidateSource(src); err != nil {
		return err
	}
	base := jetstreamURL(src)
	if base == JetstreamOff {
		return fmt.Errorf("bluesky jetstream: %w: settings.%s is %q", connector.ErrStreamUnavailable, SettingJetstream, JetstreamOff)
	}
	w := b.watch(src)
	q := url.Values{"wantedCollections": {postCollection}, "requireHello": {"true"}}
	w.mu.Lock()
	if w.lastUS > 0 {
		q.Set("cursor", fmt.Sprint(w.lastUS-jetstreamRewind.Microseconds()))
	}
	w.mu.Unlock()
	conn, resp, err := websocket.Dial(ctx, base+"?"+q.Encode(), &websocket.DialOptions{HTTPClient: b.client})
	if err != nil {
		return jetstreamDialError(resp, err, b.now())
	}
	defer conn.CloseNow()
	conn.SetReadLimit(jetstreamFrameLimit)
	connected()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go connector.KeepAlive(cctx, conn, jetstreamPingEvery)
	go sendAuthors(cctx, conn, w)
	for {
		_, frame, err := conn.Read(cctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bluesky jetstream: %w", err)
		}
		page, timeUS := parseJetstreamEvent(frame, src, w.watched, b.now().UTC())
		if len(page.Updates) > 0 || len(page.Deletions) > 0 || len(page.Skipped) > 0 {
			if err := deliver(page); err != nil {
				return err
			}
		}
		if timeUS > 0 { // read, and delivered when it mattered
			w.mu.Lock()
			w.lastUS = max(w.lastUS, timeUS)
			w.mu.Unlock()
		}
	}
}

// sendAuthors sends Jetstream the authors to watch (an options_update,
// the hello the subscription waits for) whenever the set changed, until
// ctx is done; a failed write closes the connection, so that it
// reconnects.
func sendAuthors(ctx context.Context, conn *websocket.Conn, w *authorWatch) {
	sent := -1
	for {
		if dids, version := w.list(); len(dids) > 0 && version != sent {
			msg, _ := json.Marshal(map[string]any{"type": "options_update",
				"payload": map[string][]string{"wantedCollections": {postCollection}, "wantedDids": dids}})
			if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
				conn.CloseNow()
				return
			}
			sent = version
		}
		select {
		case <-ctx.Done():
			return
		case <-w.changed:
		}
	}
}

// jetstreamDialError classifies a refused handshake: a rate limit, a
// failure worth a reconnection (5xx, network), or no Jetstream at that
// address.
func jetstreamDialError(resp *http.Response, err error, now time.Time) error {
	switch {
	case resp == nil:
		return fmt.Errorf("bluesky jetstream: %w", err)
	case resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("bluesky jetstream: %w", connector.StatusError(resp, now))
	case resp.StatusCode >= 500:
		return fmt.Errorf("bluesky jetstream: server answered HTTP %d", resp.StatusCode)
	}
	return fmt.Errorf("bluesky jetstream: %w: HTTP %d: settings.%s must be a Jetstream subscribe URL", connector.ErrStreamUnavailable, resp.StatusCode, SettingJetstream)
}

// jetstreamEvent is one Jetstream message.
type jetstreamEvent struct {
	DID    string `json:"did"`
	TimeUS int64  `json:"time_us"`
	Kind   string `json:"kind"`
	Commit *struct {
		Operation  string          `json:"operation"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	} `json:"commit"`
}

// postRecord is the part of an app.bsky.feed.post record ingest reads.
type postRecord struct {
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
}

// parseJetstreamEvent reads one event: an update commit of a watched
// author's post is an edit, a delete commit a deletion; other events
// (creates, identity and account events, other collections) are nothing.
// It also returns the event's time_us (0 when unreadable).
func parseJetstreamEvent(frame []byte, src connector.Source, watched func(did string) bool, now time.Time) (connector.Page, int64) {
	var e jetstreamEvent
	if err := json.Unmarshal(frame, &e); err != nil {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "malformed jetstream event: " + err.Error()}}}, 0
	}
	c := e.Commit
	if e.Kind != "commit" || c == nil || c.Collection != postCollection || !watched(e.DID) {
		return connector.Page{}, e.TimeUS
	}
	iid := v1.InteractionID("bluesky", "at://"+e.DID+"/"+postCollection+"/"+c.RKey)
	at := time.UnixMicro(e.TimeUS).UTC()
	if e.TimeUS <= 0 {
		at = now
	}
	skip := func(why string) connector.Page {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "jetstream " + c.Operation + " of " + iid + ": " + why}}}
	}
	switch c.Operation {
	case "update":
		var r postRecord
		if err := json.Unmarshal(c.Record, &r); err != nil {
			return skip(err.Error()), e.TimeUS
		}
		u := postEdit(iid, r, at, v1.SourceStream, src, now)
		if err := u.Validate(); err != nil {
			return skip(err.Error()), e.TimeUS
		}
		return connector.Page{Updates: []v1.Updated{u}}, e.TimeUS
	case "delete":
		d := postDeletion(iid, "deleted on bluesky", at, v1.SourceStream, src, now)
		if err := d.Validate(); err != nil {
			return skip(err.Error()), e.TimeUS
		}
		return connector.Page{Deletions: []v1.Deleted{d}}, e.TimeUS
	}
	return connector.Page{}, e.TimeUS
}

// postEdit is the edit of interaction iid to record r, edited at at.
func postEdit(iid string, r postRecord, at time.Time, source v1.Source, src connector.Source, now time.Time) v1.Updated {
	u := v1.Updated{ID: v1.UpdatedID(iid, r.Text), InteractionID: iid, Brand: src.Brand, Network: "bluesky", Text: r.Text,
		EditedAt: at, ReceivedAt: now, Source: source, SourceID: src.ID}
	if len(r.Langs) > 0 {
		u.Lang = r.Langs[0]
	}
	return u
}

func postDeletion(iid, reason string, at time.Time, source v1.Source, src connector.Source, now time.Time) v1.Deleted {
	return v1.Deleted{ID: v1.DeletedID(iid), InteractionID: iid, Brand: src.Brand, Network: "bluesky",
		DeletedAt: at, ReceivedAt: now, Reason: reason, Source: source, SourceID: src.ID}
}
