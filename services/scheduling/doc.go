// Package scheduling owns the editorial calendar: posts with one variant per
// network, their review (approvals per brand policy, comments, changes
// requested), their time (wall time + IANA zone + resolved instant, package
// walltime), the timers that release them (JetStream message schedules:
// no timer wheel, no polling), the crisis hold, and the outcomes publishing
// reports.
//
// State, in NATS KV buckets scheduling owns (every change a compare-and-set):
//   - scheduling_posts: each post, "<brand>.<post id>";
//   - scheduling_holds: each brand's crisis hold, "<brand>";
//   - scheduling_policies: each brand's approval policy, "<brand>".
//
// A post's timer is a schedule message on post/v1.TimerSubject in the
// RUCHE_POST stream ("Nats-Schedule: @at <RFC 3339>", target the brand's
// post.due.v1 subject); a new schedule replaces the last (the server rolls
// the subject up) and a purge of the subject cancels it. The handler of
// post.due.v1 reads the post, and releases it only if its time has come:
// a stale timer re-arms the post's own or does nothing, so the timer is a
// wake-up and the post record the truth.
//
// A queue that recycles evergreen posts on its own has a repeating timer on
// post/v1.RecycleTimerSubject ("Nats-Schedule: @every <recycle_every>",
// target post.recycle_due.v1): each fire fills the queue's free slots
// ahead with copies sent to review (evergreen.go), idempotently.
//
// Seams for the packages beside this one (slots, csvimport, ical): Posts
// creates and changes posts as the endpoints do, and Register adds
// endpoints to scheduling's micro service.
package scheduling
