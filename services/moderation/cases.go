package moderation

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// ClaimsBucket holds case claims, "<brand>.<base64url(interaction id)>" →
// the moderator. The bucket's TTL is the claim's lifetime: a moderator who
// walks away frees the case after ClaimTTL.
const ClaimsBucket = "moderation_case_claims"

// ClaimTTL is how long a claim lasts unless renewed.
const ClaimTTL = 5 * time.Minute

// CaseStore records moderators' claims and decisions.
type CaseStore struct {
	kv  jetstream.KeyValue
	pub *bus.Publisher
	now func() time.Time
	// known tells whether the brand has the interaction; nil accepts any.
	known Interactions
}

// Interactions tells whether a brand has received an interaction, so a case
// is never claimed or decided on an id that does not exist.
type Interactions interface {
	Known(ctx context.Context, brand, interactionID string) (bool, error)
}

// checkKnown is a 404 for an interaction the brand does not have.
func (c *CaseStore) checkKnown(ctx context.Context, brand, interactionID string) error {
	if c.known == nil {
		return nil
	}
	ok, err := c.known.Known(ctx, brand, interactionID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: brand %s has no interaction %s", ErrNotFound, brand, interactionID)
	}
	return nil
}

type claimRecord struct {
	Moderator string    `json:"moderator"`
	ClaimedAt time.Time `json:"claimed_at"`
}

// OpenCaseStore creates or opens the claims bucket.
func OpenCaseStore(ctx context.Context, js jetstream.JetStream, replicas int, pub *bus.Publisher, now func() time.Time, known Interactions) (*CaseStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ClaimsBucket, TTL: ClaimTTL, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: case claims (who handles which interaction)",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ClaimsBucket, err)
	}
	return &CaseStore{kv: kv, pub: pub, now: now, known: known}, nil
}

func claimKey(brand, interactionID string) string {
	return brand + "." + base64.RawURLEncoding.EncodeToString([]byte(interactionID))
}

func checkCase(brand, interactionID, moderator string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return &policy.FieldError{Rule: -1, Field: "brand", Msg: err.Error()}
	}
	if interactionID == "" || len(interactionID) > 512 || !strings.Contains(interactionID, ":") {
		return &policy.FieldError{Rule: -1, Field: "interaction_id", Msg: "must be an interaction id such as mastodon:1098765"}
	}
	if moderator == "" {
		return &policy.FieldError{Rule: -1, Field: "moderator", Msg: "is required"}
	}
	return nil
}

// Claim claims the case for moderator, or renews the claim moderator holds.
// Creating the key is the compare-and-set: of moderators claiming at once,
// exactly one wins; the others get ErrConflict naming the holder.
func (c *CaseStore) Claim(ctx context.Context, brand, interactionID, moderator string) (query.CaseClaim, error) {
	if err := checkCase(brand, interactionID, moderator); err != nil {
		return query.CaseClaim{}, err
	}
	if err := c.checkKnown(ctx, brand, interactionID); err != nil {
		return query.CaseClaim{}, err
	}
	key := claimKey(brand, interactionID)
	val, _ := json.Marshal(claimRecord{Moderator: moderator, ClaimedAt: c.now().UTC()})
	out := query.CaseClaim{Brand: brand, InteractionID: interactionID, Moderator: moderator}
	for range 3 {
		e, err := c.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			rev, err := c.kv.Create(ctx, key, val)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // lost the race: see who won
			}
			if err != nil {
				return out, fmt.Errorf("claim %s: %w", interactionID, err)
			}
			out.Revision, out.ExpiresAt = rev, c.now().UTC().Add(ClaimTTL)
			return out, nil
		case err != nil:
			return out, fmt.Errorf("read claim %s: %w", interactionID, err)
		}
		var held claimRecord
		_ = json.Unmarshal(e.Value(), &held)
		if held.Moderator != moderator {
			return out, fmt.Errorf("%w: case %s is claimed by %s until %s", ErrConflict, interactionID, held.Moderator, e.Created().Add(ClaimTTL).UTC().Format(time.RFC3339))
		}
		rev, err := c.kv.Update(ctx, key, val, e.Revision())
		if isWrongSequence(err) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("renew claim %s: %w", interactionID, err)
		}
		out.Revision, out.ExpiresAt = rev, c.now().UTC().Add(ClaimTTL)
		return out, nil
	}
	return out, fmt.Errorf("%w: case %s is being claimed by someone else", ErrConflict, interactionID)
}

// Claims lists the claims held on brand's cases, with their holder and
// expiry (a claim's key is removed at its TTL).
func (c *CaseStore) Claims(ctx context.Context, brand string) ([]query.CaseClaim, error) {
	keys, err := c.kv.ListKeysFiltered(ctx, brand+".>")
	if err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	out := []query.CaseClaim{}
	for key := range keys.Keys() {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(key, brand+"."))
		if err != nil {
			continue
		}
		e, err := c.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // released meanwhile
		} else if err != nil {
			return nil, fmt.Errorf("read claim: %w", err)
		}
		var held claimRecord
		if json.Unmarshal(e.Value(), &held) != nil || held.Moderator == "" {
			continue
		}
		out = append(out, query.CaseClaim{Brand: brand, InteractionID: string(raw), Moderator: held.Moderator,
			ExpiresAt: e.Created().Add(ClaimTTL).UTC(), Revision: e.Revision()})
	}
	return out, nil
}

// Release gives up moderator's claim; releasing a free case is a no-op.
func (c *CaseStore) Release(ctx context.Context, brand, interactionID, moderator string) error {
	if err := checkCase(brand, interactionID, moderator); err != nil {
		return err
	}
	key := claimKey(brand, interactionID)
	e, err := c.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read claim %s: %w", interactionID, err)
	}
	var held claimRecord
	_ = json.Unmarshal(e.Value(), &held)
	if held.Moderator != moderator {
		return fmt.Errorf("%w: case %s is claimed by %s", ErrConflict, interactionID, held.Moderator)
	}
	if err := c.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
		if isWrongSequence(err) {
			return fmt.Errorf("%w: the claim of case %s changed meanwhile", ErrConflict, interactionID)
		}
		return fmt.Errorf("release claim %s: %w", interactionID, err)
	}
	return nil
}

// Decide records a moderator's decision as case.decided.v1 (claiming the
// case first, or renewing the moderator's claim), and asks publishing to
// hide (hide, spam) or unhide (approve) the interaction. assign hands the
// claim to the assignee; close releases it.
func (c *CaseStore) Decide(ctx context.Context, req query.DecideCaseRequest) (query.DecideCaseResponse, error) {
	if err := checkCase(req.Brand, req.InteractionID, req.Moderator); err != nil {
		return query.DecideCaseResponse{}, err
	}
	if !req.Decision.Valid() {
		return query.DecideCaseResponse{}, &policy.FieldError{Rule: -1, Field: "decision", Msg: fmt.Sprintf("%q is not one of %v", req.Decision, casev1.Decisions)}
	}
	if req.Decision == casev1.DecisionAssign && req.Assignee == "" {
		return query.DecideCaseResponse{}, &policy.FieldError{Rule: -1, Field: "assignee", Msg: "is required to assign a case"}
	}
	if len(req.Reason) > 2000 {
		return query.DecideCaseResponse{}, &policy.FieldError{Rule: -1, Field: "reason", Msg: "is longer than 2000 bytes"}
	}
	claim, err := c.Claim(ctx, req.Brand, req.InteractionID, req.Moderator)
	if err != nil {
		return query.DecideCaseResponse{}, err
	}
	now := c.now().UTC()
	d := casev1.Decided{
		ID: casev1.DecidedID(req.InteractionID, req.Decision, claim.Revision), InteractionID: req.InteractionID, Brand: req.Brand,
		Decision: req.Decision, Moderator: req.Moderator, Assignee: req.Assignee, Reason: req.Reason, DecidedAt: now,
	}
	if err := c.publish(ctx, d, d.ID, req.Brand, now); err != nil {
		return query.DecideCaseResponse{}, err
	}
	resp := query.DecideCaseResponse{Decided: d}
	var kind publishv1.Kind
	switch req.Decision {
	case casev1.DecisionHide, casev1.DecisionSpam:
		kind = publishv1.KindHide
	case casev1.DecisionApprove:
		kind = publishv1.KindUnhide
	}
	if kind != "" {
		p := publishv1.Requested{ID: "publish:" + d.ID, Brand: req.Brand, Kind: kind, InteractionID: req.InteractionID,
			Network: req.Network, RequestedBy: req.Moderator, Reason: req.Reason, RequestedAt: now}
		if err := c.publish(ctx, p, p.ID, req.Brand, now); err != nil {
			return resp, err
		}
		resp.Publish = string(kind)
	}
	key := claimKey(req.Brand, req.InteractionID)
	switch req.Decision {
	case casev1.DecisionAssign:
		val, _ := json.Marshal(claimRecord{Moderator: req.Assignee, ClaimedAt: now})
		if _, err := c.kv.Update(ctx, key, val, claim.Revision); err != nil {
			return resp, fmt.Errorf("hand case %s to %s: %w", req.InteractionID, req.Assignee, err)
		}
	case casev1.DecisionClose:
		if err := c.kv.Delete(ctx, key, jetstream.LastRevision(claim.Revision)); err != nil && !isWrongSequence(err) {
			return resp, fmt.Errorf("release case %s: %w", req.InteractionID, err)
		}
	}
	return resp, nil
}

func (c *CaseStore) publish(ctx context.Context, e events.Event, id, brand string, at time.Time) error {
	env, err := events.NewEnvelope(e, id, brand, at)
	if err != nil {
		return err
	}
	env.CausationID = id
	if _, err := c.pub.PublishEvent(ctx, e, env); err != nil {
		return fmt.Errorf("publish %s: %w", e.Name(), err)
	}
	return nil
}
