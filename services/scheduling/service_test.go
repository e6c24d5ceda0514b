package scheduling_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/scheduling"
)

func publish(t testing.TB, h *harness, e events.Event, id string) {
	t.Helper()
	env, err := events.NewEnvelope(e, id, brand, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(h.conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.PublishEvent(context.Background(), e, env); err != nil {
		t.Fatal(err)
	}
}

func TestPostGoesOutAtItsTimeAndFollowsItsOutcomes(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.approved(t, "Le menu d'hiver arrive lundi ☕")
	p.Variants = append(p.Variants, query.PostVariant{Network: "mastodon", Text: "Menu d'hiver lundi !", Link: "https://cafe.example/menu",
		Media:        []query.PostMedia{{URL: "https://cdn.example/menu.jpg", Kind: "image", AltText: "L'ardoise du menu d'hiver"}},
		FirstComment: "Réservez : https://cafe.example/reserver"})
	// Editing approved content sends it back to review.
	p, err := h.svc.Edit(ctx, query.EditPostRequest{PostRef: query.PostRef{Brand: brand, ID: p.ID}, Revision: p.Revision, By: "lea", PostContent: p.PostContent})
	if err != nil {
		t.Fatal(err)
	}
	if p.State != postv1.StateDraft || p.ApprovalID != "" {
		t.Fatalf("edited approved post: state %s approval %q, want draft and none", p.State, p.ApprovalID)
	}
	if p, err = h.svc.Submit(ctx, action(p, "lea", "")); err != nil {
		t.Fatal(err)
	}
	if p, err = h.svc.Approve(ctx, action(p, "max", "community_manager")); err != nil {
		t.Fatal(err)
	}
	ap, ok := h.approvals.get(p.ApprovalID)
	if !ok {
		t.Fatalf("approval %s not recorded with publishing", p.ApprovalID)
	}
	// A text-only variant is approved by its text's hash, as before media.
	if err := ap.Covers(brand, publishv1.KindPost, "Le menu d'hiver arrive lundi ☕"); err != nil {
		t.Fatalf("approval does not cover the sandbox text: %v", err)
	}
	// Media and the first comment are approved with the text, not apart.
	if err := ap.Covers(brand, publishv1.KindPost, "Menu d'hiver lundi !\n\nhttps://cafe.example/menu"); !errors.Is(err, publishv1.ErrNotApproved) {
		t.Fatalf("the mastodon text without its media: Covers = %v, want ErrNotApproved", err)
	}
	due := time.Now().Add(2 * time.Second).Truncate(time.Second)
	p = h.scheduleAt(t, p, due)
	eventually(t, 15*time.Second, "the publish request", func() bool { return len(h.requestsCopy()) == 1 })
	r := h.requestsCopy()[0]
	if p, err = h.svc.Get(ctx, query.PostRef{Brand: brand, ID: p.ID}); err != nil {
		t.Fatal(err)
	}
	if r.ID != p.RequestID || r.ApprovalID != p.ApprovalID || p.State != postv1.StatePublishing {
		t.Fatalf("request %+v for post %+v", r, p)
	}
	if time.Now().Before(due) {
		t.Fatalf("released before its time %s", due)
	}
	if len(r.Variants) != 2 || r.Variants[1].Text != "Menu d'hiver lundi !\n\nhttps://cafe.example/menu" || r.Kind != publishv1.KindPost {
		t.Fatalf("variants = %+v", r.Variants)
	}
	if m := r.Variants[1].Media; len(m) != 1 || m[0].URL != "https://cdn.example/menu.jpg" || m[0].Kind != "image" || m[0].AltText != "L'ardoise du menu d'hiver" ||
		r.Variants[1].FirstComment != "Réservez : https://cafe.example/reserver" || len(r.Variants[0].Media) != 0 {
		t.Fatalf("media and first comment not sent: %+v", r.Variants)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("released request: %v", err)
	}
	// What goes out is what was approved, media and first comment included.
	for _, v := range r.Variants {
		if err := ap.CoversVariant(brand, publishv1.KindPost, v); err != nil {
			t.Fatalf("approval does not cover the %s variant sent: %v", v.Network, err)
		}
	}
	// Publishing names the brand's account it posted from.
	publish(t, h, publishv1.Succeeded{ID: publishv1.OutcomeID(r.ID, "sandbox", "sandbox", "succeeded"), RequestID: r.ID, Brand: brand, Kind: publishv1.KindPost,
		Network: "sandbox", Account: "sandbox", PlatformID: "42", PublishedAt: time.Now()}, publishv1.OutcomeID(r.ID, "sandbox", "sandbox", "succeeded"))
	publish(t, h, publishv1.Failed{ID: publishv1.OutcomeID(r.ID, "mastodon", "", "failed"), RequestID: r.ID, Brand: brand, Kind: publishv1.KindPost,
		Network: "mastodon", Code: "422", Reason: "Validation failed", FailedAt: time.Now()}, publishv1.OutcomeID(r.ID, "mastodon", "", "failed"))
	eventually(t, 10*time.Second, "partially published", func() bool {
		p, _ = h.svc.Get(ctx, query.PostRef{Brand: brand, ID: p.ID})
		return p.State == postv1.StatePartiallyPublished
	})
	// Publishing retried the refused variant: the post is published.
	publish(t, h, publishv1.Succeeded{ID: publishv1.OutcomeID(r.ID, "mastodon", "", "succeeded"), RequestID: r.ID, Brand: brand, Kind: publishv1.KindPost,
		Network: "mastodon", PlatformID: "43", PublishedAt: time.Now()}, publishv1.OutcomeID(r.ID, "mastodon", "", "succeeded"))
	eventually(t, 10*time.Second, "published", func() bool {
		p, _ = h.svc.Get(ctx, query.PostRef{Brand: brand, ID: p.ID})
		return p.State == postv1.StatePublished
	})
	var path []postv1.State
	eventually(t, 5*time.Second, "every transition", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		path = path[:0]
		for _, e := range h.transitions {
			if e.PostID == p.ID {
				path = append(path, e.To)
			}
		}
		return len(path) == 10
	})
	want := []postv1.State{postv1.StateDraft, postv1.StateInReview, postv1.StateApproved, postv1.StateDraft, postv1.StateInReview, postv1.StateApproved,
		postv1.StateScheduled, postv1.StatePublishing, postv1.StatePartiallyPublished, postv1.StatePublished}
	slices.Sort(path) // delivered by parallel subscriptions: compare as sets of steps
	slices.Sort(want)
	if !slices.Equal(path, want) {
		t.Fatalf("transitions = %v, want %v", path, want)
	}
	audit, err := h.conn.JS.Stream(ctx, events.StreamName(events.DomainAudit))
	if err != nil {
		t.Fatal(err)
	}
	if info, err := audit.Info(ctx); err != nil || info.State.Msgs < 11 {
		t.Fatalf("audit log holds %d records (%v), want every change", info.State.Msgs, err)
	}
}

func TestSpringForwardPostFollowsTheRule(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.approved(t, "Changement d'heure : on avance d'une heure !")
	p, err := h.svc.Schedule(ctx, query.SchedulePostRequest{PostRef: query.PostRef{Brand: brand, ID: p.ID}, Revision: p.Revision, By: "lea",
		Wall: "2027-03-28T02:30", Zone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	// 02:30 does not exist that night: moved forward by the gap, 03:30 CEST.
	if got := p.Time.At.Format(time.RFC3339); got != "2027-03-28T01:30:00Z" || p.Time.Resolution != "gap" || p.Time.ShiftSeconds != 3600 {
		t.Fatalf("time = %+v, want 2027-03-28T01:30:00Z, gap of 3600 s", p.Time)
	}
	timer := func() (string, int) {
		s, err := h.conn.JS.Stream(ctx, events.StreamName(events.DomainPost))
		if err != nil {
			t.Fatal(err)
		}
		subj := postv1.TimerSubject(brand, p.ID)
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(subj))
		if err != nil {
			t.Fatal(err)
		}
		n := int(info.State.Subjects[subj])
		if n == 0 {
			return "", 0
		}
		m, err := s.GetLastMsgForSubject(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Header.Get(bus.HeaderScheduleTarget), "ruche.post.due.v1."+brand; got != want {
			t.Fatalf("timer target = %q, want %q", got, want)
		}
		return m.Header.Get(bus.HeaderSchedule), n
	}
	if at, n := timer(); at != "@at 2027-03-28T01:30:00Z" || n != 1 {
		t.Fatalf("timer = %q (%d stored), want @at 2027-03-28T01:30:00Z once", at, n)
	}
	// Moved to the autumn night: 02:30 happens twice, the earlier is taken;
	// the new timer replaces the old one.
	p, err = h.svc.Schedule(ctx, query.SchedulePostRequest{PostRef: query.PostRef{Brand: brand, ID: p.ID}, Revision: p.Revision, By: "lea",
		Wall: "2027-10-31T02:30", Zone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if at, n := timer(); at != "@at 2027-10-31T00:30:00Z" || n != 1 || p.Time.Resolution != "overlap" {
		t.Fatalf("timer = %q (%d stored, %s), want @at 2027-10-31T00:30:00Z once, overlap", at, n, p.Time.Resolution)
	}
	if _, err := h.svc.Cancel(ctx, action(p, "lea", "")); err != nil {
		t.Fatal(err)
	}
	if at, n := timer(); n != 0 {
		t.Fatalf("cancelled post still has a timer %q", at)
	}
}

func TestThousandPostsDueInTheSameMinuteGoOutOnceEach(t *testing.T) {
	h := newHarness(t)
	const n = 1000
	posts := h.approvedMany(t, n, 8)
	due := time.Now().Add(8 * time.Second).Truncate(time.Second)
	h.scheduleMany(t, posts, 8, func(int) time.Time { return due })
	if time.Now().After(due) {
		t.Logf("scheduling %d posts took past their due second: they fire at once, late", n)
	}
	for deadline := time.Now().Add(90 * time.Second); len(unique(h.requestsCopy())) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests received, %d stored, want %d; posts by state: %v", len(unique(h.requestsCopy())), h.stored(t), n, h.states(t))
		}
	}
	time.Sleep(2 * time.Second) // a doubled release would arrive meanwhile
	if got := h.stored(t); got != n {
		t.Fatalf("publish stream holds %d requests, want %d", got, n)
	}
	if got := len(unique(h.requestsCopy())); got != n {
		t.Fatalf("%d distinct requests, want %d", got, n)
	}
}

func unique(rs []publishv1.Requested) map[string]bool {
	out := map[string]bool{}
	for _, r := range rs {
		out[r.ID] = true
	}
	return out
}

func TestRestartOfSchedulerAndNATSLosesNothingDoublesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const n = 50
	due := time.Now().Add(3 * time.Second).Truncate(time.Second)
	var ids []string
	for i := range n {
		p := h.approved(t, fmt.Sprintf("Avant la panne n°%d", i))
		ids = append(ids, h.scheduleAt(t, p, due).ID)
	}
	if time.Now().After(due) {
		t.Skip("scheduling took longer than the time to the due second")
	}
	// Down across the due time: scheduler and NATS.
	h.restart(t, time.Until(due)+3*time.Second)
	eventually(t, 30*time.Second, "every post after the restart", func() bool { return len(unique(h.requestsCopy())) == n })
	time.Sleep(2 * time.Second)
	if got := h.stored(t); got != n {
		t.Fatalf("publish stream holds %d requests, want %d", got, n)
	}
	for _, id := range ids {
		p, err := h.svc.Get(ctx, query.PostRef{Brand: brand, ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if p.State != postv1.StatePublishing || p.Releases != 1 || p.LateSeconds < 1 {
			t.Fatalf("post %s: state %s, %d releases, late %.1f s; want publishing, 1 release, flagged late", id, p.State, p.Releases, p.LateSeconds)
		}
	}
	for _, r := range h.requestsCopy() {
		if r.Reason == "" {
			t.Fatalf("late request %s carries no lateness", r.ID)
		}
	}
}

func TestCrisisHoldsTheQueueThenReleasesItInOrder(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	crisis := crisisv1.Detected{ID: crisisv1.CrisisID(brand, time.Now()), Brand: brand, OpenedAt: time.Now(), PausePublishing: true}
	publish(t, h, crisis, crisis.ID)
	eventually(t, 10*time.Second, "the hold", func() bool {
		held, err := h.svc.Held(ctx, brand)
		return err == nil && held.Hold != nil
	})
	base := time.Now().Add(2 * time.Second).Truncate(time.Second)
	want := make([]string, 5)
	for _, i := range []int{3, 0, 4, 1, 2} { // scheduled out of order
		p := h.approved(t, fmt.Sprintf("File d'attente n°%d", i))
		want[i] = h.scheduleAt(t, p, base.Add(time.Duration(i)*time.Second)).ID
	}
	var held query.HeldPosts
	eventually(t, 20*time.Second, "five held posts", func() bool {
		held, _ = h.svc.Held(ctx, brand)
		return len(held.Posts) == 5
	})
	if got := idsOf(held.Posts); !slices.Equal(got, want) {
		t.Fatalf("held = %v, want %v (time order)", got, want)
	}
	if len(h.requestsCopy()) != 0 {
		t.Fatal("a held post was requested")
	}
	if _, err := h.svc.Resume(ctx, query.ResumePostsRequest{Brand: brand, By: "boss"}); !errors.Is(err, scheduling.ErrConflict) {
		t.Fatalf("resume during the crisis = %v, want a conflict", err)
	}
	publish(t, h, crisisv1.Resolved{ID: crisisv1.ResolvedID(crisis.ID), CrisisID: crisis.ID, Brand: brand, ResolvedAt: time.Now(), PausePublishing: true}, crisisv1.ResolvedID(crisis.ID))
	var res query.ResumeResult
	var err error
	eventually(t, 10*time.Second, "resume after the crisis", func() bool {
		res, err = h.svc.Resume(ctx, query.ResumePostsRequest{Brand: brand, By: "boss"})
		return err == nil
	})
	if !slices.Equal(res.Released, want) {
		t.Fatalf("released = %v, want %v", res.Released, want)
	}
	// The requests are stored in release order.
	eventually(t, 10*time.Second, "five requests", func() bool { return h.stored(t) == 5 })
	var order []string
	s, err := h.conn.JS.Stream(ctx, events.StreamName(events.DomainPublish))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Info(ctx)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var r publishv1.Requested
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		id, _, _ := scheduling.ParseRequestID(brand, r.ID)
		order = append(order, id)
	}
	if !slices.Equal(order, want) {
		t.Fatalf("requests stored in order %v, want %v", order, want)
	}
	if held, _ = h.svc.Held(ctx, brand); held.Hold != nil || len(held.Posts) != 0 {
		t.Fatalf("after resume: %+v", held)
	}
	// A crisis whose brand does not pause publishing holds the queue too;
	// a manager may resume at once.
	other := crisisv1.Detected{ID: crisisv1.CrisisID(brand, time.Now().Add(time.Hour)), Brand: brand, OpenedAt: time.Now()}
	publish(t, h, other, other.ID)
	eventually(t, 10*time.Second, "the second hold", func() bool {
		held, err := h.svc.Held(ctx, brand)
		return err == nil && held.Hold != nil
	})
	p := h.approved(t, "Après la crise")
	p = h.scheduleAt(t, p, time.Now())
	eventually(t, 10*time.Second, "the post held", func() bool {
		p, _ = h.svc.Get(ctx, refOf(p))
		return p.State == postv1.StateHeld && p.HeldBy == other.ID
	})
	if res, err = h.svc.Resume(ctx, query.ResumePostsRequest{Brand: brand, By: "boss"}); err != nil || !slices.Equal(res.Released, []string{p.ID}) {
		t.Fatalf("resume = %v, %v", res, err)
	}
}

func idsOf(ps []query.Post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestApprovalPolicy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pol, err := h.svc.PutPolicy(ctx, query.ApprovalPolicy{Brand: brand, RequiredApprovals: 2, ApproverRoles: []string{"manager", "owner"}})
	if err != nil || pol.Revision != 1 {
		t.Fatalf("put policy = %+v, %v", pol, err)
	}
	if _, err := h.svc.PutPolicy(ctx, query.ApprovalPolicy{Brand: brand, RequiredApprovals: 1, ApproverRoles: []string{"manager"}}); !errors.Is(err, scheduling.ErrConflict) {
		t.Fatalf("stale policy put = %v, want a conflict", err)
	}
	p, err := h.svc.Create(ctx, query.CreatePostRequest{Brand: brand, By: "lea", PostContent: content("Soldes d'hiver")})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = h.svc.Submit(ctx, action(p, "lea", "")); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]query.PostActionRequest{
		"author":           action(p, "lea", "manager"),
		"role_not_allowed": action(p, "cm", "community_manager"),
	} {
		if _, err := h.svc.Approve(ctx, a); !errors.Is(err, scheduling.ErrForbidden) {
			t.Fatalf("%s: approve = %v, want forbidden", name, err)
		}
	}
	if _, err := h.svc.Approve(ctx, action(p, "ana", "manager")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Approve(ctx, action(p, "bob", "manager")); !errors.Is(err, scheduling.ErrConflict) {
		t.Fatalf("approve at a stale revision = %v, want a conflict", err)
	}
	p, _ = h.svc.Get(ctx, query.PostRef{Brand: brand, ID: p.ID})
	if p.State != postv1.StateInReview || len(p.Approvals) != 1 {
		t.Fatalf("after one of two approvals: %s with %d", p.State, len(p.Approvals))
	}
	if _, err := h.svc.Approve(ctx, action(p, "ana", "manager")); !errors.Is(err, scheduling.ErrConflict) {
		t.Fatalf("same approver twice = %v, want a conflict", err)
	}
	if p, err = h.svc.RequestChanges(ctx, query.PostActionRequest{PostRef: query.PostRef{Brand: brand, ID: p.ID}, Revision: p.Revision, By: "bob", Role: "manager", Comment: "Ajoutez les dates"}); err != nil {
		t.Fatal(err)
	}
	if p.State != postv1.StateDraft || p.Comments[len(p.Comments)-1].Kind != "changes_requested" {
		t.Fatalf("after changes requested: %s, %+v", p.State, p.Comments)
	}
	c := content("Soldes d'hiver du 7 au 31 janvier")
	if p, err = h.svc.Edit(ctx, query.EditPostRequest{PostRef: query.PostRef{Brand: brand, ID: p.ID}, Revision: p.Revision, By: "lea", PostContent: c}); err != nil {
		t.Fatal(err)
	}
	if p, err = h.svc.Submit(ctx, action(p, "lea", "")); err != nil {
		t.Fatal(err)
	}
	// Ana's approval was of other content: two new approvals are needed.
	if p, err = h.svc.Approve(ctx, action(p, "ana", "manager")); err != nil || p.State != postv1.StateInReview {
		t.Fatalf("first approval of new content: %s, %v", p.State, err)
	}
	if p, err = h.svc.Approve(ctx, action(p, "bob", "owner")); err != nil || p.State != postv1.StateApproved {
		t.Fatalf("second approval: %s, %v", p.State, err)
	}
	ap, ok := h.approvals.get(p.ApprovalID)
	if !ok || ap.ApprovedBy != "bob" || ap.Covers(brand, publishv1.KindPost, "Soldes d'hiver du 7 au 31 janvier") != nil {
		t.Fatalf("approval record %+v", ap)
	}
}
