package webhooks

import (
	"context"

	"github.com/ruche-project/ruche/events"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	replyv1 "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/bus"
)

// registration consumes one event type for the dispatcher.
type registration func(d *Dispatcher, r *bus.Router, prefix string) error

// consume registers d's handler for events of type E, on a durable consumer
// named after the event.
func consume[E events.Event]() registration {
	return func(d *Dispatcher, r *bus.Router, prefix string) error {
		var zero E
		return bus.Handle(r, prefix+"-"+consumerSuffix(zero), func(ctx context.Context, e E, env events.Envelope) error {
			return d.enqueue(ctx, e, env)
		})
	}
}

func consumerSuffix(e events.Event) string {
	n := eventName(e)
	out := []byte(n)
	for i, c := range out {
		if c == '.' {
			out[i] = '-'
		}
	}
	return string(out)
}

// registrations are the events of query.WebhookEvents, in its order.
var registrations = []registration{
	consume[crisisv1.Detected](), consume[crisisv1.Resolved](),
	consume[draftv1.Created](), consume[draftv1.Approved](), consume[draftv1.Rejected](),
	consume[publishv1.Requested](), consume[publishv1.Succeeded](), consume[publishv1.Failed](),
	consume[casev1.Decided](), consume[replyv1.Sent](),
}
