package scheduling_test

import (
	"context"
	"testing"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// TestPostsStayInTheirBrand: a post is reached only under its own brand;
// another brand naming its id finds nothing and changes nothing.
func TestPostsStayInTheirBrand(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.approved(t, "Le menu d'hiver")
	other := query.PostRef{Brand: "bar", ID: p.ID}
	act := query.PostActionRequest{PostRef: other, Revision: p.Revision, By: "mallory", Role: "owner"}
	calls := map[string]func() error{
		"get": func() error { _, err := rpc.Ask(ctx, h.client, query.GetPost, other); return err },
		"edit": func() error {
			_, err := rpc.Ask(ctx, h.client, query.EditPost, query.EditPostRequest{PostRef: other, Revision: p.Revision, By: "mallory", PostContent: content("Piraté")})
			return err
		},
		"approve": func() error { _, err := rpc.Ask(ctx, h.client, query.ApprovePost, act); return err },
		"comment": func() error {
			_, err := rpc.Ask(ctx, h.client, query.CommentPost, query.PostActionRequest{PostRef: other, Revision: p.Revision, By: "mallory", Comment: "hi"})
			return err
		},
		"schedule": func() error {
			_, err := rpc.Ask(ctx, h.client, query.SchedulePost, query.SchedulePostRequest{PostRef: other, Revision: p.Revision, By: "mallory", Wall: "2027-03-28T09:00", Zone: "Europe/Paris"})
			return err
		},
		"cancel": func() error { _, err := rpc.Ask(ctx, h.client, query.CancelPost, act); return err },
	}
	for name, call := range calls {
		if e := rpc.AsError(call()); e == nil || e.Code != query.CodeNotFound {
			t.Errorf("%s under brand bar: %v, want not found", name, e)
		}
	}
	got, err := h.svc.Get(ctx, query.PostRef{Brand: p.Brand, ID: p.ID})
	if err != nil || got.Revision != p.Revision || got.State != postv1.StateApproved {
		t.Fatalf("the post changed: %+v, %v", got, err)
	}
}
