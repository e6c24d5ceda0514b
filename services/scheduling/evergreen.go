package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling/slots"
)

// copyPrefix starts the id of an evergreen post's copy:
// "eg-<post id>-<slot unix>", so the same post at the same slot is one
// copy, and a copy names its post.
const copyPrefix = "eg-"

func copyID(postID string, at time.Time) string {
	return copyPrefix + postID + "-" + strconv.FormatInt(at.Unix(), 10)
}

// copyOf is the post an evergreen copy was made from.
func copyOf(id string) (string, bool) {
	rest, ok := strings.CutPrefix(id, copyPrefix)
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// RecycleEvergreen fills the next free slots of a queue with copies of the
// brand's evergreen posts: posts labelled query.EvergreenLabel with a
// variant on the queue's network, published at least once. Each copy is a
// draft at its slot (it is approved like any post); the queue's rules
// (slots.Rules: the gap, the reposts bound, never twice in a row) apply to
// every post's publications, its own and its copies' (failed ones aside).
func (s *Service) RecycleEvergreen(ctx context.Context, r query.RecycleRequest) (query.RecycleResult, error) {
	out := query.RecycleResult{Created: []query.Post{}}
	if err := checkQueueRef(r.QueueRef); err != nil {
		return out, err
	}
	if r.By == "" {
		return out, fieldErr("by", "required")
	}
	count := r.Count
	switch {
	case count == 0:
		count = 1
	case count < 0 || count > query.MaxRecycle:
		return out, fieldErr("count", "must be from 1 to %d", query.MaxRecycle)
	}
	created, err := s.recycle(ctx, r.QueueRef, r.By, false, func(w slots.Week, taken slots.Taken) ([]slots.Opening, error) {
		if w.Gap() <= 0 {
			return nil, fieldErr("evergreen_gap_days", "the queue of %s on %s does not recycle: set its evergreen gap", r.Brand, r.Network)
		}
		return w.Free(s.now(), count, taken), nil
	})
	out.Created = append(out.Created, created...)
	return out, err
}

// evergreenPool reads what recycling needs of a brand's posts on network:
// the evergreen posts published (originals, by id), every post's
// publications (copies under their original) and the queue's posts as
// placed.
func (s *Service) evergreenPool(ctx context.Context, brand, network string) (map[string]query.Post, map[string][]time.Time, map[string]int, []slots.Placed, error) {
	originals := map[string]query.Post{}
	pubs := map[string][]time.Time{}
	reposts := map[string]int{}
	var placed []slots.Placed
	err := s.each(ctx, brand, func(p query.Post) {
		if !slices.ContainsFunc(p.Variants, func(v query.PostVariant) bool { return v.Network == network }) {
			return
		}
		id := p.ID
		orig, isCopy := copyOf(p.ID)
		if isCopy {
			id = orig
		}
		if p.Time != nil && p.State != postv1.StateFailed {
			placed = append(placed, slots.Placed{At: p.Time.At, PostID: id})
		}
		if !slices.Contains(p.Labels, query.EvergreenLabel) {
			return
		}
		if !isCopy && (p.State == postv1.StatePublished || p.State == postv1.StatePartiallyPublished) {
			originals[p.ID] = p
		}
		if p.Time != nil && p.State != postv1.StateFailed {
			pubs[id] = append(pubs[id], p.Time.At)
			if isCopy {
				reposts[id]++
			}
		}
	})
	return originals, pubs, reposts, placed, err
}

// recycle gives the free slots that free picks to copies of the brand's
// evergreen posts, under the queue's rules. The plan is made and its slots
// claimed in one compare-and-set of the queue's record, where the live
// claims of another recycling (a replica, a redelivery) count as the
// publications they will be: two runs never give a post two slots within
// its gap, nor one slot twice. The copies' ids are derived from the post
// and the slot, so a copy is made once. review sends each copy to review.
func (s *Service) recycle(ctx context.Context, ref query.QueueRef, by string, review bool, free func(slots.Week, slots.Taken) ([]slots.Opening, error)) ([]query.Post, error) {
	originals, pubs, reposts, placed, err := s.evergreenPool(ctx, ref.Brand, ref.Network)
	if err != nil {
		return nil, err
	}
	var plan []slots.Recycled
	zone, err := s.claim(ctx, ref.Brand, ref.Network, func(w slots.Week, taken slots.Taken, claims []slotClaim) ([]slotClaim, error) {
		open, err := free(w, taken)
		if err != nil || len(open) == 0 || len(originals) == 0 {
			return nil, err
		}
		claimed := map[string][]time.Time{}
		placed := slices.Clone(placed)
		for _, c := range claims {
			// A claim whose copy exists is among the publications already.
			if orig, ok := copyOf(c.PostID); ok && !slices.ContainsFunc(pubs[orig], c.At.Equal) {
				claimed[orig] = append(claimed[orig], c.At)
				placed = append(placed, slots.Placed{At: c.At, PostID: orig})
			}
		}
		var pool []slots.Evergreen
		for id := range originals {
			pool = append(pool, slots.Evergreen{PostID: id, Publications: append(slices.Clone(pubs[id]), claimed[id]...), Reposts: reposts[id] + len(claimed[id])})
		}
		plan = slots.Recycle(open, pool, w.Rules(placed))
		out := make([]slotClaim, len(plan))
		for i, a := range plan {
			out[i] = slotClaim{At: a.Slot.At.UTC(), PostID: copyID(a.PostID, a.Slot.At)}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	var created []query.Post
	for _, a := range plan {
		orig := originals[a.PostID]
		t := postTime(a.Slot, zone)
		p, err := s.create(ctx, query.CreatePostRequest{Brand: ref.Brand, By: by, PostContent: orig.PostContent}, copyID(a.PostID, a.Slot.At), &t)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue
		}
		if err == nil && review {
			p, err = s.Submit(ctx, query.PostActionRequest{PostRef: query.PostRef{Brand: p.Brand, ID: p.ID}, Revision: p.Revision, By: by,
				Comment: "evergreen: " + a.PostID})
		}
		if err != nil {
			return created, fmt.Errorf("recycle %s at %s: %w", a.PostID, t.Wall, err)
		}
		created = append(created, p)
	}
	return created, nil
}

// onRecycleDue is the recycler: at each fire of a queue's timer it fills
// the queue's free slots within its EvergreenAheadDays with evergreen
// copies, each sent to review (a copy is approved like any post). A brand
// held by a crisis recycles nothing until a manager resumes; a queue that
// no longer recycles on its own loses its timer.
func (s *Service) onRecycleDue(ctx context.Context, e postv1.RecycleDue) error {
	ref := query.QueueRef{Brand: e.Brand, Network: e.Network}
	if err := checkQueueRef(ref); err != nil {
		s.log.WarnContext(ctx, "recycle timer of no queue", "brand", e.Brand, "network", e.Network, "error", err)
		return nil
	}
	if _, held, err := s.hold(ctx, e.Brand); err != nil || held {
		return err
	}
	rec, err := get[queueRecord](ctx, s.planning.queues, queueKey(e.Brand, e.Network))
	if errors.Is(err, ErrNotFound) {
		return s.disarmRecycle(ctx, ref)
	}
	if err != nil {
		return err
	}
	w, err := compile(rec.Queue)
	if err != nil || w.Ahead() <= 0 {
		return s.disarmRecycle(ctx, ref)
	}
	created, err := s.recycle(ctx, ref, System, true, func(w slots.Week, taken slots.Taken) ([]slots.Opening, error) {
		if w.Ahead() <= 0 {
			return nil, nil
		}
		until := s.now().Add(w.Ahead())
		open := w.Free(s.now(), query.MaxRecycle, taken)
		return slices.DeleteFunc(open, func(o slots.Opening) bool { return !o.At.Before(until) }), nil
	})
	if len(created) > 0 {
		s.log.InfoContext(ctx, "evergreen posts recycled", "brand", e.Brand, "network", e.Network, "copies", len(created))
	}
	return err
}

// armRecycle makes a queue's recycling timer match the queue: a repeating
// timer every recycle_every while it recycles on its own, none otherwise.
// keep leaves a timer in place (a restart must not push the next fire
// back by starting the interval again).
func (s *Service) armRecycle(ctx context.Context, q query.Queue, keep bool) error {
	ref := query.QueueRef{Brand: q.Brand, Network: q.Network}
	if q.EvergreenAheadDays <= 0 || q.EvergreenGapDays <= 0 {
		return s.disarmRecycle(ctx, ref)
	}
	subject := postv1.RecycleTimerSubject(q.Brand, q.Network)
	if keep {
		st, err := s.js.Stream(ctx, events.StreamName(events.DomainPost))
		if err != nil {
			return err
		}
		if _, err := st.GetLastMsgForSubject(ctx, subject); err == nil {
			return nil
		} else if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return err
		}
	}
	e := postv1.RecycleDue{Brand: q.Brand, Network: q.Network}
	env, err := events.NewEnvelope(e, postv1.RecycleDueID(q.Brand, q.Network), q.Brand, s.now().UTC())
	if err != nil {
		return err
	}
	return s.pub.RepeatEvent(ctx, subject, s.cfg.RecycleEvery, e, env)
}

func (s *Service) disarmRecycle(ctx context.Context, r query.QueueRef) error {
	return s.pub.CancelSchedule(ctx, events.StreamName(events.DomainPost), postv1.RecycleTimerSubject(r.Brand, r.Network))
}

// armRecyclers arms the timer of every queue that recycles on its own and
// has none (a stream restored without them); existing timers are kept.
func (s *Service) armRecyclers(ctx context.Context) error {
	lister, err := s.planning.queues.ListKeys(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for k := range lister.Keys() {
		rec, err := get[queueRecord](ctx, s.planning.queues, k)
		if err == nil && rec.EvergreenAheadDays > 0 {
			err = s.armRecycle(ctx, rec.Queue, true)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("queue %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}
