package scheduling

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/kvcas"
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
var errUnchanged = kvcas.Unchanged

// update applies fn to the JSON value at k with compare-and-set
// (pkg/kvcas); create says whether a missing key is created (fn gets the
// zero value) or ErrNotFound. changed is false when fn returned
// errUnchanged.
func update[T any](ctx context.Context, kv jetstream.KeyValue, k string, create bool, fn func(*T) error) (v T, changed bool, err error) {
	e, changed, err := kvcas.Update(ctx, kv, k, create, fn)
	return e.Value, changed, kvcas.As(err, ErrNotFound, ErrConflict)
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, k string) (T, error) {
	e, err := kvcas.Get[T](ctx, kv, k)
	return e.Value, kvcas.As(err, ErrNotFound, ErrConflict)
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
