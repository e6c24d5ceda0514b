package mastodon

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// A reply that does not mention the brand's account creates no notification
// (replies to replies in the brand's threads, mostly): the replies sweep
// reads the threads of the brand's recent statuses instead. Its bounds keep
// it far below Mastodon's default rate limit (300 calls per 5 minutes):
const (
	// MastodonRepliesStatuses is how many of the brand's newest statuses
	// (its own posts and replies, not boosts) have their threads read.
	RepliesStatuses = 20
	// MastodonRepliesDays is how old a status may be and still have its
	// thread read.
	RepliesDays = 7
	// MastodonRepliesEvery is the pause between two sweeps.
	RepliesEvery = 5 * time.Minute
	// mastodonContextsPerPoll is how many threads one poll reads: a sweep
	// goes on over a few polls in a row, its progress kept in the cursor, so
	// a 429 in the middle costs little.
	mastodonContextsPerPoll = 5
	// mastodonReplyLateness is how long after a newer reply a reply may
	// still reach the brand's server (federation retries) and be read.
	mastodonReplyLateness = 6 * time.Hour
	// mastodonThreadSeen bounds the replies remembered per thread.
	mastodonThreadSeen = 200
)

// mastodonReplies is the replies sweep's state, in the source's cursor.
type mastodonReplies struct {
	// Next is when the next sweep is due.
	Next time.Time `json:"next,omitzero"`
	// Pending are the statuses the sweep in progress has still to read.
	Pending []string `json:"pending,omitempty"`
	// Threads is what was read of each tracked status's thread.
	Threads []mastodonThread `json:"threads,omitempty"`
}

// mastodonThread is what was read of the replies to one of the brand's
// statuses: every reply written before Below, and the ones in Seen
// (written since). Statuses get ids from their creation time, so a late
// federated reply comes with an old id: only a time with some slack
// (mastodonReplyLateness) tells it apart.
type mastodonThread struct {
	ID    string    `json:"id"`
	Below time.Time `json:"below,omitzero"`
	Seen  []string  `json:"seen,omitempty"`
	// Read is when the thread was last read: a status edited since is an
	// edit (the stream's status.update, when the stream was down).
	Read time.Time `json:"read,omitzero"`
}

// mastodonEditSlack is how far before the last read an edit is looked for
// (the servers' clocks and this one may disagree a little; an edit seen
// twice collapses in ingest).
const mastodonEditSlack = time.Minute

type mastodonContext struct {
	Ancestors   []json.RawMessage `json:"ancestors"`
	Descendants []json.RawMessage `json:"descendants"`
}

// repliesStep reads a few threads of the sweep in progress, or starts a
// sweep when one is due. More means the sweep goes on. A refused token and
// a 429 stop the poll as on notifications; other failures are reported and
// left to the next sweep, so that notifications keep flowing.
func (m *Connector) repliesStep(ctx context.Context, src connector.Source, r *mastodonReplies) (connector.Page, error) {
	now := m.now().UTC()
	var out connector.Page
	if len(r.Pending) == 0 {
		if now.Before(r.Next) {
			return out, nil
		}
		r.Next = now.Add(RepliesEvery)
		if err := m.startSweep(ctx, src, r, now); err != nil {
			return sweepFailure(out, "replies without a mention not read", err)
		}
	}
	account, err := m.accountID(ctx, src)
	if err != nil {
		return sweepFailure(out, "replies without a mention not read", err)
	}
	for i := 0; i < mastodonContextsPerPoll && len(r.Pending) > 0; i++ {
		id := r.Pending[0]
		var c mastodonContext
		_, err := m.get(ctx, src, "/api/v1/statuses/"+url.PathEscape(id)+"/context", nil, &c)
		switch {
		case errors.Is(err, errMastodonNotFound): // deleted meanwhile
			r.Threads = slices.DeleteFunc(r.Threads, func(t mastodonThread) bool { return t.ID == id })
		case err != nil:
			if out, err = sweepFailure(out, "replies to status "+id+" not read", err); err != nil {
				return connector.Page{}, err
			}
		default:
			items, updates, skipped := r.thread(id).read(c, account, src, now)
			out.Items = append(out.Items, items...)
			out.Updates = append(out.Updates, updates...)
			out.Skipped = append(out.Skipped, skipped...)
		}
		r.Pending = r.Pending[1:]
	}
	out.More = len(r.Pending) > 0
	return out, nil
}

// sweepFailure stops the poll on a refused token or a rate limit (the loop
// parks the source, or waits), and otherwise reports the failure in out.
func sweepFailure(out connector.Page, what string, err error) (connector.Page, error) {
	var limited *connector.RateLimitedError
	if errors.As(err, &limited) || errors.Is(err, connector.ErrUnauthorized) && !errors.Is(err, errMastodonForbidden) {
		return connector.Page{}, fmt.Errorf("mastodon replies: %w", err)
	}
	reason := what + ": " + err.Error()
	if errors.Is(err, errMastodonForbidden) {
		reason += " (the token needs read:statuses and read:accounts, or read)"
	}
	out.Skipped = append(out.Skipped, connector.Skipped{Index: -1, Reason: reason})
	return out, nil
}

// startSweep lists the brand's recent statuses: they are the sweep's to
// read, and the threads of older ones are forgotten.
func (m *Connector) startSweep(ctx context.Context, src connector.Source, r *mastodonReplies, now time.Time) error {
	account, err := m.accountID(ctx, src)
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("limit", fmt.Sprint(RepliesStatuses))
	q.Set("exclude_reblogs", "true")
	var statuses []json.RawMessage
	if _, err := m.get(ctx, src, "/api/v1/accounts/"+url.PathEscape(account)+"/statuses", q, &statuses); err != nil {
		return fmt.Errorf("statuses of the account: %w", err)
	}
	since := now.AddDate(0, 0, -RepliesDays)
	r.Pending = nil
	for _, raw := range statuses {
		var s struct {
			ID        string    `json:"id"`
			CreatedAt time.Time `json:"created_at"`
		}
		if json.Unmarshal(raw, &s) == nil && s.ID != "" && !s.CreatedAt.Before(since) {
			r.Pending = append(r.Pending, s.ID)
		}
	}
	r.Threads = slices.DeleteFunc(r.Threads, func(t mastodonThread) bool { return !slices.Contains(r.Pending, t.ID) })
	return nil
}

func (r *mastodonReplies) thread(id string) *mastodonThread {
	for i := range r.Threads {
		if r.Threads[i].ID == id {
			return &r.Threads[i]
		}
	}
	r.Threads = append(r.Threads, mastodonThread{ID: id})
	return &r.Threads[len(r.Threads)-1]
}

// read returns the replies of a thread not read yet, other than the
// brand's own and those that mention it (their notification brings them),
// and the statuses edited since the last read (ingest keeps the edits of
// interactions it received); it moves the thread's mark.
func (t *mastodonThread) read(c mastodonContext, account string, src connector.Source, now time.Time) ([]v1.Received, []v1.Updated, []connector.Skipped) {
	host := mastodonHost(src)
	root := c.root(host, t.ID)
	var items []v1.Received
	var updates []v1.Updated
	var skipped []connector.Skipped
	at := map[string]time.Time{} // every reply of the thread, by id
	var newest time.Time
	for i, raw := range c.Descendants {
		var s mastodonStatus
		if err := json.Unmarshal(raw, &s); err != nil {
			var id struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(raw, &id) == nil && id.ID != "" {
				if _, ok := at[id.ID]; !ok && !slices.Contains(t.Seen, id.ID) {
					skipped = append(skipped, connector.Skipped{Index: i, Reason: err.Error()})
					t.Seen = append(t.Seen, id.ID) // reported once
				}
				at[id.ID] = time.Time{}
				continue
			}
			skipped = append(skipped, connector.Skipped{Index: i, Reason: err.Error()})
			continue
		}
		if s.Account.ID == account {
			continue
		}
		if !mentions(s, account) {
			at[s.ID] = s.CreatedAt
			if s.CreatedAt.After(newest) {
				newest = s.CreatedAt
			}
			if !s.CreatedAt.Before(t.Below) && !slices.Contains(t.Seen, s.ID) {
				t.Seen = append(t.Seen, s.ID)
				r := mastodonInteraction(s, host, src, now)
				r.Kind, r.ThreadID = v1.KindReply, root
				if err := r.Validate(); err != nil {
					skipped = append(skipped, connector.Skipped{Index: i, Reason: err.Error()})
					continue
				}
				items = append(items, r) // as it reads now: no edit to tell
				continue
			}
		}
		if s.EditedAt != nil && !t.Read.IsZero() && s.EditedAt.After(t.Read.Add(-mastodonEditSlack)) {
			u, err := mastodonUpdate(s, host, src, now, v1.SourcePoll)
			if err != nil {
				skipped = append(skipped, connector.Skipped{Index: i, Reason: "edit: " + err.Error()})
				continue
			}
			updates = append(updates, u)
		}
	}
	t.mark(at, newest)
	t.Read = now
	return items, updates, skipped
}

// mark moves Below up to the lateness slack behind the newest reply, and
// keeps in Seen the replies still in the thread and not below it (at most
// mastodonThreadSeen, the newest).
func (t *mastodonThread) mark(at map[string]time.Time, newest time.Time) {
	if below := newest.Add(-mastodonReplyLateness); below.After(t.Below) {
		t.Below = below
	}
	t.Seen = slices.DeleteFunc(t.Seen, func(id string) bool {
		a, ok := at[id]
		return !ok || !a.IsZero() && a.Before(t.Below)
	})
	if n := len(t.Seen) - mastodonThreadSeen; n > 0 {
		slices.SortFunc(t.Seen, func(a, b string) int { return at[a].Compare(at[b]) })
		t.Below = at[t.Seen[n]]
		t.Seen = slices.DeleteFunc(t.Seen, func(id string) bool { return at[id].Before(t.Below) })
	}
}

func mentions(s mastodonStatus, account string) bool {
	for _, m := range s.Mentions {
		if m.ID == account {
			return true
		}
	}
	return false
}

// accountID is the id of the token's account (verify_credentials), read
// once per source and token.
func (m *Connector) accountID(ctx context.Context, src connector.Source) (string, error) {
	key := sha256.Sum256([]byte(mastodonServer(src) + "\x00" + src.Secrets[Token]))
	m.mu.Lock()
	a, ok := m.accounts[src.ID]
	m.mu.Unlock()
	if ok && a.key == key {
		return a.id, nil
	}
	var acct struct {
		ID string `json:"id"`
	}
	if _, err := m.get(ctx, src, "/api/v1/accounts/verify_credentials", nil, &acct); err != nil {
		return "", fmt.Errorf("verify_credentials: %w", err)
	}
	if acct.ID == "" {
		return "", errors.New("verify_credentials: no account id")
	}
	m.mu.Lock()
	m.accounts[src.ID] = mastodonAccountID{key: key, id: acct.ID}
	m.mu.Unlock()
	return acct.ID, nil
}

type mastodonAccountID struct {
	key [32]byte
	id  string
}

// root is the first status of the conversation of status id, whose context
// c is: its first ancestor, or itself. Every path gives a reply this
// thread id (the sweep here, notifications and the stream by threaded).
func (c mastodonContext) root(host, id string) string {
	if len(c.Ancestors) > 0 {
		var a struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(c.Ancestors[0], &a) == nil && a.ID != "" {
			return host + "/" + a.ID
		}
	}
	return host + "/" + id
}

// mastodonRootsMax bounds the conversations whose first status is
// remembered; past it the memory starts again (a lookup costs one call).
const mastodonRootsMax = 10_000

// threaded gives the replies among items (notifications, pushed or
// polled) the thread id the sweep gives them: the first status of their
// conversation, read from the context of their parent once per parent. A
// token without read:statuses, or a parent gone, leaves the parent as the
// best key there is; a rate limit stops the poll as any call does.
func (m *Connector) threaded(ctx context.Context, src connector.Source, items []v1.Received) error {
	host := mastodonHost(src)
	for i := range items {
		r := &items[i]
		if r.ParentID == "" || r.ThreadID != "" {
			continue
		}
		m.mu.Lock()
		root, ok := m.roots[r.ParentID]
		m.mu.Unlock()
		if !ok {
			id := strings.TrimPrefix(r.ParentID, host+"/")
			var c mastodonContext
			_, err := m.get(ctx, src, "/api/v1/statuses/"+url.PathEscape(id)+"/context", nil, &c)
			var limited *connector.RateLimitedError
			switch {
			case errors.As(err, &limited):
				return err
			case err != nil: // not found, scopes, a server error: the parent
				r.ThreadID = r.ParentID
				continue
			}
			root = c.root(host, id)
			m.mu.Lock()
			if len(m.roots) >= mastodonRootsMax {
				clear(m.roots)
			}
			m.roots[r.ParentID] = root
			m.mu.Unlock()
		}
		r.ThreadID = root
	}
	return nil
}
