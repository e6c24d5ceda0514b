package scheduling

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// System is the actor of what the service does on its own (timers,
// outcomes, crisis holds).
const System = "scheduling"

func postKey(brand, id string) string { return brand + "." + id }

func newPostID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "p-" + hex.EncodeToString(b[:])
}

func checkRef(r query.PostRef) error {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return fieldErr("brand", "%s", err.Error())
	}
	if r.ID == "" || strings.ContainsAny(r.ID, ".*> :") {
		return fieldErr("id", "%q is not a post id", r.ID)
	}
	return nil
}

func checkRevision(p *query.Post, rev int) error {
	if rev != p.Revision {
		return fmt.Errorf("%w: post %s is at revision %d, not %d: read it again", ErrConflict, p.ID, p.Revision, rev)
	}
	return nil
}

func stateErr(p *query.Post, action string, want ...postv1.State) error {
	return fmt.Errorf("%w: post %s is %s; %s needs it %v", ErrConflict, p.ID, p.State, action, want)
}

// change applies fn to a post with compare-and-set, then announces it: the
// post.transitioned event when the state moved, and the audit record.
// verb names the action in the audit log ("posts.approve").
func (s *Service) change(ctx context.Context, ref query.PostRef, by, verb string, fn func(p *query.Post) error) (query.Post, error) {
	var before query.Post
	now := s.now().UTC()
	p, changed, err := update(ctx, s.posts, postKey(ref.Brand, ref.ID), false, func(p *query.Post) error {
		before = *p
		if err := fn(p); err != nil {
			return err
		}
		p.Revision++
		p.UpdatedAt = now
		return nil
	})
	if err != nil || !changed {
		return p, err
	}
	return p, s.announce(ctx, before, p, by, verb)
}

// announce publishes the transition (when the state moved) and the audit
// record of a change, and waits for both.
func (s *Service) announce(ctx context.Context, before, p query.Post, by, verb string, also ...func() (jetstream.PubAckFuture, error)) error {
	var futures []jetstream.PubAckFuture
	publish := func(e events.Event, id string, at time.Time) error {
		env, err := events.NewEnvelope(e, id, p.Brand, at)
		if err != nil {
			return err
		}
		f, err := s.pub.PublishEventAsync(ctx, e, env)
		futures = append(futures, f)
		return err
	}
	if before.State != p.State {
		if err := publish(transition(before, p, by), postv1.TransitionID(p.ID, p.Revision), p.UpdatedAt); err != nil {
			return err
		}
	}
	rec := auditv1.Recorded{
		ID: "scheduling:" + postv1.TransitionID(p.ID, p.Revision), Brand: p.Brand, At: p.UpdatedAt, Actor: by, Via: "scheduling",
		Action: verb, Method: "NATS", Route: "scheduling." + verb, Path: "/posts/" + p.ID, Target: "id=" + p.ID, Status: 200,
		Before: summary(before), After: summary(p),
	}
	if before.ID == "" {
		rec.Before = nil
	}
	if err := publish(rec, rec.ID, rec.At); err != nil {
		return err
	}
	for _, a := range also {
		f, err := a()
		if err != nil {
			return err
		}
		futures = append(futures, f)
	}
	return errors.Join(s.pub.Wait(ctx, futures)...)
}

func transition(before, p query.Post, by string) postv1.Transitioned {
	t := postv1.Transitioned{
		ID: postv1.TransitionID(p.ID, p.Revision), Brand: p.Brand, PostID: p.ID, Version: p.Revision, From: before.State, To: p.State,
		By: by, ContentHash: p.ContentHash, LateSeconds: p.LateSeconds, At: p.UpdatedAt,
	}
	switch p.State {
	case postv1.StateHeld:
		t.Reason = "crisis " + p.HeldBy
	case postv1.StateDraft:
		if n := len(p.Comments); n > 0 && p.Comments[n-1].Kind == commentChanges && p.Comments[n-1].At.Equal(p.UpdatedAt) {
			t.Reason = p.Comments[n-1].Text
		}
	case postv1.StateFailed, postv1.StatePartiallyPublished:
		for _, o := range p.Outcomes {
			if !o.Published {
				t.Reason = o.Network + ": " + o.Code + " " + o.Reason
				break
			}
		}
	}
	if p.Time != nil {
		at := p.Time.At
		t.DueAt, t.Zone, t.Wall = &at, p.Time.Zone, p.Time.Wall
	}
	return t
}

// summary is what the audit log keeps of a post's state: enough to tell
// what changed, not the whole content.
func summary(p query.Post) json.RawMessage {
	m := map[string]any{"state": p.State, "revision": p.Revision, "content_hash": p.ContentHash}
	if p.Time != nil {
		m["time"] = p.Time
	}
	if p.HeldBy != "" {
		m["held_by"] = p.HeldBy
	}
	b, _ := json.Marshal(m)
	return b
}

// Create creates a draft post (the seam the queue and CSV import use too).
func (s *Service) Create(ctx context.Context, r query.CreatePostRequest) (query.Post, error) {
	return s.create(ctx, r, newPostID(), nil)
}

// create creates a draft post under id, with a planned time t when not
// nil (the CSV import's rows: ids stable per file, so a retried import
// finds its posts; jetstream.ErrKeyExists when id exists).
func (s *Service) create(ctx context.Context, r query.CreatePostRequest, id string, t *query.PostTime) (query.Post, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.Post{}, fieldErr("brand", "%s", err.Error())
	}
	if r.By == "" {
		return query.Post{}, fieldErr("by", "required")
	}
	if err := ValidateContent(&r.PostContent); err != nil {
		return query.Post{}, err
	}
	now := s.now().UTC()
	p := query.Post{
		ID: id, Brand: r.Brand, Owner: r.By, State: postv1.StateDraft, Revision: 1, PostContent: r.PostContent,
		ContentHash: ContentHash(r.PostContent), Approvals: []query.PostApproval{}, Comments: []query.PostComment{},
		Time: t, CreatedAt: now, UpdatedAt: now,
	}
	b, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	if _, err := s.posts.Create(ctx, postKey(p.Brand, p.ID), b); err != nil {
		return p, fmt.Errorf("create post: %w", err)
	}
	return p, s.announce(ctx, query.Post{}, p, r.By, "posts.create")
}

// Edit replaces a post's content. Content that differs from what was
// approved sends the post back to draft: it needs approving again, and a
// scheduled post loses its timer (it keeps its time, to schedule again).
func (s *Service) Edit(ctx context.Context, r query.EditPostRequest) (query.Post, error) {
	if err := checkRef(r.PostRef); err != nil {
		return query.Post{}, err
	}
	if r.By == "" {
		return query.Post{}, fieldErr("by", "required")
	}
	if err := ValidateContent(&r.PostContent); err != nil {
		return query.Post{}, err
	}
	hash := ContentHash(r.PostContent)
	var unschedule bool
	p, err := s.change(ctx, r.PostRef, r.By, "posts.edit", func(p *query.Post) error {
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		switch p.State {
		case postv1.StatePublishing, postv1.StatePublished, postv1.StatePartiallyPublished:
			return fmt.Errorf("%w: post %s is %s: its content can no longer change", ErrConflict, p.ID, p.State)
		}
		if hash != p.ContentHash && p.State != postv1.StateDraft {
			unschedule = p.State == postv1.StateScheduled || p.State == postv1.StateHeld
			p.State, p.ApprovalID, p.HeldBy = postv1.StateDraft, "", ""
		}
		p.PostContent, p.ContentHash = r.PostContent, hash
		return nil
	})
	if err == nil && unschedule {
		err = s.disarm(ctx, p.Brand, p.ID)
	}
	return p, err
}

// Submit sends a draft to review.
func (s *Service) Submit(ctx context.Context, r query.PostActionRequest) (query.Post, error) {
	if err := checkAction(r); err != nil {
		return query.Post{}, err
	}
	return s.change(ctx, r.PostRef, r.By, "posts.submit", func(p *query.Post) error {
		if p.State == postv1.StateInReview && p.Revision == r.Revision+1 {
			return errUnchanged
		}
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		if p.State != postv1.StateDraft {
			return stateErr(p, "submit", postv1.StateDraft)
		}
		p.State = postv1.StateInReview
		if c := strings.TrimSpace(r.Comment); c != "" {
			p.Comments = append(p.Comments, query.PostComment{By: r.By, Kind: commentNote, Text: c, At: s.now().UTC()})
		}
		return nil
	})
}

func checkAction(r query.PostActionRequest) error {
	if err := checkRef(r.PostRef); err != nil {
		return err
	}
	switch {
	case r.By == "":
		return fieldErr("by", "required")
	case r.Revision < 1:
		return fieldErr("revision", "the post's revision as read (1 or more) is required")
	case len([]rune(r.Comment)) > maxComment:
		return fieldErr("comment", "longer than %d characters", maxComment)
	}
	return nil
}

// Comment kinds.
const (
	commentNote    = "comment"
	commentChanges = "changes_requested"
)

// Comment adds a comment; the post's state does not change.
func (s *Service) Comment(ctx context.Context, r query.PostActionRequest) (query.Post, error) {
	if err := checkAction(r); err != nil {
		return query.Post{}, err
	}
	text := strings.TrimSpace(r.Comment)
	if text == "" {
		return query.Post{}, fieldErr("comment", "required")
	}
	return s.change(ctx, r.PostRef, r.By, "posts.comment", func(p *query.Post) error {
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		p.Comments = append(p.Comments, query.PostComment{By: r.By, Kind: commentNote, Text: text, At: s.now().UTC()})
		return nil
	})
}

// RequestChanges sends a post in review (or approved, not yet scheduled)
// back to draft with the reviewer's comment; its approvals no longer count.
func (s *Service) RequestChanges(ctx context.Context, r query.PostActionRequest) (query.Post, error) {
	if err := checkAction(r); err != nil {
		return query.Post{}, err
	}
	text := strings.TrimSpace(r.Comment)
	if text == "" {
		return query.Post{}, fieldErr("comment", "required: say what to change")
	}
	pol, err := s.Policy(ctx, r.Brand)
	if err != nil {
		return query.Post{}, err
	}
	return s.change(ctx, r.PostRef, r.By, "posts.request_changes", func(p *query.Post) error {
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		if p.State != postv1.StateInReview && p.State != postv1.StateApproved {
			return stateErr(p, "request changes", postv1.StateInReview, postv1.StateApproved)
		}
		if !slices.Contains(pol.ApproverRoles, r.Role) {
			return fmt.Errorf("%w: role %q does not review %s's posts (approver roles: %v)", ErrForbidden, r.Role, r.Brand, pol.ApproverRoles)
		}
		p.State, p.ApprovalID = postv1.StateDraft, ""
		p.Comments = append(p.Comments, query.PostComment{By: r.By, Kind: commentChanges, Text: text, At: s.now().UTC()})
		return nil
	})
}

// Get answers one post.
func (s *Service) Get(ctx context.Context, r query.PostRef) (query.Post, error) {
	if err := checkRef(r); err != nil {
		return query.Post{}, err
	}
	return get[query.Post](ctx, s.posts, postKey(r.Brand, r.ID))
}

// each calls fn with every post of brand.
func (s *Service) each(ctx context.Context, brand string, fn func(query.Post)) error {
	lister, err := s.posts.ListKeysFiltered(ctx, brand+".*")
	if err != nil {
		return err
	}
	for k := range lister.Keys() {
		p, err := get[query.Post](ctx, s.posts, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			_ = lister.Stop()
			return err
		}
		fn(p)
	}
	return nil
}

func matches(p query.Post, f query.PostFilter) bool {
	if len(f.States) > 0 && !slices.Contains(f.States, p.State) {
		return false
	}
	if f.Campaign != "" && p.Campaign != f.Campaign {
		return false
	}
	if f.Label != "" && !slices.Contains(p.Labels, f.Label) {
		return false
	}
	if f.Network != "" && !slices.ContainsFunc(p.Variants, func(v query.PostVariant) bool { return v.Network == f.Network }) {
		return false
	}
	return true
}

// List lists a brand's posts by time: those in [From, To) when a range is
// given, else every post (unscheduled ones last, newest first).
func (s *Service) List(ctx context.Context, r query.ListPostsRequest) (query.PostList, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.PostList{}, fieldErr("brand", "%s", err.Error())
	}
	ranged := !r.From.IsZero() || !r.To.IsZero()
	if ranged && (r.From.IsZero() || r.To.IsZero() || !r.To.After(r.From)) {
		return query.PostList{}, fieldErr("to", "a range needs from and to, to after from")
	}
	if r.Limit < 0 || r.Limit > query.MaxListLimit {
		return query.PostList{}, fieldErr("limit", "must be 0 to %d", query.MaxListLimit)
	}
	for i, st := range r.States {
		if !st.Valid() {
			return query.PostList{}, fieldErr(fmt.Sprintf("states[%d]", i), "%q is not one of %v", st, postv1.States)
		}
	}
	out := query.PostList{Posts: []query.Post{}}
	err := s.each(ctx, r.Brand, func(p query.Post) {
		if ranged && (p.Time == nil || p.Time.At.Before(r.From) || !p.Time.At.Before(r.To)) {
			return
		}
		if matches(p, r.PostFilter) {
			out.Posts = append(out.Posts, p)
		}
	})
	slices.SortFunc(out.Posts, byTime)
	if r.Limit > 0 && len(out.Posts) > r.Limit {
		out.Posts = out.Posts[:r.Limit]
	}
	return out, err
}

// byTime orders posts by their time, then id; unscheduled posts last,
// newest first.
func byTime(a, b query.Post) int {
	switch {
	case a.Time != nil && b.Time != nil:
		if c := a.Time.At.Compare(b.Time.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	case a.Time != nil:
		return -1
	case b.Time != nil:
		return 1
	}
	return b.UpdatedAt.Compare(a.UpdatedAt)
}
