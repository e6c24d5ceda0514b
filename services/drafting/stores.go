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
	st, err := updateFrom(ctx, kv, k, nil, create, fn)
	return st.v, err
}

// stored is a value of a bucket with its revision (0: the key has none).
type stored[T any] struct {
	v   T
	rev uint64
}

// updateFrom is update starting from a value read before (nil: it reads
// one), which saves a read when nobody wrote in between; it returns what it
// wrote, with its revision.
func updateFrom[T any](ctx context.Context, kv jetstream.KeyValue, k string, start *stored[T], create bool, fn func(*T) error) (stored[T], error) {
	for range 10 {
		var st stored[T]
		if start != nil {
			st, start = *start, nil
		} else {
			var err error
			if st, err = getStored[T](ctx, kv, k); err != nil && !errors.Is(err, ErrNotFound) {
				return st, err
			}
		}
		if st.rev == 0 && !create {
			return st, fmt.Errorf("%s: %w", k, ErrNotFound)
		}
		if err := fn(&st.v); err != nil {
			return st, err
		}
		b, err := json.Marshal(st.v)
		if err != nil {
			return st, err
		}
		if st.rev == 0 {
			st.rev, err = kv.Create(ctx, k, b)
		} else {
			st.rev, err = kv.Update(ctx, k, b, st.rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue
		}
		return st, err
	}
	return stored[T]{}, fmt.Errorf("%s: %w: too many concurrent writers", k, ErrConflict)
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, k string) (T, error) {
	st, err := getStored[T](ctx, kv, k)
	return st.v, err
}

// getStored is get with the value's revision.
func getStored[T any](ctx context.Context, kv jetstream.KeyValue, k string) (stored[T], error) {
	var st stored[T]
	e, err := kv.Get(ctx, k)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, fmt.Errorf("%s: %w", k, ErrNotFound)
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(e.Value(), &st.v); err != nil {
		return stored[T]{}, fmt.Errorf("decode %s: %w", k, err)
	}
	st.rev = e.Revision()
	return st, nil
}

func put(ctx context.Context, kv jetstream.KeyValue, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, k, b)
	return err
}
