package sandbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// CursorsBucket is the NATS KV bucket, owned by ingest, that keeps where
// each polled source stopped reading (key: the source id, value: the cursor
// as the network gave it). Its configuration and value format are those of
// ingest's poll loops, which share it.
const CursorsBucket = "ingest_cursors"

// Cursors is the cursor store.
type Cursors struct {
	kv jetstream.KeyValue
}

// OpenCursors creates or opens the cursors bucket.
func OpenCursors(ctx context.Context, js jetstream.JetStream, replicas int) (*Cursors, error) {
	if js == nil {
		return nil, errors.New("sandbox: nil jetstream")
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CursorsBucket, History: 5, Storage: jetstream.FileStorage, Replicas: max(1, replicas),
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CursorsBucket, err)
	}
	return &Cursors{kv: kv}, nil
}

// Get returns the cursor of source, "" when it has none yet.
func (c *Cursors) Get(ctx context.Context, source string) (string, error) {
	e, err := c.kv.Get(ctx, source)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cursor of %s: %w", source, err)
	}
	return string(e.Value()), nil
}

// Put records the cursor of source.
func (c *Cursors) Put(ctx context.Context, source, cursor string) error {
	if _, err := c.kv.Put(ctx, source, []byte(cursor)); err != nil {
		return fmt.Errorf("store cursor of %s: %w", source, err)
	}
	return nil
}
