package ical

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TokensBucket keeps one feed token per brand, hashed.
const TokensBucket = "scheduling_ical_tokens"

// ErrNoToken is returned when the brand has no feed token or the token
// given is not the brand's: the feed answers 404 either way, so a guess
// learns nothing.
var ErrNoToken = errors.New("no such calendar feed")

// TokenInfo describes a brand's feed token; the token itself is shown once,
// when created, and never stored.
type TokenInfo struct {
	Brand     string    `json:"brand"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

type tokenRecord struct {
	TokenInfo
	// Digest is the SHA-256 of the token, hex.
	Digest string `json:"digest"`
}

// Tokens keeps the brands' feed tokens in TokensBucket: a token is 32
// random bytes (base64url) stored as its SHA-256 digest, so the bucket
// holds nothing that opens a feed. Creating a token replaces the brand's
// previous one; revoking deletes it.
type Tokens struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// OpenTokens opens (or creates) the bucket.
func OpenTokens(ctx context.Context, js jetstream.JetStream, replicas int, now func() time.Time) (*Tokens, error) {
	if js == nil || now == nil {
		return nil, errors.New("ical tokens: jetstream and clock are required")
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: TokensBucket, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "per-brand iCalendar feed tokens (SHA-256 digests)",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", TokensBucket, err)
	}
	return &Tokens{kv: kv, now: now}, nil
}

// Create makes a new token for brand, replacing any previous one, and
// returns it: the only time it is seen.
func (t *Tokens) Create(ctx context.Context, brand, by string) (string, TokenInfo, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", TokenInfo{}, fmt.Errorf("feed token of %s: %w", brand, err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	rec := tokenRecord{TokenInfo: TokenInfo{Brand: brand, CreatedAt: t.now().UTC(), CreatedBy: by}, Digest: digest(token)}
	data, err := json.Marshal(rec)
	if err != nil {
		return "", TokenInfo{}, err
	}
	if _, err := t.kv.Put(ctx, brand, data); err != nil {
		return "", TokenInfo{}, fmt.Errorf("store the feed token of %s: %w", brand, err)
	}
	return token, rec.TokenInfo, nil
}

// Revoke deletes brand's token (and its history): the feed URL stops
// working at once. Revoking a brand without a token is not an error.
func (t *Tokens) Revoke(ctx context.Context, brand string) error {
	if err := t.kv.Purge(ctx, brand); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("revoke the feed token of %s: %w", brand, err)
	}
	return nil
}

// Info describes brand's token; ErrNoToken when it has none.
func (t *Tokens) Info(ctx context.Context, brand string) (TokenInfo, error) {
	rec, err := t.get(ctx, brand)
	return rec.TokenInfo, err
}

// Check reports whether token is brand's feed token: nil, or ErrNoToken.
// The digests are compared in constant time.
func (t *Tokens) Check(ctx context.Context, brand, token string) error {
	rec, err := t.get(ctx, brand)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(digest(token)), []byte(rec.Digest)) != 1 {
		return ErrNoToken
	}
	return nil
}

func (t *Tokens) get(ctx context.Context, brand string) (tokenRecord, error) {
	var rec tokenRecord
	e, err := t.kv.Get(ctx, brand)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrInvalidKey):
		return rec, ErrNoToken
	case err != nil:
		return rec, fmt.Errorf("read the feed token of %s: %w", brand, err)
	}
	if err := json.Unmarshal(e.Value(), &rec); err != nil || rec.Digest == "" {
		return rec, fmt.Errorf("feed token of %s: a malformed record", brand)
	}
	return rec, nil
}

func digest(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
