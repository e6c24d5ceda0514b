package moderation

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DecisionsBucket records, per interaction and policy version, the id of the
// decision event already published: the consumer's idempotency guard past
// JetStream's two-minute duplicate window (a re-polled item, a backfill, a
// webhook retried hours later).
const DecisionsBucket = "moderation_decisions"

// DecisionsTTL is how long a decision is remembered: longer than any
// redelivery or backfill overlap Ruche produces.
const DecisionsTTL = 30 * 24 * time.Hour

// decisionLog is the guard's store.
type decisionLog struct {
	kv jetstream.KeyValue
}

func openDecisionLog(ctx context.Context, js jetstream.JetStream, replicas int) (*decisionLog, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: DecisionsBucket, TTL: DecisionsTTL, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: decided interactions (idempotency guard)",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", DecisionsBucket, err)
	}
	return &decisionLog{kv: kv}, nil
}

// decisionKey is "<brand>.<base64url(interaction id)>.v<policy version>":
// interaction ids hold ':' and other bytes KV keys refuse.
func decisionKey(brand, interactionID string, policyVersion int) string {
	return brand + "." + base64.RawURLEncoding.EncodeToString([]byte(interactionID)) + ".v" + strconv.Itoa(policyVersion)
}

// decided returns the recorded decision event id, "" when none.
func (d *decisionLog) decided(ctx context.Context, key string) (string, error) {
	e, err := d.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read decision %s: %w", key, err)
	}
	return string(e.Value()), nil
}

// record stores the decision event id once it is published. Another replica
// recording it first is fine: it published the same event id.
func (d *decisionLog) record(ctx context.Context, key, eventID string) error {
	if _, err := d.kv.Create(ctx, key, []byte(eventID)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("record decision %s: %w", key, err)
	}
	return nil
}
