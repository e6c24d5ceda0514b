package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// Audit stream and subjects.
const (
	AuditStream = "PUBLISHING_AUDIT"
	// auditPrefix is not under a domain of events.Topology: the audit is
	// publishing's own record, not an event other services consume.
	auditPrefix = "ruche.publishing.audit."
)

// Audit is the append-only log of every action: a stream the server keeps
// from deletes and purges, one subject per brand.
type Audit struct {
	js  jetstream.JetStream
	now func() time.Time
}

// OpenAudit creates (or updates) the audit stream.
func OpenAudit(ctx context.Context, js jetstream.JetStream, replicas int) (*Audit, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: AuditStream, Subjects: []string{auditPrefix + ">"}, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		DenyDelete: true, DenyPurge: true, MaxAge: 400 * 24 * time.Hour,
		Description: "publishing: append-only audit of every action (who asked, who approved, what was sent, the answer)",
	})
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", AuditStream, err)
	}
	return &Audit{js: js, now: time.Now}, nil
}

// Record appends one entry; it returns once the stream stored it.
func (a *Audit) Record(ctx context.Context, e query.AuditEntry) error {
	if e.At.IsZero() {
		e.At = a.now().UTC()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := a.js.Publish(ctx, auditPrefix+e.Brand, b); err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.RequestID, err)
	}
	return nil
}

// List reads a brand's last limit entries, newest first. It reads the
// brand's subject from its start: the audit is for review, not a hot path.
func (a *Audit) List(ctx context.Context, brand string, limit int) ([]query.AuditEntry, error) {
	c, err := a.js.OrderedConsumer(ctx, AuditStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{auditPrefix + brand}})
	if err != nil {
		return nil, fmt.Errorf("read audit of %s: %w", brand, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("read audit of %s: %w", brand, err)
	}
	pending := info.NumPending
	var out []query.AuditEntry
	for pending > 0 {
		batch, err := c.Fetch(int(min(pending, 256)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var e query.AuditEntry
			if json.Unmarshal(m.Data(), &e) == nil {
				out = append(out, e)
			}
			if len(out) > limit {
				out = out[1:]
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, err
		}
		if n == 0 {
			break
		}
		pending -= uint64(n)
	}
	slices.Reverse(out)
	return out, nil
}
