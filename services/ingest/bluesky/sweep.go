package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// The sweep: Bluesky notifies no edit and no deletion, and Jetstream only
// tells what happens while it is connected (and may be off), so the polls
// read the recent interactions again with getPosts. A record whose CID
// changed was edited; a post no longer served was deleted (or its author's
// account is gone), said only when it is missing from two sweeps in a row,
// so that a passing gap of the AppView deletes nothing.
const (
	sweepEvery = 5 * time.Minute
	// sweepWindow is how long an interaction is read again: edits and
	// deletions come mostly within hours (the stream, when on, sees the
	// later ones of the authors it watches).
	sweepWindow = 48 * time.Hour
	// maxSwept bounds the posts read per sweep: 8 getPosts calls.
	maxSwept = 200
	// getPostsMax is getPosts' limit of uris per call.
	getPostsMax = 25
)

// sweepState is the sweep's part of the cursor.
type sweepState struct {
	Watch   []watchedPost `json:"watch,omitempty"`
	SweptAt time.Time     `json:"swept_at,omitzero"`
}

// watchedPost is an interaction the sweep reads again.
type watchedPost struct {
	URI     string    `json:"uri"`
	CID     string    `json:"cid"`
	At      time.Time `json:"at"` // when it was notified
	Missing bool      `json:"missing,omitempty"`
}

// remember adds the interactions a poll delivered (their notes carry the
// CID) and forgets those past the window, the newest maxSwept kept.
func (s *sweepState) remember(notes []blueskyNote, items []v1.Received, now time.Time) {
	delivered := make(map[string]bool, len(items))
	for _, r := range items {
		delivered[r.PlatformID] = true
	}
	for _, n := range notes {
		if delivered[n.URI] && n.CID != "" && !slices.ContainsFunc(s.Watch, func(w watchedPost) bool { return w.URI == n.URI }) {
			s.Watch = append(s.Watch, watchedPost{URI: n.URI, CID: n.CID, At: n.IndexedAt})
		}
	}
	if s.SweptAt.IsZero() && len(s.Watch) > 0 {
		s.SweptAt = now // the first sweep comes an interval after the first reading
	}
	s.prune(now)
}

// prune forgets the posts past the window, and keeps the newest maxSwept.
func (s *sweepState) prune(now time.Time) {
	s.Watch = slices.DeleteFunc(s.Watch, func(w watchedPost) bool { return now.Sub(w.At) > sweepWindow })
	slices.SortStableFunc(s.Watch, func(a, b watchedPost) int { return b.At.Compare(a.At) })
	if len(s.Watch) > maxSwept {
		s.Watch = s.Watch[:maxSwept]
	}
}

// authorDIDs are the DIDs of the authors of items and of watched posts.
func authorDIDs(items []v1.Received, watch []watchedPost) []string {
	out := make([]string, 0, len(watch)+len(items))
	for _, r := range items {
		out = append(out, r.Author.ID)
	}
	for _, w := range watch {
		if did, _, ok := blueskyPostKey(w.URI); ok {
			out = append(out, did)
		}
	}
	return out
}

// sweep reads the watched posts again when a sweep is due and adds their
// edits and deletions to out. A failed sweep is a skipped item (logged and
// counted), never the poll's error: the notifications stay read, and the
// next sweep tries again.
func (b *Connector) sweep(ctx context.Context, src connector.Source, c *blueskyCursor, out *connector.Page) {
	now := b.now().UTC()
	c.prune(now)
	if len(c.Watch) == 0 || now.Sub(c.SweptAt) < sweepEvery {
		return
	}
	posts := map[string]sweptPost{}
	for batch := range slices.Chunk(c.Watch, getPostsMax) {
		q := url.Values{}
		for _, w := range batch {
			q.Add("uris", w.URI)
		}
		body, err := b.call(ctx, src, "app.bsky.feed.getPosts", q)
		if err == nil {
			err = readPosts(body, posts)
		}
		if err != nil {
			out.Skipped = append(out.Skipped, connector.Skipped{Index: -1, Reason: fmt.Sprintf("sweep for edits and deletions: %v", err)})
			return
		}
	}
	c.SweptAt = now
	kept := c.Watch[:0]
	for _, w := range c.Watch {
		iid := v1.InteractionID("bluesky", w.URI)
		p, ok := posts[w.URI]
		switch {
		case !ok && w.Missing:
			out.Deletions = append(out.Deletions, postDeletion(iid, "no longer on bluesky: deleted, or its author's account is gone", now, v1.SourcePoll, src, now))
			continue
		case !ok:
			w.Missing = true
		case p.CID != w.CID:
			u := postEdit(iid, p.Record, now, v1.SourcePoll, src, now)
			if err := u.Validate(); err != nil {
				out.Skipped = append(out.Skipped, connector.Skipped{Index: -1, Reason: "sweep: edit of " + iid + ": " + err.Error()})
			} else {
				out.Updates = append(out.Updates, u)
			}
			w.CID, w.Missing = p.CID, false
		default:
			w.Missing = false
		}
		kept = append(kept, w)
	}
	c.Watch = kept
}

type sweptPost struct {
	CID    string
	Record postRecord
}

// readPosts reads a getPosts answer into posts, by uri.
func readPosts(body []byte, posts map[string]sweptPost) error {
	var resp struct {
		Posts []struct {
			URI    string     `json:"uri"`
			CID    string     `json:"cid"`
			Record postRecord `json:"record"`
		} `json:"posts"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fmt.Errorf("bluesky getPosts: malformed answer: %w", err)
	}
	for _, p := range resp.Posts {
		posts[p.URI] = sweptPost{CID: p.CID, Record: p.Record}
	}
	return nil
}
