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
// draft at its slot (it is approved like any post); a post's publications
// are its own and its copies' times (failed ones aside), and none may be
// closer than the queue's evergreen gap to a new one.
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
	originals := map[string]query.Post{}
	pubs := map[string][]time.Time{}
	err := s.each(ctx, r.Brand, func(p query.Post) {
		if !slices.Contains(p.Labels, query.EvergreenLabel) || !slices.ContainsFunc(p.Variants, func(v query.PostVariant) bool { return v.Network == r.Network }) {
			return
		}
		id := p.ID
		if orig, ok := copyOf(p.ID); ok {
			id = orig
		} else if p.State == postv1.StatePublished || p.State == postv1.StatePartiallyPublished {
			originals[p.ID] = p
		}
		if p.Time != nil && p.State != postv1.StateFailed {
			pubs[id] = append(pubs[id], p.Time.At)
		}
	})
	if err != nil {
		return out, err
	}
	var pool []slots.Evergreen
	for id := range originals {
		pool = append(pool, slots.Evergreen{PostID: id, Publications: pubs[id]})
	}
	var plan []slots.Recycled
	zone, err := s.claim(ctx, r.Brand, r.Network, func(w slots.Week, taken slots.Taken) ([]slotClaim, error) {
		if w.Gap() <= 0 {
			return nil, fieldErr("evergreen_gap_days", "the queue of %s on %s does not recycle: set its evergreen gap", r.Brand, r.Network)
		}
		plan = slots.Recycle(w.Free(s.now(), count, taken), pool, w.Gap())
		claims := make([]slotClaim, len(plan))
		for i, a := range plan {
			claims[i] = slotClaim{At: a.Slot.At.UTC(), PostID: copyID(a.PostID, a.Slot.At)}
		}
		return claims, nil
	})
	if err != nil {
		return out, err
	}
	for _, a := range plan {
		orig := originals[a.PostID]
		t := postTime(a.Slot, zone)
		p, err := s.create(ctx, query.CreatePostRequest{Brand: r.Brand, By: r.By, PostContent: orig.PostContent}, copyID(a.PostID, a.Slot.At), &t)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("recycle %s at %s: %w", a.PostID, t.Wall, err)
		}
		out.Created = append(out.Created, p)
	}
	return out, nil
}
