package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
)

// StreamConfig turns a declared stream into its JetStream configuration:
// file storage, limits retention, the declared duplicate window.
func StreamConfig(s events.Stream, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:       s.Name,
		Subjects:   s.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     s.MaxAge,
		Duplicates: s.DuplicateWindow,
		Replicas:   replicas,
		Discard:    jetstream.DiscardOld,
		DenyDelete: s.AppendOnly,
		DenyPurge:  s.AppendOnly,
		// A schedule message rolls up its subject (a new one replaces the
		// last): the server requires roll-ups with schedules.
		AllowMsgSchedules: s.Schedules,
		AllowRollup:       s.Schedules,
	}
}

// EnsureStreams creates or updates every stream of events.Topology. It runs
// once at start-up; publishers never provision streams per publish.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, s := range events.Topology() {
		if _, err := js.CreateOrUpdateStream(ctx, StreamConfig(s, replicas)); err != nil {
			return fmt.Errorf("provision stream %s: %w", s.Name, err)
		}
	}
	return nil
}
