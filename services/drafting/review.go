package drafting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting/voice"
)

// MaxDraftChars bounds an edited text (LinkedIn's 3,000 is the longest
// network limit; the network's own is checked by the length check).
const MaxDraftChars = 3000

func current(r *record, version int) error {
	switch {
	case r.Draft.Current.Version != version:
		return fmt.Errorf("%w: the draft is at version %d, not %d: read it again", ErrConflict, r.Draft.Current.Version, version)
	case r.Draft.Status == query.DraftApproved:
		return fmt.Errorf("%w: version %d is already approved", ErrConflict, version)
	}
	return nil
}

// Edit saves a moderator's text as the next version, checked again.
func (s *Service) Edit(ctx context.Context, r query.EditDraftRequest) (query.Draft, error) {
	text := strings.TrimSpace(r.Text)
	switch {
	case text == "":
		return query.Draft{}, fmt.Errorf("%w: text: required", ErrInvalid)
	case len([]rune(text)) > MaxDraftChars:
		return query.Draft{}, fmt.Errorf("%w: text: longer than %d characters", ErrInvalid, MaxDraftChars)
	case r.EditedBy == "":
		return query.Draft{}, fmt.Errorf("%w: edited_by: required", ErrInvalid)
	}
	b, err := s.brands.Get(ctx, r.Brand)
	if err != nil {
		return query.Draft{}, err
	}
	in, err := s.interaction(ctx, r.Brand, r.InteractionID)
	if err != nil {
		return query.Draft{}, err
	}
	k := key(r.Brand, r.InteractionID)
	now := s.now().UTC()
	rec, err := updateFrom(ctx, s.drafts, k, nil, false, func(rec *record) error {
		if err := current(rec, r.BaseVersion); err != nil {
			return err
		}
		c := rec.Draft.Current
		c.Version++
		c.ID, c.Text, c.Drafter, c.CreatedAt, c.Instruction = draftv1.CreatedID(c.DraftID, c.Version), text, "human:"+r.EditedBy, now, ""
		c.Reasons = []string{"edited by " + r.EditedBy}
		c.Confidence = 1
		c.Note = ""
		s.check(b, in, "", &c)
		rec.Draft.Current, rec.Draft.Status, rec.Draft.Approvers = c, query.DraftPending, nil
		rec.Draft.EditDistance = Levenshtein(rec.Draft.Original, text)
		rec.Draft.Audit = append(rec.Draft.Audit, query.DraftStep{Action: "edited", By: r.EditedBy, Version: c.Version, At: now,
			Detail: fmt.Sprintf("edit distance %d", rec.Draft.EditDistance)})
		rec.Draft.UpdatedAt = now
		return nil
	})
	if err != nil {
		return query.Draft{}, err
	}
	return rec.Value.Draft, s.publishPending(ctx, k, rec)
}

// Approve records an approval of the current version; the last approval
// writes the approval record and the reply's publish request.
func (s *Service) Approve(ctx context.Context, r query.ReviewDraftRequest) (query.Draft, error) {
	if r.By == "" {
		return query.Draft{}, fmt.Errorf("%w: by: required", ErrInvalid)
	}
	b, err := s.brands.Get(ctx, r.Brand)
	if err != nil {
		return query.Draft{}, err
	}
	k := key(r.Brand, r.InteractionID)
	now := s.now().UTC()
	rec, err := update(ctx, s.drafts, k, false, func(rec *record) error {
		d := &rec.Draft
		if d.Status == query.DraftApproved && d.Current.Version == r.Version {
			return nil // asked again: publish again below, deduplicated
		}
		if err := current(rec, r.Version); err != nil {
			return err
		}
		switch {
		case d.Status == query.DraftRejected:
			return fmt.Errorf("%w: version %d was rejected: edit or regenerate it", ErrConflict, r.Version)
		case d.Current.Flagged:
			return fmt.Errorf("%w: version %d failed its checks (%s): edit or regenerate it", ErrConflict, r.Version, failed(d.Current.Checks))
		case slices.Contains(d.Approvers, r.By):
			return fmt.Errorf("%w: %s already approved version %d; four-eyes needs another approver", ErrConflict, r.By, r.Version)
		}
		d.Approvers = append(d.Approvers, r.By)
		d.UpdatedAt = now
		d.Audit = append(d.Audit, query.DraftStep{Action: "approved", By: r.By, Version: r.Version, At: now})
		if voice.FourEyes(b.Voice, rec.Priority) && len(d.Approvers) < 2 {
			d.Status = query.DraftAwaitingSecond
			return nil
		}
		c := d.Current
		a := draftv1.Approved{
			ID: draftv1.ApprovalID(c.DraftID, c.Version), Brand: c.Brand, DraftID: c.DraftID, DraftVersion: c.Version,
			InteractionID: c.InteractionID, Network: c.Network, Lang: c.Lang, Text: c.Text, ContentHash: draftv1.ContentHash(c.Text),
			ApprovedBy: r.By, Approvers: d.Approvers, ApprovedAt: now, KBVersion: c.KBVersion, VoiceVersion: c.VoiceVersion,
			KBEntries: []string{}, EditDistance: Levenshtein(d.Original, c.Text),
		}
		for _, ci := range c.Citations {
			a.KBEntries = append(a.KBEntries, ci.EntryID)
		}
		a.PublishRequestID = draftv1.PublishRequestID(a.ID)
		d.Status, d.Approval = query.DraftApproved, &a
		return nil
	})
	if err != nil {
		return query.Draft{}, err
	}
	if a := rec.Draft.Approval; a != nil && rec.Draft.Status == query.DraftApproved {
		// The approval records first: publishing finds its own before the
		// request (an approval asked again records the same, immutable).
		if err := s.approvals.RecordApproval(ctx, publishv1.Approval{ID: a.ID, Brand: a.Brand, Kind: publishv1.KindReply,
			ContentHashes: []string{a.ContentHash}, ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt}); err != nil {
			return rec.Draft, fmt.Errorf("record approval %s with publishing: %w", a.ID, err)
		}
		if err := s.publish(ctx, *a, a.ID, a.Brand); err != nil {
			return rec.Draft, err
		}
		req := publishv1.Requested{ID: a.PublishRequestID, Brand: a.Brand, Kind: publishv1.KindReply, InteractionID: a.InteractionID,
			Network: a.Network, RequestedBy: a.ApprovedBy, RequestedAt: a.ApprovedAt, Text: a.Text, Lang: a.Lang, ApprovalID: a.ID}
		if err := s.publish(ctx, req, req.ID, req.Brand); err != nil {
			return rec.Draft, err
		}
	}
	return rec.Draft, nil
}

func failed(checks []draftv1.Check) string {
	var out []string
	for _, c := range checks {
		if !c.Passed {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ", ")
}

// Reject rejects the current version with a reason.
func (s *Service) Reject(ctx context.Context, r query.ReviewDraftRequest) (query.Draft, error) {
	reason := strings.TrimSpace(r.Reason)
	switch {
	case r.By == "":
		return query.Draft{}, fmt.Errorf("%w: by: required", ErrInvalid)
	case reason == "":
		return query.Draft{}, fmt.Errorf("%w: reason: required to reject", ErrInvalid)
	}
	now := s.now().UTC()
	rec, err := update(ctx, s.drafts, key(r.Brand, r.InteractionID), false, func(rec *record) error {
		if rec.Draft.Status == query.DraftRejected && rec.Draft.Current.Version == r.Version {
			return nil
		}
		if err := current(rec, r.Version); err != nil {
			return err
		}
		rec.Draft.Status, rec.Draft.Rejection, rec.Draft.Approvers, rec.Draft.UpdatedAt = query.DraftRejected, reason, nil, now
		rec.Draft.Audit = append(rec.Draft.Audit, query.DraftStep{Action: "rejected", By: r.By, Version: r.Version, Detail: reason, At: now})
		return nil
	})
	if err != nil {
		return query.Draft{}, err
	}
	c := rec.Draft.Current
	e := draftv1.Rejected{ID: draftv1.RejectedID(c.DraftID, c.Version), Brand: c.Brand, DraftID: c.DraftID, DraftVersion: c.Version,
		InteractionID: c.InteractionID, RejectedBy: r.By, Reason: reason, RejectedAt: now}
	return rec.Draft, s.publish(ctx, e, e.ID, e.Brand)
}

// Request drafts on demand, or regenerates with an instruction.
func (s *Service) Request(ctx context.Context, r query.RequestDraftRequest) (query.Draft, error) {
	if r.RequestedBy == "" {
		return query.Draft{}, fmt.Errorf("%w: requested_by: required", ErrInvalid)
	}
	in, err := s.interaction(ctx, r.Brand, r.InteractionID)
	if err != nil {
		return query.Draft{}, err
	}
	return s.draft(ctx, in, r.Instruction, r.RequestedBy, true)
}

// List lists a brand's drafts, newest first.
func (s *Service) List(ctx context.Context, r query.ListDraftsRequest) (query.DraftList, error) {
	limit := r.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := query.DraftList{Drafts: []query.Draft{}}
	lister, err := s.drafts.ListKeysFiltered(ctx, r.Brand+".*")
	if err != nil {
		return out, err
	}
	for k := range lister.Keys() {
		rec, err := get[record](ctx, s.drafts, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if r.Status == "" || rec.Draft.Status == r.Status {
			out.Drafts = append(out.Drafts, rec.Draft)
		}
	}
	sort.Slice(out.Drafts, func(i, j int) bool { return out.Drafts[i].UpdatedAt.After(out.Drafts[j].UpdatedAt) })
	if len(out.Drafts) > limit {
		out.Drafts = out.Drafts[:limit]
	}
	return out, nil
}

// Get is one interaction's draft.
func (s *Service) Get(ctx context.Context, r query.DraftRef) (query.Draft, error) {
	rec, err := get[record](ctx, s.drafts, key(r.Brand, r.InteractionID))
	return rec.Draft, err
}

// Levenshtein is the edit distance between a and b in characters.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
