package publishing

import (
	"context"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// webhookEndpoints serve the brands' outbound webhooks (package webhooks).
func (s *Service) webhookEndpoints(srv *rpc.Server) []error {
	return []error{
		rpc.Handle(srv, query.ListWebhooks, func(ctx context.Context, r query.ListWebhooksRequest) (query.WebhookList, error) {
			list, err := s.webhooks.List(ctx, r.Brand)
			if list == nil {
				list = []query.Webhook{}
			}
			return query.WebhookList{Webhooks: list}, err
		}),
		rpc.Handle(srv, query.PutWebhook, s.webhooks.Put),
		rpc.Handle(srv, query.DeleteWebhook, func(ctx context.Context, r query.WebhookRef) (query.Empty, error) {
			return query.Empty{}, s.webhooks.Delete(ctx, r.Brand, r.ID)
		}),
		rpc.Handle(srv, query.ListWebhookDeliveries, s.dispatcher.Deliveries),
	}
}
