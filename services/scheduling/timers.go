package scheduling

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// pastTolerance is how far in the past a time may be set (a form filled in
// at 09:59:30 for 09:59): it is released at once, not refused.
const pastTolerance = 2 * time.Minute

// Resolve reads a wall time in an IANA zone as a post's time.
func Resolve(wall, zone string) (query.PostTime, error) {
	loc, err := walltime.LoadZone(zone)
	if err != nil {
		return query.PostTime{}, fieldErr("zone", "%s", err.Error())
	}
	w, err := walltime.Parse(wall)
	if err != nil {
		return query.PostTime{}, fieldErr("wall", "%s", err.Error())
	}
	r := walltime.Resolve(w, loc)
	return query.PostTime{Wall: w.Format(walltime.Layout), Zone: zone, At: r.At, Resolution: string(r.Kind), ShiftSeconds: int(r.Shift / time.Second)}, nil
}

// Schedule sets or moves an approved post's time. The timer is armed
// before the post records its time, so a scheduled post always has one; a
// change that loses its compare-and-set arms the post's own time again.
func (s *Service) Schedule(ctx context.Context, r query.SchedulePostRequest) (query.Post, error) {
	if err := checkAction(query.PostActionRequest{PostRef: r.PostRef, Revision: r.Revision, By: r.By}); err != nil {
		return query.Post{}, err
	}
	t, err := Resolve(r.Wall, r.Zone)
	if err != nil {
		return query.Post{}, err
	}
	now := s.now()
	switch {
	case t.At.Before(now.Add(-pastTolerance)):
		return query.Post{}, fieldErr("wall", "%s in %s is in the past", t.Wall, t.Zone)
	case t.At.After(now.Add(s.cfg.Horizon)):
		return query.Post{}, fieldErr("wall", "%s is more than %s ahead", t.Wall, s.cfg.Horizon)
	}
	cur, err := s.Get(ctx, r.PostRef)
	if err != nil {
		return cur, err
	}
	if err := schedulable(&cur, r.Revision); err != nil {
		return cur, err
	}
	// Publishing must hold the approval before any request names it; the
	// record is immutable, so recording it again is harmless.
	if err := s.approvals.RecordApproval(ctx, approvalRecord(cur)); err != nil {
		return cur, fmt.Errorf("record approval %s with publishing: %w", cur.ApprovalID, err)
	}
	n := cur.Schedule + 1
	if err := s.arm(ctx, cur.Brand, cur.ID, n, t.At); err != nil {
		return cur, err
	}
	verb := "posts.schedule"
	if cur.State == postv1.StateScheduled {
		verb = "posts.reschedule"
	}
	p, err := s.change(ctx, r.PostRef, r.By, verb, func(p *query.Post) error {
		if err := schedulable(p, r.Revision); err != nil {
			return err
		}
		p.State, p.Schedule, p.Time, p.LateSeconds = postv1.StateScheduled, n, &t, 0
		return nil
	})
	if err != nil {
		s.rearm(ctx, r.Brand, r.ID)
	}
	return p, err
}

func schedulable(p *query.Post, rev int) error {
	if err := checkRevision(p, rev); err != nil {
		return err
	}
	switch p.State {
	case postv1.StateApproved, postv1.StateScheduled, postv1.StateFailed:
		return nil
	}
	return stateErr(p, "schedule", postv1.StateApproved, postv1.StateScheduled, postv1.StateFailed)
}

// Cancel takes a scheduled or held post off the calendar: back to
// approved, its timer removed (a timer left by a crash finds the post not
// scheduled and does nothing).
func (s *Service) Cancel(ctx context.Context, r query.PostActionRequest) (query.Post, error) {
	if err := checkAction(r); err != nil {
		return query.Post{}, err
	}
	p, err := s.change(ctx, r.PostRef, r.By, "posts.cancel", func(p *query.Post) error {
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		if p.State != postv1.StateScheduled && p.State != postv1.StateHeld {
			return stateErr(p, "cancel", postv1.StateScheduled, postv1.StateHeld)
		}
		p.State, p.HeldBy = postv1.StateApproved, ""
		return nil
	})
	if err != nil {
		return p, err
	}
	return p, s.disarm(ctx, p.Brand, p.ID)
}

// arm stores post id's timer for its schedule n at at, replacing any.
func (s *Service) arm(ctx context.Context, brand, id string, n int, at time.Time) error {
	d := postv1.Due{ID: postv1.DueID(id, n), Brand: brand, PostID: id, Schedule: n, DueAt: at.UTC()}
	env, err := events.NewEnvelope(d, d.ID, brand, s.now().UTC())
	if err != nil {
		return err
	}
	return s.pub.ScheduleEvent(ctx, postv1.TimerSubject(brand, id), at, d, env)
}

// disarm removes post id's timer.
func (s *Service) disarm(ctx context.Context, brand, id string) error {
	return s.pub.CancelSchedule(ctx, events.StreamName(events.DomainPost), postv1.TimerSubject(brand, id))
}

// rearm makes the timer match the post: its own schedule when scheduled.
func (s *Service) rearm(ctx context.Context, brand, id string) {
	p, err := s.Get(ctx, query.PostRef{Brand: brand, ID: id})
	if err == nil && p.State == postv1.StateScheduled && p.Time != nil {
		err = s.arm(ctx, brand, id, p.Schedule, p.Time.At)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.WarnContext(ctx, "re-arm post timer", "brand", brand, "post", id, "error", err)
	}
}

// requestID is the publish request id of a post's n-th release: publishing
// acts once per request id and network, so a release redelivered or
// announced again publishes once.
func requestID(brand, id string, n int) string {
	return "post:" + brand + ":" + id + ":" + strconv.Itoa(n)
}

// ParseRequestID is the post (and release) of a publish request id that
// scheduling made.
func ParseRequestID(brand, rid string) (id string, n int, ok bool) {
	rest, found := strings.CutPrefix(rid, "post:"+brand+":")
	if !found {
		return "", 0, false
	}
	id, num, found := strings.Cut(rest, ":")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	return id, n, err == nil && id != ""
}
