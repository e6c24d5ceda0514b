package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// CursorsBucket is the NATS KV bucket, owned by ingest, that keeps where
// each polled source stopped reading (key: the source id).
const CursorsBucket = "ingest_cursors"

// Cursors is the cursor store.
type Cursors struct {
	kv jetstream.KeyValue
}

type storedCursor struct {
	Cursor    string    `json:"cursor"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OpenCursors creates or opens the cursors bucket.
func OpenCursors(ctx context.Context, js jetstream.JetStream, replicas int) (*Cursors, error) {
	if js == nil {
		return nil, errors.New("sandbox: nil jetstream")
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CursorsBucket,
		Description: "ingest: where each polled source stopped reading",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    max(1, replicas),
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
	var sc storedCursor
	if err := json.Unmarshal(e.Value(), &sc); err != nil {
		return "", fmt.Errorf("decode cursor of %s: %w", source, err)
	}
	return sc.Cursor, nil
}

// Put records the cursor of source.
func (c *Cursors) Put(ctx context.Context, source, cursor string) error {
	b, err := json.Marshal(storedCursor{Cursor: cursor, UpdatedAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	if _, err := c.kv.Put(ctx, source, b); err != nil {
		return fmt.Errorf("store cursor of %s: %w", source, err)
	}
	return nil
}
