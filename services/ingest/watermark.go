package ingest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// watermark is how far a newest-first listing has been read: the instant of
// the newest item delivered and the ids of the items at exactly that instant
// (APIs time items to the millisecond or the second, so ties happen).
type watermark struct {
	At  time.Time `json:"at,omitzero"`
	IDs []string  `json:"ids,omitempty"`
}

// covers reports whether an item was already read: older than the mark, or
// at the mark and among its ids.
func (w watermark) covers(at time.Time, id string) bool {
	return at.Before(w.At) || at.Equal(w.At) && slices.Contains(w.IDs, id)
}

// add moves the mark up to an item if it is newer.
func (w *watermark) add(at time.Time, id string) {
	switch {
	case at.After(w.At):
		w.At, w.IDs = at, []string{id}
	case at.Equal(w.At) && !slices.Contains(w.IDs, id):
		w.IDs = append(w.IDs, id)
	}
}

// merge moves the mark up to another one.
func (w *watermark) merge(o watermark) {
	for _, id := range o.IDs {
		w.add(o.At, id)
	}
}

// newestFirst is the cursor of an API that lists newest first and pages
// only towards older items (Bluesky notifications, YouTube comment
// threads): there is no "since" to ask for. A poll reads from the top down
// to Seen; when the backlog is longer than a page it goes on with the API's
// page token (Next) and moves Seen to the newest item of the backlog (Top)
// only once it reaches Seen — so a crash in the middle re-reads (dedup
// collapses) and never skips what lies between.
type newestFirst struct {
	Seen watermark `json:"seen,omitzero"`
	Next string    `json:"next,omitempty"`
	Top  watermark `json:"top,omitzero"`
}

// first reports whether nothing was read yet: the first poll delivers the
// newest page and no history (a backfill reads history).
func (c newestFirst) first() bool { return c.Seen.At.IsZero() }

// fresh reports whether an item was not delivered yet.
func (c newestFirst) fresh(at time.Time, id string) bool {
	return c.first() || !c.Seen.covers(at, id)
}

// stamp is the instant and id of an item of a page, readable or not.
type stamp struct {
	at time.Time
	id string
}

// page folds one page read into the cursor: stamps of its items, next the
// API's token for the older page ("" at the end). It reports whether the
// backlog goes on.
func (c *newestFirst) page(stamps []stamp, next string) bool {
	reached := c.first()
	for _, s := range stamps {
		c.Top.add(s.at, s.id)
		if !c.first() && c.Seen.covers(s.at, s.id) {
			reached = true
		}
	}
	if reached || next == "" {
		c.Seen.merge(c.Top)
		c.Top, c.Next = watermark{}, ""
		return false
	}
	c.Next = next
	return true
}

// decodeCursor reads a JSON cursor into v. An unreadable cursor (written
// by an older version, say) is not worth a source stuck in errors: v is
// left empty, so the poll starts again from the newest items, and the
// returned Skipped says so in the logs and the skipped-items metric.
func decodeCursor(cursor string, v any) []Skipped {
	if cursor == "" || json.Unmarshal([]byte(cursor), v) == nil {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero() // Unmarshal may have filled part of it
	return []Skipped{{Index: -1, Reason: "unreadable cursor: started again from the newest items"}}
}

func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// intervalSetting reads a source's poll_interval setting for a connector
// that must not call its network more often (API quota, politeness to
// feeds): def when unset, so each network keeps its own default while the
// poll loop wakes at ingest.poll_interval and finds nothing due.
func intervalSetting(src Source, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(src.Settings[SettingPollInterval])
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 24*time.Hour {
		return 0, fmt.Errorf("settings.%s must be a duration between 0s and 24h, e.g. 5m", SettingPollInterval)
	}
	return d, nil
}
