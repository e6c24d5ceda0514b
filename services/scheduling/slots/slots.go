// Package slots holds a brand's publishing queue on one network: weekly
// slots (a weekday and a wall-clock time in the brand's IANA zone), "add to
// queue" taking the next free slot, and evergreen posts recycled into free
// slots no sooner than a minimum gap after their last publication. Wall
// times are resolved by walltime's rule, so a slot that a DST change skips
// or repeats still gives one instant. No I/O: the scheduling service keeps
// the queues and knows which instants are taken.
package slots

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// Limits of a queue.
const (
	// MaxSlots bounds a week's slots: one every half hour of the week is
	// 336; no brand posts that often on one network.
	MaxSlots = 336
	// Horizon is how far ahead the queue looks for a free slot.
	Horizon = 366 * 24 * time.Hour
	// MaxEvergreenGapDays bounds the evergreen gap: a post recycled less
	// than once a year is not evergreen.
	MaxEvergreenGapDays = 365
	// MaxEvergreenAheadDays bounds how far ahead the recycler fills a
	// queue on its own: four weeks of copies is a month to approve them.
	MaxEvergreenAheadDays = 28
	// MaxEvergreenReposts bounds a post's copies when a queue bounds them.
	MaxEvergreenReposts = 1000
)

// Errors of Next.
var (
	// ErrFull: every slot within the Horizon is taken.
	ErrFull = errors.New("every slot of the queue is taken for the next year")
	// ErrNoSlots: the queue has no slot at all.
	ErrNoSlots = errors.New("the queue has no slots")
)

// Slot is one weekly publishing time.
type Slot struct {
	// Weekday is ISO 8601's: 1 = Monday … 7 = Sunday.
	Weekday int `json:"weekday"`
	// Time is the wall-clock time HH:MM in the queue's zone.
	Time string `json:"time"`
}

// Queue is the weekly slots of one brand on one network.
type Queue struct {
	// Zone is the IANA zone the slots' times are read in (the brand's).
	Zone  string `json:"zone"`
	Slots []Slot `json:"slots"`
	// EvergreenGapDays is the minimum time between two publications of the
	// same evergreen post, in days; 0 turns recycling off.
	EvergreenGapDays int `json:"evergreen_gap_days,omitempty"`
	// EvergreenMaxReposts bounds the copies of one evergreen post; 0: no
	// bound.
	EvergreenMaxReposts int `json:"evergreen_max_reposts,omitempty"`
	// EvergreenAheadDays is how many days ahead the recycler keeps the
	// queue's free slots filled on its own; 0: recycling on request only.
	EvergreenAheadDays int `json:"evergreen_ahead_days,omitempty"`
}

// Week is a checked Queue, ready to find instants.
type Week struct {
	loc *time.Location
	// byDay holds each weekday's slots as minutes after midnight, sorted;
	// index 0 is Sunday (time.Weekday).
	byDay [7][]int
	gap   time.Duration
	// maxReposts and ahead: Queue's EvergreenMaxReposts and
	// EvergreenAheadDays.
	maxReposts int
	ahead      time.Duration
}

// Compile checks q and returns its Week; an error names the field at fault
// (slots[2].time).
func (q Queue) Compile() (Week, error) {
	var w Week
	if q.Zone == "" {
		return w, rpc.BadRequest("zone", "is required (an IANA time zone such as Europe/Paris)")
	}
	loc, err := walltime.LoadZone(q.Zone)
	if err != nil {
		return w, rpc.BadRequest("zone", "%q is not an IANA time zone", q.Zone)
	}
	w.loc = loc
	if len(q.Slots) > MaxSlots {
		return w, rpc.BadRequest("slots", "at most %d slots a week, got %d", MaxSlots, len(q.Slots))
	}
	if q.EvergreenGapDays < 0 || q.EvergreenGapDays > MaxEvergreenGapDays {
		return w, rpc.BadRequest("evergreen_gap_days", "must be from 0 to %d, got %d", MaxEvergreenGapDays, q.EvergreenGapDays)
	}
	w.gap = time.Duration(q.EvergreenGapDays) * 24 * time.Hour
	if q.EvergreenMaxReposts < 0 || q.EvergreenMaxReposts > MaxEvergreenReposts {
		return w, rpc.BadRequest("evergreen_max_reposts", "must be from 0 (no bound) to %d, got %d", MaxEvergreenReposts, q.EvergreenMaxReposts)
	}
	w.maxReposts = q.EvergreenMaxReposts
	if q.EvergreenAheadDays < 0 || q.EvergreenAheadDays > MaxEvergreenAheadDays {
		return w, rpc.BadRequest("evergreen_ahead_days", "must be from 0 (on request only) to %d, got %d", MaxEvergreenAheadDays, q.EvergreenAheadDays)
	}
	if q.EvergreenAheadDays > 0 && q.EvergreenGapDays == 0 {
		return w, rpc.BadRequest("evergreen_ahead_days", "recycling on its own needs an evergreen gap (evergreen_gap_days)")
	}
	w.ahead = time.Duration(q.EvergreenAheadDays) * 24 * time.Hour
	for i, s := range q.Slots {
		if s.Weekday < 1 || s.Weekday > 7 {
			return w, rpc.BadRequest(fmt.Sprintf("slots[%d].weekday", i), "must be from 1 (Monday) to 7 (Sunday), got %d", s.Weekday)
		}
		m, ok := ParseClock(s.Time)
		if !ok {
			return w, rpc.BadRequest(fmt.Sprintf("slots[%d].time", i), "%q is not a time HH:MM", s.Time)
		}
		day := s.Weekday % 7
		if slices.Contains(w.byDay[day], m) {
			return w, rpc.BadRequest(fmt.Sprintf("slots[%d]", i), "weekday %d at %s is listed twice", s.Weekday, s.Time)
		}
		w.byDay[day] = append(w.byDay[day], m)
	}
	for d := range w.byDay {
		slices.Sort(w.byDay[d])
	}
	return w, nil
}

// ParseClock reads HH:MM (00:00 to 23:59) as minutes after midnight.
func ParseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m := h1*10+h2, m1*10+m2
	return h*60 + m, ok1 && ok2 && ok3 && ok4 && h < 24 && m < 60
}

// Opening is one slot's instant.
type Opening struct {
	// At is the instant, in the queue's zone.
	At time.Time
	// Wall is the slot's wall time on that date (walltime.Layout).
	Wall string
	// Kind and Shift say whether a DST change skipped or repeated the wall
	// time (walltime's rule).
	Kind  walltime.Kind
	Shift time.Duration
}

// Taken is the set of instants already holding a post in the queue, to the
// minute: a post scheduled at a slot's minute takes the slot.
type Taken map[int64]struct{}

// TakenAt builds the set of the instants ats.
func TakenAt(ats ...time.Time) Taken {
	t := make(Taken, len(ats))
	for _, at := range ats {
		t.Add(at)
	}
	return t
}

// Add marks at taken.
func (t Taken) Add(at time.Time) { t[minute(at)] = struct{}{} }

// Remove frees at's minute.
func (t Taken) Remove(at time.Time) { delete(t, minute(at)) }

// Has reports whether at's minute is taken.
func (t Taken) Has(at time.Time) bool {
	_, ok := t[minute(at)]
	return ok
}

func minute(at time.Time) int64 { return at.Unix() / 60 }

// Next is the first free slot strictly after after: what "add to queue"
// gives a post. ErrFull when none is free within the Horizon.
func (w Week) Next(after time.Time, taken Taken) (Opening, error) {
	if w.Empty() {
		return Opening{}, ErrNoSlots
	}
	free := w.Free(after, 1, taken)
	if len(free) == 0 {
		return Opening{}, ErrFull
	}
	return free[0], nil
}

// Free lists up to n free slots strictly after after, in time order,
// within the Horizon. Two slots that resolve to one instant (a skipped
// 02:30 moved onto a 03:30 slot) count once.
func (w Week) Free(after time.Time, n int, taken Taken) []Opening {
	var out []Opening
	local := after.In(w.loc)
	// From the day before: a slot late in the evening that a DST change at
	// midnight skips lands on the next day.
	day := time.Date(local.Year(), local.Month(), local.Day()-1, 12, 0, 0, 0, time.UTC)
	end := after.Add(Horizon)
	var last time.Time
	for len(out) < n && !w.Empty() {
		minutes := w.byDay[day.Weekday()]
		opens := make([]Opening, 0, len(minutes))
		for _, m := range minutes {
			wall := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, time.UTC)
			r := walltime.Resolve(wall, w.loc)
			opens = append(opens, Opening{At: r.At.In(w.loc), Wall: wall.Format(walltime.Layout), Kind: r.Kind, Shift: r.Shift})
		}
		slices.SortStableFunc(opens, func(a, b Opening) int { return a.At.Compare(b.At) })
		for _, o := range opens {
			if o.At.After(end) {
				return out
			}
			if !o.At.After(after) || o.At.Equal(last) || taken.Has(o.At) {
				continue
			}
			last = o.At
			out = append(out, o)
			if len(out) == n {
				return out
			}
		}
		if !day.Before(end) {
			return out
		}
		day = day.AddDate(0, 0, 1)
	}
	return out
}

// Empty reports whether the week has no slot.
func (w Week) Empty() bool {
	for _, d := range w.byDay {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// Gap is the evergreen gap; zero when recycling is off.
func (w Week) Gap() time.Duration { return w.gap }

// Ahead is how far ahead the recycler fills the queue on its own; zero
// when it does not.
func (w Week) Ahead() time.Duration { return w.ahead }

// Rules are the queue's recycling rules around the posts placed.
func (w Week) Rules(placed []Placed) Rules {
	return Rules{Gap: w.gap, MaxReposts: w.maxReposts, Placed: placed}
}

// Location is the queue's zone.
func (w Week) Location() *time.Location { return w.loc }
