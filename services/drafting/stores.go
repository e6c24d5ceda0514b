package drafting

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/kvcas"
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

// update applies fn to the JSON value at k with compare-and-set
// (pkg/kvcas); create says whether a missing key is created (fn gets the
// zero value) or ErrNotFound.
func update[T any](ctx context.Context, kv jetstream.KeyValue, k string, create bool, fn func(*T) error) (T, error) {
	e, err := updateFrom(ctx, kv, k, nil, create, fn)
	return e.Value, err
}

// updateFrom is update starting from an entry read before (nil: it reads
// one), which saves a read when nobody wrote in between; it returns what it
// wrote, with its revision.
func updateFrom[T any](ctx context.Context, kv jetstream.KeyValue, k string, start *kvcas.Entry[T], create bool, fn func(*T) error) (kvcas.Entry[T], error) {
	var e kvcas.Entry[T]
	var err error
	if start != nil {
		e, _, err = kvcas.UpdateFrom(ctx, kv, k, *start, create, fn)
	} else {
		e, _, err = kvcas.Update(ctx, kv, k, create, fn)
	}
	return e, kvcas.As(err, ErrNotFound, ErrConflict)
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, k string) (T, error) {
	e, err := getStored[T](ctx, kv, k)
	return e.Value, err
}

// getStored is get with the value's revision.
func getStored[T any](ctx context.Context, kv jetstream.KeyValue, k string) (kvcas.Entry[T], error) {
	e, err := kvcas.Get[T](ctx, kv, k)
	return e, kvcas.As(err, ErrNotFound, ErrConflict)
}

func put(ctx context.Context, kv jetstream.KeyValue, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, k, b)
	return err
}
