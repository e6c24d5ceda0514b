package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/slots"
)

// upcomingSlots is how many free slots a queue's answer shows.
const upcomingSlots = 10

// claimTTL is how long a slot given by AddToQueue stays taken before the
// post is seen at it: a claim whose post did not get the time (a refused
// schedule, a crash) frees the slot after it.
const claimTTL = time.Minute

// queueRecord is a stored queue: its settings and the slots recently
// given, which keep two concurrent adds from taking the same slot.
type queueRecord struct {
	query.Queue
	Claims []slotClaim `json:"claims,omitempty"`
}

type slotClaim struct {
	At     time.Time `json:"at"`
	PostID string    `json:"post_id"`
	Since  time.Time `json:"since"`
}

func queueKey(brand, network string) string { return brand + "." + network }

func checkQueueRef(r query.QueueRef) error {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return fieldErr("brand", "%s", err.Error())
	}
	if _, ok := networkLimits[r.Network]; !ok {
		return fieldErr("network", "%q is not one of %v", r.Network, networks())
	}
	return nil
}

// compile reads a queue's slots; errors name the field.
func compile(q query.Queue) (slots.Week, error) {
	in := slots.Queue{Zone: q.Zone, EvergreenGapDays: q.EvergreenGapDays, EvergreenMaxReposts: q.EvergreenMaxReposts, EvergreenAheadDays: q.EvergreenAheadDays}
	for _, s := range q.Slots {
		in.Slots = append(in.Slots, slots.Slot{Weekday: s.Weekday, Time: s.Time})
	}
	w, err := in.Compile()
	if e := rpc.AsError(err); e != nil {
		return w, fieldErr(e.Field, "%s", e.Message)
	}
	return w, err
}

// Queue answers a brand's queue on one network and its next free slots.
func (s *Service) Queue(ctx context.Context, r query.QueueRef) (query.Queue, error) {
	if err := checkQueueRef(r); err != nil {
		return query.Queue{}, err
	}
	rec, err := get[queueRecord](ctx, s.planning.queues, queueKey(r.Brand, r.Network))
	if errors.Is(err, ErrNotFound) {
		return query.Queue{Brand: r.Brand, Network: r.Network, Zone: s.zone.String(), Slots: []query.QueueSlot{}}, nil
	}
	if err != nil {
		return query.Queue{}, err
	}
	q := rec.Queue
	w, err := compile(q)
	if err != nil {
		return q, err
	}
	taken, err := s.taken(ctx, rec)
	if err != nil {
		return q, err
	}
	for _, o := range w.Free(s.now(), upcomingSlots, taken) {
		q.Upcoming = append(q.Upcoming, postTime(o, q.Zone))
	}
	return q, nil
}

// PutQueue saves a brand's queue read at r.Revision.
func (s *Service) PutQueue(ctx context.Context, r query.PutQueueRequest) (query.Queue, error) {
	if err := checkQueueRef(query.QueueRef{Brand: r.Brand, Network: r.Network}); err != nil {
		return query.Queue{}, err
	}
	if r.By == "" {
		return query.Queue{}, fieldErr("by", "required")
	}
	if _, err := compile(r.Queue); err != nil {
		return query.Queue{}, err
	}
	q := r.Queue
	q.Upcoming = nil
	q.Slots = slices.Clone(q.Slots)
	slices.SortFunc(q.Slots, func(a, b query.QueueSlot) int {
		if a.Weekday != b.Weekday {
			return a.Weekday - b.Weekday
		}
		return strings.Compare(a.Time, b.Time)
	})
	rec, _, err := update(ctx, s.planning.queues, queueKey(r.Brand, r.Network), r.Revision == 0, func(cur *queueRecord) error {
		if cur.Revision != r.Revision {
			return fmt.Errorf("%w: the queue of %s on %s is at revision %d, not %d: read it again", ErrConflict, r.Brand, r.Network, cur.Revision, r.Revision)
		}
		q.Revision, q.UpdatedBy, q.UpdatedAt = cur.Revision+1, r.By, s.now().UTC()
		cur.Queue = q
		return nil
	})
	if err != nil {
		return query.Queue{}, err
	}
	if err := s.armRecycle(ctx, rec.Queue, false); err != nil {
		return query.Queue{}, fmt.Errorf("queue saved; its recycling timer was not set (save it again): %w", err)
	}
	return s.Queue(ctx, query.QueueRef{Brand: rec.Brand, Network: rec.Network})
}

// AddToQueue schedules an approved post at the next free slot of its
// network's queue. The slot is claimed in the queue's record (compare-and-
// set) before the post is scheduled, so two adds never get the same slot.
func (s *Service) AddToQueue(ctx context.Context, r query.AddToQueueRequest) (query.Post, error) {
	if err := checkAction(query.PostActionRequest{PostRef: r.PostRef, Revision: r.Revision, By: r.By}); err != nil {
		return query.Post{}, err
	}
	p, err := s.Get(ctx, r.PostRef)
	if err != nil {
		return p, err
	}
	if err := schedulable(&p, r.Revision); err != nil {
		return p, err
	}
	network := r.Network
	if network == "" {
		network = p.Variants[0].Network
	} else if !slices.ContainsFunc(p.Variants, func(v query.PostVariant) bool { return v.Network == network }) {
		return p, fieldErr("network", "post %s has no %s variant", p.ID, network)
	}
	var slot slots.Opening
	zone, err := s.claim(ctx, r.Brand, network, func(w slots.Week, taken slots.Taken, _ []slotClaim) ([]slotClaim, error) {
		// The post's own time does not take a slot from it.
		if p.Time != nil {
			taken.Remove(p.Time.At)
		}
		var err error
		if slot, err = w.Next(s.now(), taken); err != nil {
			return nil, fieldErr("network", "queue of %s on %s: %s", r.Brand, network, err.Error())
		}
		return []slotClaim{{At: slot.At.UTC(), PostID: p.ID}}, nil
	})
	if err != nil {
		return p, err
	}
	return s.Schedule(ctx, query.SchedulePostRequest{PostRef: r.PostRef, Revision: r.Revision, By: r.By, Wall: slot.Wall, Zone: zone})
}

// claim picks slots of a brand's queue on network and records them as
// claims in the queue's record, in one compare-and-set: pick gets the
// queue's week, the instants taken (posts and live claims) and the live
// claims. It answers the queue's zone.
func (s *Service) claim(ctx context.Context, brand, network string, pick func(slots.Week, slots.Taken, []slotClaim) ([]slotClaim, error)) (string, error) {
	var zone string
	_, _, err := update(ctx, s.planning.queues, queueKey(brand, network), false, func(rec *queueRecord) error {
		w, err := compile(rec.Queue)
		if err != nil {
			return err
		}
		taken, err := s.taken(ctx, *rec)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		rec.Claims = liveClaims(rec.Claims, now)
		claims, err := pick(w, taken, rec.Claims)
		if err != nil {
			return err
		}
		for _, c := range claims {
			c.Since = now
			rec.Claims = append(rec.Claims, c)
		}
		zone = rec.Zone
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return "", fieldErr("network", "%s has no queue on %s: set its slots first", brand, network)
	}
	return zone, err
}

// taken is the set of instants of a queue already holding a post: the
// brand's posts with a time on the queue's network (drafts planned there
// too; failed ones free theirs), and the live claims.
func (s *Service) taken(ctx context.Context, rec queueRecord) (slots.Taken, error) {
	taken := slots.Taken{}
	now := s.now()
	err := s.each(ctx, rec.Brand, func(p query.Post) {
		if p.Time == nil || p.Time.At.Before(now) || p.State == postv1.StateFailed {
			return
		}
		if slices.ContainsFunc(p.Variants, func(v query.PostVariant) bool { return v.Network == rec.Network }) {
			taken.Add(p.Time.At)
		}
	})
	for _, c := range liveClaims(rec.Claims, now) {
		taken.Add(c.At)
	}
	return taken, err
}

// liveClaims are the claims younger than claimTTL.
func liveClaims(cs []slotClaim, now time.Time) []slotClaim {
	var out []slotClaim
	for _, c := range cs {
		if now.Sub(c.Since) < claimTTL && c.At.After(now) {
			out = append(out, c)
		}
	}
	return out
}

func postTime(o slots.Opening, zone string) query.PostTime {
	return query.PostTime{Wall: o.Wall, Zone: zone, At: o.At.UTC(), Resolution: string(o.Kind), ShiftSeconds: int(o.Shift / time.Second)}
}
