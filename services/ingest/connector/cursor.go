package connector

import (
	"encoding/json"
	"reflect"
	"slices"
	"time"
)

// Watermark is how far a newest-first listing has been read: the instant of
// the newest item delivered and the ids of the items at exactly that instant
// (APIs time items to the millisecond or the second, so ties happen).
type Watermark struct {
	At  time.Time `json:"at,omitzero"`
	IDs []string  `json:"ids,omitempty"`
}

// Covers reports whether an item was already read: older than the mark, or
// at the mark and among its ids.
func (w Watermark) Covers(at time.Time, id string) bool {
	return at.Before(w.At) || at.Equal(w.At) && slices.Contains(w.IDs, id)
}

// Add moves the mark up to an item if it is newer.
func (w *Watermark) Add(at time.Time, id string) {
	switch {
	case at.After(w.At):
		w.At, w.IDs = at, []string{id}
	case at.Equal(w.At) && !slices.Contains(w.IDs, id):
		w.IDs = append(w.IDs, id)
	}
}

// Merge moves the mark up to another one.
func (w *Watermark) Merge(o Watermark) {
	for _, id := range o.IDs {
		w.Add(o.At, id)
	}
}

// NewestFirst is the cursor of an API that lists newest first and pages
// only towards older items (Bluesky notifications, YouTube comment
// threads): there is no "since" to ask for. A poll reads from the top down
// to Seen; when the backlog is longer than a page it goes on with the API's
// page token (Next) and moves Seen to the newest item of the backlog (Top)
// only once it reaches Seen — so a crash in the middle re-reads (dedup
// collapses) and never skips what lies between.
type NewestFirst struct {
	Seen Watermark `json:"seen,omitzero"`
	Next string    `json:"next,omitempty"`
	Top  Watermark `json:"top,omitzero"`
}

// First reports whether nothing was read yet: the first poll delivers the
// newest page and no history (a backfill reads history).
func (c NewestFirst) First() bool { return c.Seen.At.IsZero() }

// Fresh reports whether an item was not delivered yet.
func (c NewestFirst) Fresh(at time.Time, id string) bool {
	return c.First() || !c.Seen.Covers(at, id)
}

// Stamp is the instant and id of an item of a page, readable or not.
type Stamp struct {
	At time.Time
	ID string
}

// Read folds one page read into the cursor: stamps of its items, next the
// API's token for the older page ("" at the end). It reports whether the
// backlog goes on.
func (c *NewestFirst) Read(stamps []Stamp, next string) bool {
	reached := c.First()
	for _, s := range stamps {
		c.Top.Add(s.At, s.ID)
		if !c.First() && c.Seen.Covers(s.At, s.ID) {
			reached = true
		}
	}
	if reached || next == "" {
		c.Seen.Merge(c.Top)
		c.Top, c.Next = Watermark{}, ""
		return false
	}
	c.Next = next
	return true
}

// DecodeCursor reads a JSON cursor into v. An unreadable cursor (written
// by an older version, say) is not worth a source stuck in errors: v is
// left empty, so the poll starts again from the newest items, and the
// returned Skipped says so in the logs and the skipped-items metric.
func DecodeCursor(cursor string, v any) []Skipped {
	if cursor == "" || json.Unmarshal([]byte(cursor), v) == nil {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero() // Unmarshal may have filled part of it
	return []Skipped{{Index: -1, Reason: "unreadable cursor: started again from the newest items"}}
}

func EncodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
