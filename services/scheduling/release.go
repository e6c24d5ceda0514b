package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// inFlightWait is how long a timer waits for the schedule that armed it to
// be written: far above a compare-and-set's time, even on a loaded server.
const inFlightWait = 30 * time.Second

// dueMaxDeliver lets a timer wait out inFlightWait under the bus's growing
// redelivery delay (250 ms doubling to 30 s) many times over: a timer
// parked on the DLQ would leave its post scheduled and never released.
const dueMaxDeliver = 50

var errInFlight = errors.New("schedule write in flight")

// earlyTolerance: a timer fires on the server's clock, the post is read on
// ours; within this the post is due.
const earlyTolerance = time.Second

// onDue handles a post's timer. The post record decides: a timer of an
// older schedule, or one that fired before the post's time, arms the
// post's own; a post no longer scheduled is left alone; a post already
// released by this schedule announces its release again (a redelivery
// after a crash between the two: the ids are the same, so nothing doubles).
//
// A timer is armed before its schedule is written, so one due at once (a
// time just past) can fire before the post says it is scheduled: armedAt
// (when the timer was stored) tells a write still in flight, retried, from
// one that lost its compare-and-set, ignored.
func (s *Service) onDue(ctx context.Context, d postv1.Due, armedAt time.Time) error {
	ref := query.PostRef{Brand: d.Brand, ID: d.PostID}
	p, err := s.Get(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case d.Schedule > p.Schedule:
		if s.now().Sub(armedAt) < inFlightWait {
			return fmt.Errorf("post %s: schedule %d is being written (the post is at %d): %w", p.ID, d.Schedule, p.Schedule, errInFlight)
		}
		return nil
	case p.State == postv1.StatePublishing && p.Schedule == d.Schedule:
		return s.announceRelease(ctx, p)
	case p.State != postv1.StateScheduled || p.Time == nil:
		return nil
	case p.Schedule != d.Schedule || p.Time.At.After(s.now().Add(earlyTolerance)):
		// This timer fired, so it was the last on the post's subject: the
		// post's own must be armed again.
		return s.arm(ctx, p.Brand, p.ID, p.Schedule, p.Time.At)
	}
	hold, held, err := s.hold(ctx, d.Brand)
	if err != nil {
		return err
	}
	if !held {
		_, err := s.release(ctx, ref, System, postv1.StateScheduled)
		return err
	}
	if _, err := s.change(ctx, ref, System, "posts.hold", func(p *query.Post) error {
		if p.State != postv1.StateScheduled || p.Schedule != d.Schedule {
			return errUnchanged
		}
		p.State, p.HeldBy = postv1.StateHeld, hold.Crises[len(hold.Crises)-1]
		return nil
	}); err != nil {
		return err
	}
	// A manager may have resumed between the read and the hold: whoever
	// moves the post out of held (here or the resume) releases it, once.
	if _, held, err = s.hold(ctx, d.Brand); err != nil || held {
		return err
	}
	_, err = s.release(ctx, ref, System, postv1.StateHeld)
	return err
}

// release moves a post from state from to publishing and requests its
// publication; released is false when the post was no longer in from.
func (s *Service) release(ctx context.Context, ref query.PostRef, by string, from postv1.State) (released bool, err error) {
	now := s.now().UTC()
	var before query.Post
	p, changed, err := update(ctx, s.posts, postKey(ref.Brand, ref.ID), false, func(p *query.Post) error {
		if p.State != from {
			return errUnchanged
		}
		before = *p
		late := now.Sub(p.Time.At)
		p.LateSeconds = 0
		if late >= s.cfg.LateAfter {
			p.LateSeconds = late.Round(time.Millisecond).Seconds()
		}
		p.Releases++
		p.State, p.HeldBy, p.Outcomes = postv1.StatePublishing, "", nil
		p.RequestID = requestID(p.Brand, p.ID, p.Releases)
		p.Revision++
		p.UpdatedAt = now
		return nil
	})
	if err != nil || !changed {
		return false, err
	}
	if p.LateSeconds > 0 {
		s.log.WarnContext(ctx, "post released late", "brand", p.Brand, "post", p.ID, "due_at", p.Time.At, "late_seconds", p.LateSeconds)
	}
	return true, s.announce(ctx, before, p, by, "posts.release", func() (jetstream.PubAckFuture, error) { return s.requestPublish(ctx, p) })
}

// announceRelease publishes a released post's transition and request again
// (same ids: JetStream and publishing's ledger keep one).
func (s *Service) announceRelease(ctx context.Context, p query.Post) error {
	before := p
	before.State = postv1.StateScheduled
	return s.announce(ctx, before, p, System, "posts.release", func() (jetstream.PubAckFuture, error) { return s.requestPublish(ctx, p) })
}

func (s *Service) requestPublish(ctx context.Context, p query.Post) (jetstream.PubAckFuture, error) {
	r := publishv1.Requested{ID: p.RequestID, Brand: p.Brand, Kind: publishv1.KindPost, RequestedBy: System,
		RequestedAt: p.UpdatedAt, ApprovalID: p.ApprovalID}
	if p.LateSeconds > 0 {
		r.Reason = fmt.Sprintf("late by %s", time.Duration(p.LateSeconds*float64(time.Second)).Round(time.Second))
	}
	for _, v := range p.Variants {
		r.Variants = append(r.Variants, SentVariant(v))
	}
	env, err := events.NewEnvelope(r, r.ID, r.Brand, r.RequestedAt)
	if err != nil {
		return nil, err
	}
	return s.pub.PublishEventAsync(ctx, r, env)
}

// hold reads brand's crisis hold.
func (s *Service) hold(ctx context.Context, brand string) (query.CrisisHold, bool, error) {
	h, err := get[query.CrisisHold](ctx, s.holds, brand)
	if errors.Is(err, ErrNotFound) {
		return h, false, nil
	}
	return h, err == nil, err
}

// onCrisisDetected holds the brand's scheduled posts: from now on a post
// that falls due waits, held, until a manager resumes (a brand in a crisis
// does not post its planned cheerful content on its own). When the brand's
// policy also pauses publishing (PausePublishing, which publishing obeys
// until the crisis is resolved), the crisis is noted open: scheduling holds
// before it asks, and resuming waits for the resolution, so publishing
// never has to refuse a post.
func (s *Service) onCrisisDetected(ctx context.Context, d crisisv1.Detected) error {
	_, _, err := update(ctx, s.holds, d.Brand, true, func(h *query.CrisisHold) error {
		if slices.Contains(h.Crises, d.ID) {
			return errUnchanged
		}
		if len(h.Crises) == 0 {
			h.Since = d.OpenedAt.UTC()
		}
		h.Crises = append(h.Crises, d.ID)
		if h.Open == nil {
			h.Open = []string{}
		}
		if d.PausePublishing {
			h.Open = append(h.Open, d.ID)
		}
		return nil
	})
	if err == nil {
		s.log.InfoContext(ctx, "crisis: scheduled posts held until a manager resumes", "brand", d.Brand, "crisis", d.ID, "pause_publishing", d.PausePublishing)
	}
	return err
}

// onCrisisResolved notes the crisis's end; the hold stays until a manager
// resumes.
func (s *Service) onCrisisResolved(ctx context.Context, r crisisv1.Resolved) error {
	_, _, err := update(ctx, s.holds, r.Brand, false, func(h *query.CrisisHold) error {
		i := slices.Index(h.Open, r.CrisisID)
		if i < 0 {
			return errUnchanged
		}
		h.Open = slices.Delete(h.Open, i, i+1)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Held is brand's hold and the posts it holds, in release order.
func (s *Service) Held(ctx context.Context, brand string) (query.HeldPosts, error) {
	if err := events.ValidateBrand(brand); err != nil {
		return query.HeldPosts{}, fieldErr("brand", "%s", err.Error())
	}
	out := query.HeldPosts{Posts: []query.Post{}}
	h, held, err := s.hold(ctx, brand)
	if err != nil {
		return out, err
	}
	if held {
		out.Hold = &h
	}
	err = s.each(ctx, brand, func(p query.Post) {
		if p.State == postv1.StateHeld {
			out.Posts = append(out.Posts, p)
		}
	})
	slices.SortFunc(out.Posts, byTime)
	return out, err
}

// Resume lifts brand's hold and releases what it held, in time order
// (each request published and stored before the next). It is refused
// while a crisis that pauses publishing is open: publishing would refuse
// the posts until it is resolved.
func (s *Service) Resume(ctx context.Context, r query.ResumePostsRequest) (query.ResumeResult, error) {
	out := query.ResumeResult{Released: []string{}}
	if err := events.ValidateBrand(r.Brand); err != nil {
		return out, fieldErr("brand", "%s", err.Error())
	}
	if r.By == "" {
		return out, fieldErr("by", "required")
	}
	kve, err := s.holds.Get(ctx, r.Brand)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return out, err
	default:
		h, _, err := s.hold(ctx, r.Brand)
		if err != nil {
			return out, err
		}
		if len(h.Open) > 0 {
			return out, fmt.Errorf("%w: crisis %v is still open; publishing resumes when it is resolved", ErrConflict, h.Open)
		}
		if err := s.holds.Delete(ctx, r.Brand, jetstream.LastRevision(kve.Revision())); err != nil {
			return out, fmt.Errorf("%w: the hold changed meanwhile: %v", ErrConflict, err)
		}
	}
	held, err := s.Held(ctx, r.Brand)
	if err != nil {
		return out, err
	}
	for _, p := range held.Posts {
		ok, err := s.release(ctx, query.PostRef{Brand: p.Brand, ID: p.ID}, r.By, postv1.StateHeld)
		if err != nil {
			return out, fmt.Errorf("release post %s: %w", p.ID, err)
		}
		if ok {
			out.Released = append(out.Released, p.ID)
		}
	}
	return out, nil
}
