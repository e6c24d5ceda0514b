package publishing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// Safety bucket names.
const (
	ApprovalsBucket = "publishing_approvals"
	PausesBucket    = "publishing_pauses"
)

// Refusal codes of publishing's own (the network's are passed on as given).
const (
	CodeNotApproved      = "not_approved"
	CodeCrisisPause      = "crisis_pause"
	CodeNoAccount        = "no_account"
	CodeRetriesExhausted = "retries_exhausted"
	CodeRateLimited      = "rate_limited"
	CodeUnverifiable     = "unverifiable"
)

// Approvals keeps approval records, immutable once written.
type Approvals struct{ kv jetstream.KeyValue }

// OpenApprovals opens (creating) the approvals bucket.
func OpenApprovals(ctx context.Context, js jetstream.JetStream, replicas int) (*Approvals, error) {
	kv, err := openBucket(ctx, js, replicas, ApprovalsBucket, 1, "publishing: approval records (content hashes a post or reply may send)")
	if err != nil {
		return nil, err
	}
	return &Approvals{kv: kv}, nil
}

func approvalKey(brand, id string) string { return brand + "." + hashToken(id) }

// Put records an approval; the same record again is fine, another under
// the same id is a conflict (an approval never changes once given).
func (a *Approvals) Put(ctx context.Context, ap publishv1.Approval) error {
	if err := ap.Validate(); err != nil {
		return rpc.BadRequest("approval", "%s", err.Error())
	}
	b, err := json.Marshal(ap)
	if err != nil {
		return err
	}
	key := approvalKey(ap.Brand, ap.ID)
	if _, err := a.kv.Create(ctx, key, b); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("record approval %s: %w", ap.ID, err)
		}
		old, gerr := a.kv.Get(ctx, key)
		if gerr != nil {
			return fmt.Errorf("read approval %s: %w", ap.ID, gerr)
		}
		if !bytes.Equal(old.Value(), b) {
			return rpc.Conflict("approval %s exists with other content; approvals never change", ap.ID)
		}
	}
	return nil
}

// Check returns approval id of brand if it covers sending v as kind, or
// an error wrapping publishv1.ErrNotApproved.
func (a *Approvals) Check(ctx context.Context, brand string, kind publishv1.Kind, id string, v publishv1.Variant) (publishv1.Approval, error) {
	var ap publishv1.Approval
	if id == "" {
		return ap, fmt.Errorf("%w: the request names no approval", publishv1.ErrNotApproved)
	}
	kve, err := a.kv.Get(ctx, approvalKey(brand, id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return ap, fmt.Errorf("%w: no approval %q", publishv1.ErrNotApproved, id)
	}
	if err != nil {
		return ap, fmt.Errorf("read approval %s: %w", id, err)
	}
	if err := json.Unmarshal(kve.Value(), &ap); err != nil {
		return ap, fmt.Errorf("decode approval %s: %w", id, err)
	}
	return ap, ap.CoversVariant(brand, kind, v)
}

// Pauses keeps the brands whose posts and replies wait: for a crisis to
// end (crisis.detected with pause_publishing) or for a person to resume.
type Pauses struct{ kv jetstream.KeyValue }

type pause struct {
	// CrisisID is the crisis that paused; empty when a person did (By).
	CrisisID string    `json:"crisis_id,omitempty"`
	By       string    `json:"by,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Since    time.Time `json:"since"`
}

// why is the refusal's reason for a request the pause holds.
func (ps pause) why() string {
	if ps.CrisisID != "" {
		return "the brand's publishing is paused by crisis " + ps.CrisisID + ": it goes out when the queue is resumed"
	}
	return "the brand's publishing is paused by " + ps.By + ": it goes out when the queue is resumed"
}

// OpenPauses opens (creating) the pauses bucket.
func OpenPauses(ctx context.Context, js jetstream.JetStream, replicas int) (*Pauses, error) {
	kv, err := openBucket(ctx, js, replicas, PausesBucket, 1, "publishing: brands whose posts and replies are held (a crisis, a person)")
	if err != nil {
		return nil, err
	}
	return &Pauses{kv: kv}, nil
}

// get returns brand's pause and its revision (0 when it is not paused).
func (p *Pauses) get(ctx context.Context, brand string) (pause, uint64, error) {
	var ps pause
	kve, err := p.kv.Get(ctx, brand)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return ps, 0, nil
	}
	if err != nil {
		return ps, 0, fmt.Errorf("read pause of %s: %w", brand, err)
	}
	if err := json.Unmarshal(kve.Value(), &ps); err != nil {
		return ps, 0, fmt.Errorf("decode pause of %s: %w", brand, err)
	}
	return ps, kve.Revision(), nil
}

// paused returns the pause that holds brand's posts and replies, if any.
func (p *Pauses) paused(ctx context.Context, brand string) (pause, bool, error) {
	ps, rev, err := p.get(ctx, brand)
	return ps, rev != 0, err
}

// Pause holds brand's posts and replies. A brand already paused stays as it
// is (by whom and why it was paused first).
func (p *Pauses) Pause(ctx context.Context, brand, by, reason string, now time.Time) error {
	b, _ := json.Marshal(pause{By: by, Reason: reason, Since: now.UTC()})
	if _, err := p.kv.Create(ctx, brand, b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("pause %s: %w", brand, err)
	}
	return nil
}

// Resume lifts brand's pause, whoever set it.
func (p *Pauses) Resume(ctx context.Context, brand string) error {
	if err := p.kv.Delete(ctx, brand); err != nil {
		return fmt.Errorf("lift pause of %s: %w", brand, err)
	}
	return nil
}

func (p *Pauses) detected(ctx context.Context, d crisisv1.Detected) error {
	if !d.PausePublishing {
		return nil
	}
	b, _ := json.Marshal(pause{CrisisID: d.ID, Since: d.OpenedAt})
	if _, err := p.kv.Put(ctx, d.Brand, b); err != nil {
		return fmt.Errorf("pause %s: %w", d.Brand, err)
	}
	return nil
}

// resolved lifts the pause of the crisis it ends (not a later one's, nor
// one a person set).
func (p *Pauses) resolved(ctx context.Context, r crisisv1.Resolved) error {
	ps, rev, err := p.get(ctx, r.Brand)
	if err != nil || rev == 0 || ps.CrisisID != r.CrisisID {
		return err
	}
	if err := p.kv.Delete(ctx, r.Brand, jetstream.LastRevision(rev)); err != nil {
		return fmt.Errorf("lift pause of %s: %w", r.Brand, err)
	}
	return nil
}
