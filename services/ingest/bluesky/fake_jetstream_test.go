package bluesky_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// servePosts is app.bsky.feed.getPosts: the post views of the uris asked
// (at most 25), in the order asked, those it does not serve left out.
func (f *fakeBluesky) servePosts(w http.ResponseWriter, r *http.Request) {
	uris := r.URL.Query()["uris"]
	if len(uris) == 0 || len(uris) > 25 {
		xrpcError(w, 400, "InvalidRequest", "uris must have between 1 and 25 items")
		return
	}
	f.maxURIs = max(f.maxURIs, len(uris))
	views := []string{}
	for _, uri := range uris {
		p, ok := f.posts[uri]
		if !ok {
			continue
		}
		views = append(views, fmt.Sprintf(`{"uri":%q,"cid":%q,"author":{"did":%q,"handle":"fan.bsky.social"},"indexedAt":"2026-11-23T08:00:00.000Z",
		  "record":{"$type":"app.bsky.feed.post","text":%q,"createdAt":"2026-11-23T08:00:00.000Z","langs":["fr"]},"replyCount":0,"likeCount":0,"labels":[]}`,
			uri, p.cid, p.did, p.text))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"posts":[%s]}`, strings.Join(views, ","))
}

// fakeJetstream is a Jetstream instance at /subscribe: it filters by
// wantedCollections and wantedDids as Jetstream does, and with
// requireHello=true sends nothing until the subscriber's options_update.
type fakeJetstream struct {
	subs     []*jetSub
	connects int
	queries  []string
	hellos   [][]string // the wantedDids of every options_update received
}

type jetSub struct {
	conn  *websocket.Conn
	dids  []string
	ready bool // hello received (or not required)
}

func (f *fakeBluesky) serveJetstream(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	q := r.URL.Query()
	sub := &jetSub{conn: c, dids: q["wantedDids"], ready: q.Get("requireHello") != "true"}
	f.mu.Lock()
	f.jet.subs = append(f.jet.subs, sub)
	f.jet.connects++
	f.jet.queries = append(f.jet.queries, r.URL.RawQuery)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.jet.subs = slices.DeleteFunc(f.jet.subs, func(o *jetSub) bool { return o == sub })
	}()
	for {
		_, b, err := c.Read(context.Background())
		if err != nil {
			return
		}
		var msg struct {
			Type    string `json:"type"`
			Payload struct {
				WantedDids []string `json:"wantedDids"`
			} `json:"payload"`
		}
		if json.Unmarshal(b, &msg) != nil || msg.Type != "options_update" {
			c.Close(websocket.StatusPolicyViolation, "invalid options update")
			return
		}
		f.mu.Lock()
		sub.dids, sub.ready = msg.Payload.WantedDids, true
		f.jet.hellos = append(f.jet.hellos, msg.Payload.WantedDids)
		f.mu.Unlock()
	}
}

// commit sends a commit event of app.bsky.feed.post to the subscribers
// that asked for its author; it reports how many it went to.
func (f *fakeBluesky) commit(t *testing.T, did, op, rkey, text string, at time.Time) int {
	t.Helper()
	commit := map[string]any{"rev": "3l3qo2vutsw2b", "operation": op, "collection": "app.bsky.feed.post", "rkey": rkey}
	if op != "delete" {
		commit["cid"] = "bafy-" + rkey + "-" + fmt.Sprint(at.UnixMicro())
		commit["record"] = map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-23T08:00:00.000Z", "langs": []string{"fr"}}
	}
	b, _ := json.Marshal(map[string]any{"did": did, "time_us": at.UnixMicro(), "kind": "commit", "commit": commit})
	return f.send(t, did, b)
}

// send writes an event to the ready subscribers watching did.
func (f *fakeBluesky) send(t *testing.T, did string, event []byte) int {
	t.Helper()
	f.mu.Lock()
	var to []*websocket.Conn
	for _, s := range f.jet.subs {
		if s.ready && (len(s.dids) == 0 || slices.Contains(s.dids, did)) {
			to = append(to, s.conn)
		}
	}
	f.mu.Unlock()
	for _, c := range to {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := c.Write(ctx, websocket.MessageText, event); err != nil {
			t.Fatalf("jetstream send: %v", err)
		}
		cancel()
	}
	return len(to)
}

func (f *fakeBluesky) dropJetstream() {
	f.mu.Lock()
	subs := f.jet.subs
	f.mu.Unlock()
	for _, s := range subs {
		_ = s.conn.CloseNow()
	}
}

// jetState reads the fake Jetstream's state under its lock.
func (f *fakeBluesky) jetState() (connects int, queries []string, hellos [][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jet.connects, slices.Clone(f.jet.queries), slices.Clone(f.jet.hellos)
}

// editPost changes a post's text as an update commit does (a new CID).
func (f *fakeBluesky) editPost(uri, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.posts[uri]
	p.text, p.cid = text, p.cid+"-edited"
	f.posts[uri] = p
}

func (f *fakeBluesky) deletePost(uri string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.posts, uri)
}
