package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/rpc"
)

// Bucket names.
const (
	PostsBucket    = "scheduling_posts"
	HoldsBucket    = "scheduling_holds"
	PoliciesBucket = "scheduling_policies"
)

// Errors mapped to request/reply codes by rpcError.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the brand's approval policy does not let this person
	// review.
	ErrForbidden = errors.New("forbidden")
)

func openBucket(ctx context.Context, js jetstream.JetStream, name string, replicas int, what string) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1), Description: "scheduling: " + what,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	return kv, nil
}

// errUnchanged from an update function leaves the value as it is.
var errUnchanged = errors.New("unchanged")

// update applies fn to the JSON value at k with compare-and-set, retrying
// when another writer moved it; create says whether a missing key is
// created (fn gets the zero value) or ErrNotFound. changed is false when fn
// returned errUnchanged.
func update[T any](ctx context.Context, kv jetstream.KeyValue, k string, create bool, fn func(*T) error) (v T, changed bool, err error) {
	for range 16 {
		var cur T
		var rev uint64
		e, err := kv.Get(ctx, k)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if !create {
				return cur, false, fmt.Errorf("%s: %w", k, ErrNotFound)
			}
		case err != nil:
			return cur, false, err
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &cur); err != nil {
				return cur, false, fmt.Errorf("decode %s: %w", k, err)
			}
		}
		if err := fn(&cur); errors.Is(err, errUnchanged) {
			return cur, false, nil
		} else if err != nil {
			return cur, false, err
		}
		b, err := json.Marshal(cur)
		if err != nil {
			return cur, false, err
		}
		if rev == 0 {
			_, err = kv.Create(ctx, k, b)
		} else {
			_, err = kv.Update(ctx, k, b, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue
		}
		return cur, err == nil, err
	}
	return *new(T), false, fmt.Errorf("%s: %w: too many concurrent writers", k, ErrConflict)
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

// rpcError maps the package's errors to request/reply codes.
func rpcError(err error) error {
	var fe *FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return rpc.BadRequest(fe.Field, "%s", fe.Message)
	case errors.Is(err, ErrNotFound):
		return rpc.NotFound("%s", err.Error())
	case errors.Is(err, ErrConflict):
		return rpc.Conflict("%s", err.Error())
	case errors.Is(err, ErrForbidden):
		return rpc.Forbidden("%s", err.Error())
	}
	return err
}
