package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

// mastodonBackfill is a backfill's progress: the notifications first
// (MaxID, the next older page), then the threads of the brand's statuses
// that could have been answered in the period (Threads): those written
// since RepliesDays before it, listed page by page (Statuses, the max_id of
// the next listing page; Listed once the listing is done) and read a few
// per step (Pending).
type mastodonBackfill struct {
	MaxID    string   `json:"max_id,omitempty"`
	Threads  bool     `json:"threads,omitempty"`
	Statuses string   `json:"statuses,omitempty"`
	Listed   bool     `json:"listed,omitempty"`
	Pending  []string `json:"pending,omitempty"`
}

// decodeBackfill reads a backfill cursor; a bare notification id is the
// cursor of a backfill started by an older version.
func decodeBackfill(cursor string) (mastodonBackfill, []connector.Skipped) {
	var b mastodonBackfill
	if cursor != "" && !strings.HasPrefix(cursor, "{") {
		return mastodonBackfill{MaxID: cursor}, nil
	}
	return b, connector.DecodeCursor(cursor, &b)
}

// mastodonStatusesPage is the listing page size of the brand's statuses
// (the API's maximum).
const mastodonStatusesPage = 40

// backfillThreads lists the next page of the brand's statuses when none is
// pending, else reads a few of their threads: every reply written since,
// other than the brand's own and those that mention it (the notifications
// brought them).
func (m *Connector) backfillThreads(ctx context.Context, src connector.Source, since time.Time, b *mastodonBackfill) (connector.Page, error) {
	account, err := m.accountID(ctx, src)
	if err != nil {
		return sweepFailure(connector.Page{}, "backfill of the threads not done", err)
	}
	if len(b.Pending) == 0 && !b.Listed {
		err := m.listStatuses(ctx, src, account, since.AddDate(0, 0, -RepliesDays), b)
		if err != nil {
			return sweepFailure(connector.Page{More: false}, "backfill of the threads not done", err)
		}
		return connector.Page{More: len(b.Pending) > 0 || !b.Listed}, nil
	}
	var out connector.Page
	now := m.now().UTC()
	for i := 0; i < mastodonContextsPerPoll && len(b.Pending) > 0; i++ {
		id := b.Pending[0]
		var c mastodonContext
		_, err := m.get(ctx, src, "/api/v1/statuses/"+url.PathEscape(id)+"/context", nil, &c)
		switch {
		case err == nil:
			t := mastodonThread{ID: id, Below: since}
			items, _, skipped := t.read(c, account, src, now) // a new thread mark: no edit to tell
			out.Items = append(out.Items, items...)
			out.Skipped = append(out.Skipped, skipped...)
		case !errors.Is(err, errMastodonNotFound):
			if out, err = sweepFailure(out, "replies to status "+id+" not read", err); err != nil {
				return connector.Page{}, err
			}
		}
		b.Pending = b.Pending[1:]
	}
	out.More = len(b.Pending) > 0 || !b.Listed
	return out, nil
}

// listStatuses reads the next page of the brand's statuses, newest first,
// and queues those written since oldest.
func (m *Connector) listStatuses(ctx context.Context, src connector.Source, account string, oldest time.Time, b *mastodonBackfill) error {
	q := url.Values{}
	q.Set("limit", fmt.Sprint(mastodonStatusesPage))
	q.Set("exclude_reblogs", "true")
	if b.Statuses != "" {
		q.Set("max_id", b.Statuses)
	}
	var statuses []json.RawMessage
	if _, err := m.get(ctx, src, "/api/v1/accounts/"+url.PathEscape(account)+"/statuses", q, &statuses); err != nil {
		return fmt.Errorf("statuses of the account: %w", err)
	}
	b.Listed = len(statuses) < mastodonStatusesPage
	for _, raw := range statuses {
		var s struct {
			ID        string    `json:"id"`
			CreatedAt time.Time `json:"created_at"`
		}
		if json.Unmarshal(raw, &s) != nil || s.ID == "" {
			continue
		}
		if s.CreatedAt.Before(oldest) {
			b.Listed = true // newest first: the rest is older still
			break
		}
		b.Pending = append(b.Pending, s.ID)
		b.Statuses = s.ID
	}
	return nil
}
