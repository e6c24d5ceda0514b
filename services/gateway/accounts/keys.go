package accounts

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/services/gateway/access"
)

// KeyPrefix starts every personal API key: "ruk.<user id>.<secret>".
const KeyPrefix = "ruk."

// APIKey is a personal key for machines: it acts as its user, narrowed to
// its scopes (the user's role must allow the action too) until it expires.
type APIKey struct {
	ID        string          `json:"id"`
	UserID    string          `json:"user_id"`
	Name      string          `json:"name"`
	Scopes    []access.Action `json:"scopes"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt time.Time       `json:"expires_at"`
}

// Allows reports whether the key's scopes include action.
func (k APIKey) Allows(action access.Action) bool { return slices.Contains(k.Scopes, action) }

// CreateKey stores k for its user and returns the key itself, shown once.
func (s *Store) CreateKey(ctx context.Context, k APIKey) (string, APIKey, error) {
	k.ID = newID()
	secret := NewSecret()
	if err := create(ctx, s.keys, k.UserID+"."+k.ID+"."+digest(secret), k); err != nil {
		return "", APIKey{}, err
	}
	return KeyPrefix + k.UserID + "." + k.ID + "." + secret, k, nil
}

// Key reads the key presented (ErrNotFound when unknown, malformed or
// expired).
func (s *Store) Key(ctx context.Context, presented string, now time.Time) (APIKey, error) {
	rest, ok := strings.CutPrefix(presented, KeyPrefix)
	p, ok2 := splitToken(rest, 3)
	if !ok || !ok2 {
		return APIKey{}, ErrNotFound
	}
	k, _, err := get[APIKey](ctx, s.keys, p[0]+"."+p[1]+"."+digest(p[2]))
	if err == nil && !now.Before(k.ExpiresAt) {
		return APIKey{}, ErrNotFound
	}
	return k, err
}

// Keys lists a user's keys (never their secrets).
func (s *Store) Keys(ctx context.Context, userID string) ([]APIKey, error) {
	if !validKeyToken(userID) {
		return nil, nil
	}
	return list[APIKey](ctx, s.keys, userID+".>")
}

// DeleteKey revokes one of a user's keys by id.
func (s *Store) DeleteKey(ctx context.Context, userID, id string) error {
	if !validKeyToken(userID) || !validKeyToken(id) {
		return ErrNotFound
	}
	lister, err := s.keys.ListKeysFiltered(ctx, userID+"."+id+".*")
	if err != nil {
		return err
	}
	found := false
	for k := range lister.Keys() {
		found = true
		if err := remove(ctx, s.keys, k); err != nil {
			return err
		}
	}
	if !found {
		return ErrNotFound
	}
	return nil
}

func lastRevision(rev uint64) jetstream.KVDeleteOpt { return jetstream.LastRevision(rev) }
