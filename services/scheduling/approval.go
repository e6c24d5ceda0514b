package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ruche-project/ruche/events"
	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// approverRoles are the brand roles (services/gateway/access) a policy may
// name as approvers.
var approverRoles = []string{"owner", "manager", "community_manager", "moderator", "analyst", "read_only", "agency_guest"}

// DefaultPolicy is the policy of a brand that saved none: one approval by
// an owner, a manager or a community manager, the author's own included
// (a one-person team must be able to post).
func DefaultPolicy(brand string) query.ApprovalPolicy {
	return query.ApprovalPolicy{Brand: brand, RequiredApprovals: 1, ApproverRoles: []string{"owner", "manager", "community_manager"}, AuthorMayApprove: true}
}

// Policy is brand's approval policy (the default when none is saved).
func (s *Service) Policy(ctx context.Context, brand string) (query.ApprovalPolicy, error) {
	if err := events.ValidateBrand(brand); err != nil {
		return query.ApprovalPolicy{}, fieldErr("brand", "%s", err.Error())
	}
	p, err := get[query.ApprovalPolicy](ctx, s.policies, brand)
	if errors.Is(err, ErrNotFound) {
		return DefaultPolicy(brand), nil
	}
	return p, err
}

// PutPolicy saves brand's approval policy at the revision read.
func (s *Service) PutPolicy(ctx context.Context, r query.ApprovalPolicy) (query.ApprovalPolicy, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return r, fieldErr("brand", "%s", err.Error())
	}
	if r.RequiredApprovals < 1 || r.RequiredApprovals > 5 {
		return r, fieldErr("required_approvals", "must be 1 to 5, got %d", r.RequiredApprovals)
	}
	if len(r.ApproverRoles) == 0 {
		return r, fieldErr("approver_roles", "at least one role is required")
	}
	for i, role := range r.ApproverRoles {
		if !slices.Contains(approverRoles, role) {
			return r, fieldErr("approver_roles["+strconv.Itoa(i)+"]", "%q is not one of %v", role, approverRoles)
		}
	}
	p, _, err := update(ctx, s.policies, r.Brand, true, func(p *query.ApprovalPolicy) error {
		if p.Revision != r.Revision {
			return fmt.Errorf("%w: the approval policy is at revision %d, not %d: read it again", ErrConflict, p.Revision, r.Revision)
		}
		rev := p.Revision
		*p = r
		p.Revision = rev + 1
		return nil
	})
	return p, err
}

// Approve records By's approval of the post's current content. The
// approval that completes the policy approves the post and records it where
// publishing checks it (publish/v1.Approval, one hash per variant of what
// it sends: text, media, first comment).
func (s *Service) Approve(ctx context.Context, r query.PostActionRequest) (query.Post, error) {
	if err := checkAction(r); err != nil {
		return query.Post{}, err
	}
	pol, err := s.Policy(ctx, r.Brand)
	if err != nil {
		return query.Post{}, err
	}
	p, err := s.change(ctx, r.PostRef, r.By, "posts.approve", func(p *query.Post) error {
		if p.State == postv1.StateApproved && approvedBy(p, r.By) && p.Revision == r.Revision+1 {
			return errUnchanged // asked again: record again below
		}
		if err := checkRevision(p, r.Revision); err != nil {
			return err
		}
		switch {
		case p.State != postv1.StateInReview:
			return stateErr(p, "approve", postv1.StateInReview)
		case !slices.Contains(pol.ApproverRoles, r.Role):
			return fmt.Errorf("%w: role %q does not approve %s's posts (approver roles: %v)", ErrForbidden, r.Role, r.Brand, pol.ApproverRoles)
		case r.By == p.Owner && !pol.AuthorMayApprove:
			return fmt.Errorf("%w: %s wrote post %s; the brand's policy wants someone else to approve it", ErrForbidden, r.By, p.ID)
		case approvedBy(p, r.By):
			return fmt.Errorf("%w: %s already approved this content; the policy wants %d different approvers", ErrConflict, r.By, pol.RequiredApprovals)
		}
		now := s.now().UTC()
		p.Approvals = append(p.Approvals, query.PostApproval{By: r.By, Role: r.Role, ContentHash: p.ContentHash, Comment: strings.TrimSpace(r.Comment), At: now})
		if countApprovals(p) >= pol.RequiredApprovals {
			p.State = postv1.StateApproved
			p.ApprovalID = "approval:post:" + p.ID + ":r" + strconv.Itoa(p.Revision+1)
		}
		return nil
	})
	if err != nil || p.State != postv1.StateApproved {
		return p, err
	}
	if err := s.approvals.RecordApproval(ctx, approvalRecord(p)); err != nil {
		return p, fmt.Errorf("record approval %s with publishing: %w", p.ApprovalID, err)
	}
	return p, nil
}

// approvedBy reports whether by approved the post's current content.
func approvedBy(p *query.Post, by string) bool {
	return slices.ContainsFunc(p.Approvals, func(a query.PostApproval) bool { return a.By == by && a.ContentHash == p.ContentHash })
}

func countApprovals(p *query.Post) int {
	n := 0
	for _, a := range p.Approvals {
		if a.ContentHash == p.ContentHash {
			n++
		}
	}
	return n
}

// approvalRecord is publishing's record of an approved post, derived from
// the post alone, so recording it again (a retry, each release) writes the
// same immutable record.
func approvalRecord(p query.Post) publishv1.Approval {
	a := publishv1.Approval{ID: p.ApprovalID, Brand: p.Brand, Kind: publishv1.KindPost}
	for _, v := range p.Variants {
		if h := publishv1.VariantHash(SentVariant(v)); !slices.Contains(a.ContentHashes, h) {
			a.ContentHashes = append(a.ContentHashes, h)
		}
	}
	for _, ap := range p.Approvals {
		if ap.ContentHash == p.ContentHash {
			a.ApprovedBy, a.ApprovedAt = ap.By, ap.At
		}
	}
	return a
}
