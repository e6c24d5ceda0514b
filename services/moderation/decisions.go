package moderation

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/bus"
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
	js jetstream.JetStream
}

func openDecisionLog(ctx context.Context, js jetstream.JetStream, replicas int) (*decisionLog, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: DecisionsBucket, TTL: DecisionsTTL, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: decided interactions (idempotency guard)",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", DecisionsBucket, err)
	}
	return &decisionLog{kv: kv, js: js}, nil
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

// recordAsync stores the decision event id once it is published, without
// waiting: a KV create is a publication on the key's subject that expects
// no earlier value (what KeyValue.Create sends; the keys of this bucket are
// never deleted, only aged out).
func (d *decisionLog) recordAsync(key, eventID string) (jetstream.PubAckFuture, error) {
	msg := nats.NewMsg("$KV." + DecisionsBucket + "." + key)
	msg.Data = []byte(eventID)
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
	f, err := d.js.PublishMsgAsync(msg)
	if err != nil {
		return nil, fmt.Errorf("record decision %s: %w", key, err)
	}
	return f, nil
}

// waitRecords waits for recordAsync's futures: a key recorded first by
// another replica is fine, it recorded the same event id.
func (d *decisionLog) waitRecords(ctx context.Context, futures []jetstream.PubAckFuture) []error {
	errs := bus.Await(ctx, 10*time.Second, futures)
	for i, err := range errs {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			errs[i] = nil
		} else if err != nil {
			errs[i] = fmt.Errorf("record decision: %w", err)
		}
	}
	return errs
}
