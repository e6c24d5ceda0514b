package scheduling

import (
	"context"
	"errors"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// handle serves ep with fn, mapping the package's errors to codes.
func handle[Req, Resp any](srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, r Req) (Resp, error) {
		out, err := fn(ctx, r)
		return out, rpcError(err)
	})
}

func (s *Service) startEndpoints() (*rpc.Server, error) {
	srv, err := rpc.NewServer(s.nc, query.SchedulingService, "1.0.0", "Ruche scheduling: the editorial calendar, approvals, crisis hold", s.log)
	if err != nil {
		return nil, err
	}
	errs := []error{
		handle(srv, query.CreatePost, s.Create),
		handle(srv, query.EditPost, s.Edit),
		handle(srv, query.SubmitPost, s.Submit),
		handle(srv, query.ApprovePost, s.Approve),
		handle(srv, query.RequestPostChanges, s.RequestChanges),
		handle(srv, query.CommentPost, s.Comment),
		handle(srv, query.SchedulePost, s.Schedule),
		handle(srv, query.CancelPost, s.Cancel),
		handle(srv, query.GetPost, s.Get),
		handle(srv, query.ListPosts, s.List),
		handle(srv, query.GetCalendar, s.Calendar),
		handle(srv, query.ListHeldPosts, func(ctx context.Context, r query.BrandRef) (query.HeldPosts, error) { return s.Held(ctx, r.Brand) }),
		handle(srv, query.ResumePosts, s.Resume),
		handle(srv, query.GetApprovalPolicy, func(ctx context.Context, r query.BrandRef) (query.ApprovalPolicy, error) {
			return s.Policy(ctx, r.Brand)
		}),
		handle(srv, query.PutApprovalPolicy, s.PutPolicy),
	}
	for _, fn := range s.extra {
		errs = append(errs, fn(srv))
	}
	if err := errors.Join(errs...); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}
