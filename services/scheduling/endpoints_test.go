package scheduling_test

import (
	"context"
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// extraEndpoint stands for an endpoint a neighbouring package (queues,
// import, feed) adds to scheduling's micro service.
var extraEndpoint = query.Declare[query.BrandRef, query.PostList](query.SchedulingService, "test_extra", "ruche.query.scheduling.test.extra", query.BudgetRead)

func TestEndpointsAnswerWithCodesNamingTheField(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.approved(t, "Par les endpoints")
	ask := func(err error, code, field string) {
		t.Helper()
		e := rpc.AsError(err)
		if e == nil || e.Code != code || e.Field != field {
			t.Fatalf("error = %v (%+v), want code %s field %q", err, e, code, field)
		}
	}
	_, err := rpc.Ask(ctx, h.client, query.CreatePost, query.CreatePostRequest{Brand: brand, By: "lea",
		PostContent: query.PostContent{Variants: []query.PostVariant{{Network: "x", Text: strings.Repeat("a", 300)}}}})
	ask(err, query.CodeBadRequest, "variants[0].text")
	_, err = rpc.Ask(ctx, h.client, query.SchedulePost, query.SchedulePostRequest{PostRef: refOf(p), Revision: p.Revision, By: "lea", Wall: "2027-03-28T09:00", Zone: "Mars/Olympus"})
	ask(err, query.CodeBadRequest, "zone")
	_, err = rpc.Ask(ctx, h.client, query.SchedulePost, query.SchedulePostRequest{PostRef: refOf(p), Revision: p.Revision - 1, By: "lea", Wall: "2027-03-28T09:00", Zone: "Europe/Paris"})
	ask(err, query.CodeConflict, "")
	_, err = rpc.Ask(ctx, h.client, query.GetPost, query.PostRef{Brand: brand, ID: "p-0000000000000000"})
	ask(err, query.CodeNotFound, "")
	_, err = rpc.Ask(ctx, h.client, query.ApprovePost, query.PostActionRequest{PostRef: refOf(p), Revision: p.Revision, By: "x"})
	ask(err, query.CodeConflict, "") // approved already: not in review
	if _, err := rpc.Ask(ctx, h.client, query.PutApprovalPolicy, query.ApprovalPolicy{Brand: brand, RequiredApprovals: 1, ApproverRoles: []string{"boss"}}); rpc.AsError(err).Field != "approver_roles[0]" {
		t.Fatalf("bad role = %v", err)
	}
}

func TestRegisterAddsEndpointsToSchedulingsService(t *testing.T) {
	h := newHarness(t)
	h.stop()
	h.svc.Register(func(srv *rpc.Server) error {
		return rpc.Handle(srv, extraEndpoint, func(ctx context.Context, r query.BrandRef) (query.PostList, error) {
			return h.svc.List(ctx, query.ListPostsRequest{Brand: r.Brand})
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.svc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, 10*time.Second, "the extra endpoint", func() bool {
		_, err := rpc.Ask(ctx, h.client, extraEndpoint, query.BrandRef{Brand: brand})
		return err == nil
	})
}
