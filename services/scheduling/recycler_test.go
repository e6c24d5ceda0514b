package scheduling_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling"
)

// The recycler fills a queue on its own (the harness's timer fires every
// second): copies sent to review, the rules kept (gap, never twice in a
// row, reposts bound), nothing doubled by a second replica, extra fires,
// a restart of the service and NATS; nothing recycled while a crisis holds
// the brand, the queue filled again once a manager resumes.
func TestRecyclerFillsTheQueueOnItsOwn(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := time.Now().UTC()
	h.published(t, "p-a", now.AddDate(0, 0, -30), query.EvergreenLabel)
	h.published(t, "p-b", now.AddDate(0, 0, -20), query.EvergreenLabel)
	h.published(t, "p-menu", now.AddDate(0, 0, -10), "menu")

	copies := func() []query.Post {
		t.Helper()
		list, err := h.svc.List(ctx, query.ListPostsRequest{Brand: brand})
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(list.Posts, func(p query.Post) bool { return !strings.HasPrefix(p.ID, "eg-") })
	}
	// settled waits for three more fires of the timer, each handled.
	// settled waits for three more fires of the timer, and every fire up to
	// the third handled (the consumer's ack floor past it: on a loaded
	// machine the consumer need never be idle).
	settled := func(what string) {
		t.Helper()
		from := h.fires(t)
		var target uint64
		var state string
		deadline := time.Now().Add(time.Minute)
		for {
			if target == 0 && h.fires(t) >= from+3 {
				target = h.lastFire(t)
			}
			c, err := h.conn.JS.Consumer(ctx, events.StreamName(events.DomainPost), "scheduling-recycle")
			if err != nil {
				t.Fatal(err)
			}
			info, err := c.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if target > 0 && info.AckFloor.Stream >= target {
				return
			}
			state = fmt.Sprintf("fires %d (from %d), waiting for %d, ack floor %d, ack pending %d, redelivered %d",
				h.fires(t), from, target, info.AckFloor.Stream, info.NumAckPending, info.NumRedelivered)
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %s", what, state)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const gap = 3
	put := func(ahead, maxReposts int) query.Queue {
		t.Helper()
		q, err := h.svc.Queue(ctx, query.QueueRef{Brand: brand, Network: "sandbox"})
		if err != nil {
			t.Fatal(err)
		}
		q.Zone, q.Slots, q.EvergreenGapDays, q.EvergreenAheadDays, q.EvergreenMaxReposts = "Europe/Paris", everyDay("09:00", "18:30"), gap, ahead, maxReposts
		q, err = rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: q})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}

	// Seven days ahead, two slots a day: each post every three days,
	// alternating.
	q := put(7, 0)
	eventually(t, 30*time.Second, "the first copies", func() bool { return len(copies()) >= 4 })
	settled("the recycler's next fires")
	first := copies()
	checkRecycled(t, first, gap)
	if len(first) < 4 {
		t.Fatalf("%d copies over a week of two slots a day with a 3-day gap, want 4 or more", len(first))
	}
	slices.SortFunc(first, byAt)
	if !strings.HasPrefix(first[0].ID, "eg-p-a-") || !first[0].Time.At.Equal(q.Upcoming[0].At) {
		t.Errorf("first copy %s at %s, want p-a (published least recently) at the first free slot %s", first[0].ID, first[0].Time.At, q.Upcoming[0].At)
	}
	for _, c := range first {
		if c.State != postv1.StateInReview || c.Owner != scheduling.System || c.ApprovalID != "" {
			t.Errorf("copy %s is %s, owned by %s, approval %q: want in review by %s, unapproved", c.ID, c.State, c.Owner, c.ApprovalID, scheduling.System)
		}
		if c.Time.At.After(now.Add(7 * 24 * time.Hour)) {
			t.Errorf("copy %s at %s, beyond the seven days ahead", c.ID, c.Time.At)
		}
	}

	// A second replica and a burst of extra fires handled by both at once:
	// the queue is full, nothing more is made.
	stop := h.replica(t)
	for i := range 20 {
		e := postv1.RecycleDue{Brand: brand, Network: "sandbox"}
		publish(t, h, e, fmt.Sprintf("recycle-burst-%d", i))
	}
	settled("the burst handled by two replicas")
	stop()
	if got := copies(); len(got) != len(first) {
		t.Fatalf("%d copies after a burst of fires on two replicas, want %d: %v", len(got), len(first), idsOf(got))
	}

	// Fourteen days ahead with at most three copies of a post: the bound
	// counts the copies made already.
	put(14, 3)
	settled("the recycler with the reposts bound")
	bounded := copies()
	checkRecycled(t, bounded, gap)
	perPost := map[string]int{}
	for _, c := range bounded {
		perPost[strings.Join(strings.Split(c.ID, "-")[1:3], "-")]++
	}
	if perPost["p-a"] != 3 || perPost["p-b"] != 3 || len(perPost) != 2 {
		t.Errorf("copies per post %v, want 3 of p-a and of p-b, none of p-menu", perPost)
	}

	// A crisis holds the brand: nothing recycled, even with room ahead.
	crisis := crisisv1.Detected{ID: crisisv1.CrisisID(brand, time.Now()), Brand: brand, OpenedAt: time.Now()}
	publish(t, h, crisis, crisis.ID)
	eventually(t, 10*time.Second, "the hold", func() bool {
		held, err := h.svc.Held(ctx, brand)
		return err == nil && held.Hold != nil
	})
	put(21, 0)
	settled("the recycler during the crisis")
	if got := copies(); len(got) != len(bounded) {
		t.Fatalf("%d copies during a crisis hold, want %d", len(got), len(bounded))
	}

	// A restart of the service and NATS keeps the timer (and its interval);
	// once resumed, the queue fills again, by the rules, once.
	h.restart(t, 0)
	if _, err := h.svc.Resume(ctx, query.ResumePostsRequest{Brand: brand, By: "boss"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "copies after the resume", func() bool { return len(copies()) > len(bounded) })
	settled("the recycler after the resume")
	checkRecycled(t, copies(), gap)
}

// checkRecycled checks the copies against the rules: one post per slot, a
// post's copies at least gap days apart and never next to each other.
func checkRecycled(t *testing.T, copies []query.Post, gapDays int) {
	t.Helper()
	slices.SortFunc(copies, byAt)
	last := map[string]time.Time{}
	for i, c := range copies {
		orig := strings.Join(strings.Split(c.ID, "-")[1:3], "-")
		if prev, ok := last[orig]; ok && c.Time.At.Sub(prev) < time.Duration(gapDays)*24*time.Hour {
			t.Errorf("copies of %s at %s and %s, closer than %d days", orig, prev, c.Time.At, gapDays)
		}
		last[orig] = c.Time.At
		if i > 0 {
			p := copies[i-1]
			if p.Time.At.Equal(c.Time.At) {
				t.Errorf("two copies at %s: %s and %s", c.Time.At, p.ID, c.ID)
			}
			if strings.Join(strings.Split(p.ID, "-")[1:3], "-") == orig {
				t.Errorf("%s twice in a row: %s then %s", orig, p.ID, c.ID)
			}
		}
	}
}

func byAt(a, b query.Post) int { return a.Time.At.Compare(b.Time.At) }

// fires counts the recycling timer's fires the stream holds.
func (h *harness) fires(t testing.TB) int {
	t.Helper()
	s, err := h.conn.JS.Stream(context.Background(), events.StreamName(events.DomainPost))
	if err != nil {
		t.Fatal(err)
	}
	subject := events.Subject(postv1.RecycleDue{}, brand)
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Subjects[subject])
}

// lastFire is the stream sequence of the timer's last fire.
func (h *harness) lastFire(t testing.TB) uint64 {
	t.Helper()
	s, err := h.conn.JS.Stream(context.Background(), events.StreamName(events.DomainPost))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(context.Background(), events.Subject(postv1.RecycleDue{}, brand))
	if err != nil {
		t.Fatal(err)
	}
	return m.Sequence
}

// replica runs a second scheduling service on the harness's bus, sharing
// its durable consumers; the function stops it.
func (h *harness) replica(t testing.TB) func() {
	t.Helper()
	router, svc := h.newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = router.Run(ctx) })
	wg.Go(func() { _ = svc.Run(ctx) })
	<-router.Running()
	return func() { cancel(); wg.Wait() }
}
