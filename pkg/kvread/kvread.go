// Package kvread reads many keys of a NATS KV bucket (or the last message
// of many subjects of a stream) in one request, where one kv.Get each would
// cost a round trip and a request's work per key.
package kvread

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
)

// Max is the most subjects Last asks for at once: nats-server
// answers a multi_last direct get with at most 1024 messages and refuses the
// whole request (413) past that (stream.go getDirectMulti,
// maxAllowedResponses). A literal subject matches at most one message.
const Max = 1024

// MinBatch is the fewest keys worth one batched read; fewer are read with
// one Get each, at once. A batched read subscribes for its answer, which
// adds about 3 ms: measured on moderation's guard, moderated p50 went from
// 1.3 to 4-5 ms at half the pipeline's rate. A small batch, on a quiet
// stream where latency is what counts, does not win that back in CPU; a
// large one, under load, does (about 15-20 µs of CPU per key).
const MinBatch = 16

// ErrIncomplete is a batched read whose answer stopped before its last
// message: the request timed out (jetstreamext ends the iteration silently
// then) or the server cut it at its max bytes.
var ErrIncomplete = errors.New("batched read ended before its last message")

// Last returns the data of the last message of each of subjects (at
// most Max literal subjects) in stream, in one batched direct get
// (ADR-31), for the subjects whose last message is a value: a KV key's
// subject ("$KV.<bucket>.<key>") without a message, or whose last message
// is a delete or purge marker, is absent, as kv.Get says ErrKeyNotFound.
// It is many kv.Get in one request; ctx bounds it.
func Last(ctx context.Context, js jetstream.JetStream, stream string, subjects []string) (map[string][]byte, error) {
	if len(subjects) > Max {
		return nil, fmt.Errorf("read the last messages of %d subjects: at most %d at once", len(subjects), Max)
	}
	msgs, err := jetstreamext.GetLastMsgsFor(ctx, js, stream, subjects)
	if err != nil {
		return nil, err
	}
	live := make(map[string][]byte, len(subjects))
	// pending is the server's count of messages still to come after the
	// last one received (Nats-Num-Pending), -1 before the first: the
	// iterator's end is an answer only when it reached 0.
	pending := int64(-1)
	for m, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) && pending < 0 {
			// 404 as the whole answer: no subject has a message. After
			// messages, a 404 is a message the server failed to load.
			return live, nil
		}
		if err != nil {
			return nil, err
		}
		if pending, err = strconv.ParseInt(m.Header.Get(numPendingHeader), 10, 64); err != nil {
			return nil, fmt.Errorf("%w: %s %q", jetstreamext.ErrInvalidResponse, numPendingHeader, m.Header.Get(numPendingHeader))
		}
		if !deletedEntry(m.Header) {
			live[m.Subject] = m.Data
		}
	}
	if pending != 0 {
		return nil, ErrIncomplete
	}
	return live, nil
}

// numPendingHeader counts the messages of a batched answer after this one
// (nats-server stream.go, JSNumPending); jetstreamext refuses a message
// without it (ErrBatchUnsupported).
const numPendingHeader = "Nats-Num-Pending"

// deletedEntry says a KV message is a delete or purge marker, by the rules
// of kv.Get (nats.go jetstream/kv.go, kvs.get): its KV-Operation header, or
// else a subject delete marker's reason.
func deletedEntry(h nats.Header) bool {
	if op := h.Get("KV-Operation"); op != "" {
		return op == "DEL" || op == "PURGE"
	}
	switch h.Get(jetstream.MarkerReasonHeader) {
	case "MaxAge", "Purge", "Remove":
		return true
	}
	return false
}
