package drafting

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket names.
const (
	DraftsBucket = "drafting_drafts"
	BrandsBucket = "drafting_brands"
	UsageBucket  = "drafting_usage"
)

// Errors mapped to request/reply codes in endpoints.go.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

func openBucket(ctx context.Context, js jetstream.JetStream, name string, replicas int, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, History: 1, TTL: ttl, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	return kv, nil
}

// key is "<brand>.<id as base64url>": ids carry ":" and "/", which KV keys
// cannot.
func key(brand, id string) string {
	return brand + "." + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// update applies fn to the JSON value at k with compare-and-set, retrying
// when another writer moved it; create says whether a missing key is
// created (fn gets the zero value) or ErrNotFound.
func update[T any](ctx context.Context, kv jetstream.KeyValue, k string, create bool, fn func(*T) error) (T, error) {
	for range 10 {
		var v T
		var rev uint64
		e, err := kv.Get(ctx, k)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if !create {
				return v, fmt.Errorf("%s: %w", k, ErrNotFound)
			}
		case err != nil:
			return v, err
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				return v, fmt.Errorf("decode %s: %w", k, err)
			}
		}
		if err := fn(&v); err != nil {
			return v, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return v, err
		}
		if rev == 0 {
			_, err = kv.Create(ctx, k, b)
		} else {
			_, err = kv.Update(ctx, k, b, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue
		}
		return v, err
	}
	return *new(T), fmt.Errorf("%s: %w: too many concurrent writers", k, ErrConflict)
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, k string) (T, error) {
	var v T
	e, err := kv.Get(ctx, k)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return v, fmt.Errorf("%s: %w", k, ErrNotFound)
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(e.Value(), &v)
}

func put(ctx context.Context, kv jetstream.KeyValue, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, k, b)
	return err
}
