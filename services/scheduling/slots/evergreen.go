package slots

import (
	"slices"
	"strings"
	"time"
)

// Evergreen is a post that may go out again: its publications, past and
// scheduled, and how many of them were copies.
type Evergreen struct {
	PostID       string
	Publications []time.Time
	Reposts      int
}

// Placed is a post of the queue at its time: an evergreen post's copies
// are placed under the post they repeat.
type Placed struct {
	At     time.Time
	PostID string
}

// Rules are a queue's recycling rules.
type Rules struct {
	// Gap is the minimum time between two publications of one post; it
	// must be positive: without a gap one post would fill the queue.
	Gap time.Duration
	// MaxReposts bounds the copies of one post; 0: no bound.
	MaxReposts int
	// Placed are the queue's posts (evergreen or not, past and scheduled):
	// a post never goes out twice in a row, so it never takes a slot next
	// to one of its own publications.
	Placed []Placed
}

// Recycled is one free slot given to an evergreen post.
type Recycled struct {
	PostID string
	Slot   Opening
}

// Recycle gives free slots (in time order, as Free lists them) to evergreen
// posts, each slot to the post that may take it and went out least
// recently. A post may take a slot when every publication of it, past or
// scheduled (those given by this call included), is at least the gap away,
// it has fewer than MaxReposts copies, and neither the queue's post before
// the slot nor the one after it is itself. A post never published comes
// first; ties go to the smaller post id, so the plan is the same on every
// replica. A slot no post may take stays free.
func Recycle(free []Opening, pool []Evergreen, r Rules) []Recycled {
	if r.Gap <= 0 || len(pool) == 0 {
		return nil
	}
	pubs := make([][]time.Time, len(pool))
	reposts := make([]int, len(pool))
	placed := slices.Clone(r.Placed)
	for i, e := range pool {
		pubs[i] = slices.Clone(e.Publications)
		reposts[i] = e.Reposts
		for _, at := range e.Publications {
			placed = append(placed, Placed{At: at, PostID: e.PostID})
		}
	}
	var out []Recycled
	for _, slot := range free {
		before, after := neighbours(placed, slot.At)
		best := -1
		var bestLast time.Time
		for i, e := range pool {
			if !farFromAll(pubs[i], slot.At, r.Gap) || (r.MaxReposts > 0 && reposts[i] >= r.MaxReposts) || e.PostID == before || e.PostID == after {
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
		reposts[best]++
		placed = append(placed, Placed{At: slot.At, PostID: pool[best].PostID})
		out = append(out, Recycled{PostID: pool[best].PostID, Slot: slot})
	}
	return out
}

// neighbours are the posts placed last before at and first after it ("" for
// none).
func neighbours(placed []Placed, at time.Time) (before, after string) {
	var b, a time.Time
	for _, p := range placed {
		switch {
		case p.At.Before(at) && (before == "" || p.At.After(b)):
			before, b = p.PostID, p.At
		case p.At.After(at) && (after == "" || p.At.Before(a)):
			after, a = p.PostID, p.At
		}
	}
	return before, after
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
