package moderation

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/kvread"
)

// DecisionsBucket records, per interaction and policy version, the id of the
// decision event already published: the consumer's idempotency guard past
// JetStream's two-minute duplicate window (a re-polled item, a backfill, a
// webhook retried hours later).
const DecisionsBucket = "moderation_decisions"

// DecisionsTTL is how long a decision is remembered: longer than any
// redelivery or backfill overlap Ruche produces.
const DecisionsTTL = 30 * 24 * time.Hour

// decisionsStream and decisionsPrefix are the bucket's stream and the
// prefix of its keys' subjects.
const (
	decisionsStream = "KV_" + DecisionsBucket
	decisionsPrefix = "$KV." + DecisionsBucket + "."
)

// guardReadMax is the most keys asked for in one batched read.
const guardReadMax = kvread.Max

// guardReadTimeout bounds a batched read, as jetstream's default timeout
// bounds a kv.Get.
const guardReadTimeout = 5 * time.Second

// decisionLog is the guard's store.
type decisionLog struct {
	kv jetstream.KeyValue
	js jetstream.JetStream
	// readMax is guardReadMax, smaller in tests.
	readMax int
}

func openDecisionLog(ctx context.Context, js jetstream.JetStream, replicas int) (*decisionLog, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: DecisionsBucket, TTL: DecisionsTTL, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: decided interactions (idempotency guard)",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", DecisionsBucket, err)
	}
	return &decisionLog{kv: kv, js: js, readMax: guardReadMax}, nil
}

// decisionKey is "<brand>.<base64url(interaction id)>.v<policy version>":
// interaction ids hold ':' and other bytes KV keys refuse.
func decisionKey(brand, interactionID string, policyVersion int) string {
	return brand + "." + base64.RawURLEncoding.EncodeToString([]byte(interactionID)) + ".v" + strconv.Itoa(policyVersion)
}

// decided returns the recorded decision event id, "" when none: kv.Get, the
// reference decidedAll is tested against.
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

// decidedAll is decided for many keys in one request per guardReadMax keys
// (a batched direct get of the last message of each key's subject, ADR-31):
// ids[i] is the decision event id recorded under keys[i], "" when none (no
// message, or a delete or purge marker, as kv.Get says ErrKeyNotFound), and
// errs[i] the error of reading it. A failed request fails each of its keys.
func (d *decisionLog) decidedAll(ctx context.Context, keys []string) (ids []string, errs []error) {
	ids, errs = make([]string, len(keys)), make([]error, len(keys))
	// asked holds the indices of the valid keys; a key KV refuses (and so a
	// wildcard, which would match other keys) fails alone, as in kv.Get.
	asked := make([]int, 0, len(keys))
	for i, key := range keys {
		if !validKey(key) {
			errs[i] = fmt.Errorf("read decision %s: %w", key, jetstream.ErrInvalidKey)
			continue
		}
		asked = append(asked, i)
	}
	for len(asked) > 0 {
		chunk := asked[:min(len(asked), d.readMax)]
		asked = asked[len(chunk):]
		subjects := make([]string, len(chunk))
		for j, i := range chunk {
			subjects[j] = decisionsPrefix + keys[i]
		}
		live, err := d.readLast(ctx, subjects)
		for _, i := range chunk {
			if err != nil {
				errs[i] = fmt.Errorf("read decision %s: %w", keys[i], err)
				continue
			}
			ids[i] = live[decisionsPrefix+keys[i]]
		}
	}
	return ids, errs
}

// decidedMany is decidedAll, with Gets for fewer than kvread.MinBatch keys.
func (d *decisionLog) decidedMany(ctx context.Context, keys []string) ([]string, []error) {
	if len(keys) >= kvread.MinBatch {
		return d.decidedAll(ctx, keys)
	}
	ids, errs := make([]string, len(keys)), make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() { ids[i], errs[i] = d.decided(ctx, key) })
	}
	wg.Wait()
	return ids, errs
}

// readLast returns the value of the last message of each subject, for the
// subjects whose last message is a value (not a delete or purge marker).
func (d *decisionLog) readLast(ctx context.Context, subjects []string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, guardReadTimeout)
	defer cancel()
	msgs, err := kvread.Last(ctx, d.js, decisionsStream, subjects)
	if err != nil {
		return nil, err
	}
	live := make(map[string]string, len(msgs))
	for subject, data := range msgs {
		live[subject] = string(data)
	}
	return live, nil
}

// validKey is kv.Get's rule for keys (nats.go jetstream/kv.go, keyValid:
// not empty, no empty token, only [-/_=.a-zA-Z0-9]), so no wildcard.
func validKey(key string) bool {
	if key == "" || key[0] == '.' || key[len(key)-1] == '.' || strings.Contains(key, "..") {
		return false
	}
	for _, c := range []byte(key) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '/', c == '_', c == '=', c == '.':
		default:
			return false
		}
	}
	return true
}

// recordAsync stores the decision event id once it is published, without
// waiting: a KV create is a publication on the key's subject that expects
// no earlier value (what KeyValue.Create sends; the keys of this bucket are
// never deleted, only aged out).
func (d *decisionLog) recordAsync(key, eventID string) (jetstream.PubAckFuture, error) {
	msg := nats.NewMsg(decisionsPrefix + key)
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

// moderated reports whether any policy version decided the interaction
// (within DecisionsTTL): the cheap half of "does this interaction exist".
func (d *decisionLog) moderated(ctx context.Context, brand, interactionID string) (bool, error) {
	lister, err := d.kv.ListKeysFiltered(ctx, brand+"."+base64.RawURLEncoding.EncodeToString([]byte(interactionID))+".*")
	if err != nil {
		return false, fmt.Errorf("look up decisions of %s: %w", interactionID, err)
	}
	defer func() { _ = lister.Stop() }()
	for range lister.Keys() {
		return true, nil
	}
	return false, nil
}
