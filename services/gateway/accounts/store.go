// Package accounts keeps the gateway's people in NATS KV buckets it owns:
// users and their roles per brand, sessions, one-time tokens (invitations,
// password resets), personal API keys, teams and OIDC sign-in states.
// Secrets are never stored: a token's key is the SHA-256 of its secret, so
// reading a bucket gives nothing that signs anyone in. Every change of a
// record is a compare-and-set on its revision.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/kvcas"
)

// Bucket names.
const (
	UsersBucket    = "gateway_users"
	SessionsBucket = "gateway_sessions"
	TokensBucket   = "gateway_tokens"
	KeysBucket     = "gateway_api_keys"
	TeamsBucket    = "gateway_teams"
	StatesBucket   = "gateway_oidc_states"
)

// StateTTL bounds an OIDC sign-in from redirect to callback.
const StateTTL = 10 * time.Minute

// Errors of the store.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrStale is a compare-and-set that lost: the record changed since it
	// was read.
	ErrStale = errors.New("changed since it was read")
)

// Store is the gateway's account storage.
type Store struct {
	users, sessions, tokens, keys, teams, states jetstream.KeyValue
}

// Open creates or opens the buckets. sessionTTL is the absolute lifetime of
// a session: the bucket forgets older ones by itself.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, sessionTTL time.Duration) (*Store, error) {
	if replicas < 1 {
		replicas = 1
	}
	s := &Store{}
	for _, b := range []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{
		{&s.users, jetstream.KeyValueConfig{Bucket: UsersBucket, History: 5}},
		{&s.sessions, jetstream.KeyValueConfig{Bucket: SessionsBucket, TTL: sessionTTL}},
		{&s.tokens, jetstream.KeyValueConfig{Bucket: TokensBucket}},
		{&s.keys, jetstream.KeyValueConfig{Bucket: KeysBucket}},
		{&s.teams, jetstream.KeyValueConfig{Bucket: TeamsBucket, History: 5}},
		{&s.states, jetstream.KeyValueConfig{Bucket: StatesBucket, TTL: StateTTL}},
	} {
		b.cfg.Storage, b.cfg.Replicas = jetstream.FileStorage, replicas
		kv, err := js.CreateOrUpdateKeyValue(ctx, b.cfg)
		if err != nil {
			return nil, fmt.Errorf("open bucket %s: %w", b.cfg.Bucket, err)
		}
		*b.kv = kv
	}
	return s, nil
}

// NewSecret returns 32 random bytes, base64url: the secret part of every
// token the gateway hands out.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newID returns a short random id (16 hex digits), usable as a KV key token.
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// digest is the KV key token of a secret.
func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// splitToken splits "<a>.<b>.<secret>" or "<a>.<secret>" tokens; the parts
// before the secret must be KV key tokens.
func splitToken(token string, parts int) ([]string, bool) {
	p := strings.SplitN(token, ".", parts)
	if len(p) != parts {
		return nil, false
	}
	for _, s := range p[:parts-1] {
		if !validKeyToken(s) {
			return nil, false
		}
	}
	return p, p[parts-1] != "" && len(p[parts-1]) <= 128
}

func validKeyToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func get[T any](ctx context.Context, kv jetstream.KeyValue, key string) (T, uint64, error) {
	e, err := kvcas.Get[T](ctx, kv, key)
	if errors.Is(err, kvcas.ErrNotFound) {
		return e.Value, 0, ErrNotFound
	}
	return e.Value, e.Revision, err
}

func create(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := kv.Create(ctx, key, b); errors.Is(err, jetstream.ErrKeyExists) {
		return ErrExists
	} else if err != nil {
		return fmt.Errorf("create %s: %w", key, err)
	}
	return nil
}

// put writes v at key if its revision is still rev.
func put(ctx context.Context, kv jetstream.KeyValue, key string, v any, rev uint64) (uint64, error) {
	rev, err := kvcas.Put(ctx, kv, key, v, rev)
	if errors.Is(err, kvcas.ErrConflict) {
		return 0, ErrStale
	}
	return rev, err
}

// update is a read-modify-write of key with compare-and-set (pkg/kvcas),
// retried when another writer got there first.
func update[T any](ctx context.Context, kv jetstream.KeyValue, key string, fn func(*T) error) (T, error) {
	e, _, err := kvcas.Update(ctx, kv, key, false, fn)
	return e.Value, casErr(key, err)
}

// casErr gives kvcas's errors the store's meaning.
func casErr(key string, err error) error {
	switch {
	case errors.Is(err, kvcas.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, kvcas.ErrConflict):
		return fmt.Errorf("update %s: %w (retried %d times)", key, ErrStale, kvcas.Attempts)
	}
	return err
}

// list reads every record whose key matches filter.
func list[T any](ctx context.Context, kv jetstream.KeyValue, filter string) ([]T, error) {
	lister, err := kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", filter, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	var out []T
	for _, k := range keys {
		v, _, err := get[T](ctx, kv, k)
		if errors.Is(err, ErrNotFound) {
			continue // deleted between the listing and the read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func remove(ctx context.Context, kv jetstream.KeyValue, key string) error {
	if err := kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}
