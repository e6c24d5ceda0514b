package slots

import (
	"slices"
	"strings"
	"time"
)

// Evergreen is a post that may go out again: its publications, past and
// scheduled.
type Evergreen struct {
	PostID       string
	Publications []time.Time
}

// Recycled is one free slot given to an evergreen post.
type Recycled struct {
	PostID string
	Slot   Opening
}

// Recycle gives free slots (in time order, as Free lists them) to evergreen
// posts, each slot to the post that may take it and went out least
// recently: a post may take a slot when every publication of it, past or
// scheduled (those given by this call included), is at least gap away.
// A post never published comes first; ties go to the smaller post id, so
// the plan is the same on every replica. A slot no post may take stays
// free. gap must be positive: without a gap one post would fill the queue.
func Recycle(free []Opening, pool []Evergreen, gap time.Duration) []Recycled {
	if gap <= 0 || len(pool) == 0 {
		return nil
	}
	pubs := make([][]time.Time, len(pool))
	for i, e := range pool {
		pubs[i] = slices.Clone(e.Publications)
	}
	var out []Recycled
	for _, slot := range free {
		best := -1
		var bestLast time.Time
		for i, e := range pool {
			if !farFromAll(pubs[i], slot.At, gap) {
				continue
			}
			// Zero (first in line) when never published before the slot.
			last := lastBefore(pubs[i], slot.At)
			if best < 0 || last.Before(bestLast) || (last.Equal(bestLast) && strings.Compare(e.PostID, pool[best].PostID) < 0) {
				best, bestLast = i, last
			}
		}
		if best < 0 {
			continue
		}
		pubs[best] = append(pubs[best], slot.At)
		out = append(out, Recycled{PostID: pool[best].PostID, Slot: slot})
	}
	return out
}

// lastBefore is the latest of pubs before at; zero when none is.
func lastBefore(pubs []time.Time, at time.Time) time.Time {
	var last time.Time
	for _, p := range pubs {
		if p.Before(at) && p.After(last) {
			last = p
		}
	}
	return last
}

// farFromAll reports whether at is at least gap from every one of pubs.
func farFromAll(pubs []time.Time, at time.Time, gap time.Duration) bool {
	for _, p := range pubs {
		d := at.Sub(p)
		if d < 0 {
			d = -d
		}
		if d < gap {
			return false
		}
	}
	return true
}
