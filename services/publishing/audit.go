package publishing

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/secret"
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
//
// An entry about a person's interaction (a reply to them) holds its text
// sealed under a data key of that interaction (AuditKeysBucket, each key
// sealed with the service's box): erasing the person purges the key, and
// the text can no longer be read, while the entry — who asked, who
// approved, the content hash, the network's answer — stays (crypto-
// shredding: the stream itself refuses deletes).
type Audit struct {
	js   jetstream.JetStream
	keys jetstream.KeyValue
	box  *secret.Box
	// erased says whether an interaction's author was erased: an entry
	// about it is recorded without its text.
	erased func(brand, interactionID string) bool
	now    func() time.Time
}

// AuditKeysBucket holds the audit's data keys, one per interaction.
const AuditKeysBucket = "publishing_audit_keys"

// storedAudit is an entry as the stream holds it.
type storedAudit struct {
	query.AuditEntry
	// About is the hash of the interaction whose data key seals Text.
	About      string `json:"about,omitempty"`
	SealedText []byte `json:"sealed_text,omitempty"`
}

// OpenAudit creates (or updates) the audit stream and its key bucket.
func OpenAudit(ctx context.Context, js jetstream.JetStream, replicas int, box *secret.Box, erased func(brand, interactionID string) bool) (*Audit, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: AuditStream, Subjects: []string{auditPrefix + ">"}, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		DenyDelete: true, DenyPurge: true, MaxAge: 400 * 24 * time.Hour,
		Description: "publishing: append-only audit of every action (who asked, who approved, what was sent, the answer)",
	})
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", AuditStream, err)
	}
	keys, err := openBucket(ctx, js, replicas, AuditKeysBucket, 1, "publishing: data keys of the audit's texts about a person's interaction (purged on erasure)")
	if err != nil {
		return nil, err
	}
	return &Audit{js: js, keys: keys, box: box, erased: erased, now: time.Now}, nil
}

// auditKeyName is the bucket key of an interaction's data key.
func auditKeyName(brand, interactionID string) string { return brand + "." + hashToken(interactionID) }

func (a *Audit) keyAD(name string) []byte { return []byte("publishing-audit-key\x00" + name) }

// dataKey opens the interaction's data key, creating it when create is set;
// a key that is not there (never made, or purged) is nil.
func (a *Audit) dataKey(ctx context.Context, name string, create bool) (*secret.Box, error) {
	kve, err := a.keys.Get(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound) && create:
		raw := make([]byte, secret.KeySize)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		if _, err := a.keys.Create(ctx, name, a.box.Seal(raw, a.keyAD(name))); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("audit key %s: %w", name, err)
		}
		return a.dataKey(ctx, name, false) // the one stored, ours or a racing replica's
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("audit key %s: %w", name, err)
	}
	if len(kve.Value()) == 0 {
		return nil, nil // purged
	}
	raw, err := a.box.Open(kve.Value(), a.keyAD(name))
	if err != nil {
		return nil, fmt.Errorf("open audit key %s: %w", name, err)
	}
	return secret.NewBox(raw)
}

// Record appends one entry (about: the interaction it concerns, if any);
// it returns once the stream stored it.
func (a *Audit) Record(ctx context.Context, about string, e query.AuditEntry) error {
	if e.At.IsZero() {
		e.At = a.now().UTC()
	}
	st := storedAudit{AuditEntry: e}
	if about != "" && e.Text != "" {
		st.Text = ""
		if !a.erased(e.Brand, about) {
			st.About = auditKeyName(e.Brand, about)
			k, err := a.dataKey(ctx, st.About, true)
			if err != nil {
				return err
			}
			st.SealedText = k.Seal([]byte(e.Text), []byte(st.About))
		}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := a.js.Publish(ctx, auditPrefix+e.Brand, b); err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.RequestID, err)
	}
	return nil
}

// forget purges the data keys of a brand's interactions: their texts in
// the audit can no longer be read.
func (a *Audit) forget(ctx context.Context, brand string, interactionIDs []string) error {
	for _, id := range interactionIDs {
		if err := a.keys.Purge(ctx, auditKeyName(brand, id)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("forget audit key: %w", err)
		}
	}
	return nil
}

// open is a stored entry as the API shows it: its sealed text opened, or
// left out (Erased) when its key was purged.
func (a *Audit) open(ctx context.Context, st storedAudit, keys map[string]*secret.Box) (query.AuditEntry, error) {
	e := st.AuditEntry
	if st.About == "" || len(st.SealedText) == 0 {
		return e, nil
	}
	k, ok := keys[st.About]
	if !ok {
		var err error
		if k, err = a.dataKey(ctx, st.About, false); err != nil {
			return e, err
		}
		keys[st.About] = k
	}
	if k == nil {
		e.Text, e.Erased = "", true
		return e, nil
	}
	text, err := k.Open(st.SealedText, []byte(st.About))
	if err != nil {
		return e, fmt.Errorf("open audit text: %w", err)
	}
	e.Text = string(text)
	return e, nil
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
	var stored []storedAudit
	for pending > 0 {
		batch, err := c.Fetch(int(min(pending, 256)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var e storedAudit
			if json.Unmarshal(m.Data(), &e) == nil {
				stored = append(stored, e)
			}
			if len(stored) > limit {
				stored = stored[1:]
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
	out := make([]query.AuditEntry, 0, len(stored))
	keys := map[string]*secret.Box{}
	for _, st := range slices.Backward(stored) {
		e, err := a.open(ctx, st, keys)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
