package scheduling

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/ical"
)

// QueuesBucket holds each brand's queues: "<brand>.<network>".
const QueuesBucket = "scheduling_queues"

// planning is what the queues, the CSV import and the calendar feed keep
// beside the posts.
type planning struct {
	queues jetstream.KeyValue
	tokens *ical.Tokens
}

// openPlanning opens the planning buckets and adds their endpoints.
func (s *Service) openPlanning(ctx context.Context, d Deps) error {
	var err error
	if s.planning.queues, err = openBucket(ctx, d.JS, QueuesBucket, d.Replicas, "queues of weekly slots"); err != nil {
		return err
	}
	if s.planning.tokens, err = ical.OpenTokens(ctx, d.JS, d.Replicas, s.now); err != nil {
		return err
	}
	s.Register(func(srv *rpc.Server) error {
		return errors.Join(
			handle(srv, query.GetQueue, s.Queue),
			handle(srv, query.PutQueue, s.PutQueue),
			handle(srv, query.AddToQueue, s.AddToQueue),
			handle(srv, query.RecycleEvergreen, s.RecycleEvergreen),
			handle(srv, query.ImportPosts, s.Import),
			handle(srv, query.CreateFeedToken, s.CreateFeedToken),
			handle(srv, query.RevokeFeedToken, s.RevokeFeedToken),
			handle(srv, query.GetFeedToken, s.FeedToken),
			handle(srv, query.GetFeed, s.Feed),
		)
	})
	return nil
}
