package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/ruche-project/ruche/services/gateway/access"
)

// Token kinds.
const (
	// Invitation gives its holder a role on a brand.
	Invitation = "inv"
	// PasswordReset lets its holder set a user's password.
	PasswordReset = "reset"
)

// Token is a one-time link: an invitation or a password reset. The link
// holds "<kind>.<scope>.<secret>", scope being the brand of an invitation
// or the user of a reset.
type Token struct {
	ID        string      `json:"id"`
	Kind      string      `json:"kind"`
	Brand     string      `json:"brand,omitempty"`
	Role      access.Role `json:"role,omitempty"`
	Email     string      `json:"email,omitempty"`
	UserID    string      `json:"user_id,omitempty"`
	CreatedBy string      `json:"created_by"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at"`
}

func (t Token) scope() string {
	if t.Kind == Invitation {
		return t.Brand
	}
	return t.UserID
}

// CreateToken stores t and returns the secret link value, shown once.
func (s *Store) CreateToken(ctx context.Context, t Token) (string, Token, error) {
	t.ID = newID()
	secret := NewSecret()
	if err := create(ctx, s.tokens, t.Kind+"."+t.scope()+"."+digest(secret), t); err != nil {
		return "", Token{}, err
	}
	return t.Kind + "." + t.scope() + "." + secret, t, nil
}

func tokenKey(kind, presented string) (string, bool) {
	p, ok := splitToken(presented, 3)
	if !ok || p[0] != kind {
		return "", false
	}
	return p[0] + "." + p[1] + "." + digest(p[2]), true
}

// PeekToken reads a token of kind without using it; an expired one is
// ErrNotFound.
func (s *Store) PeekToken(ctx context.Context, kind, presented string, now time.Time) (Token, error) {
	key, ok := tokenKey(kind, presented)
	if !ok {
		return Token{}, ErrNotFound
	}
	t, _, err := get[Token](ctx, s.tokens, key)
	if err == nil && !now.Before(t.ExpiresAt) {
		return Token{}, ErrNotFound
	}
	return t, err
}

// UseToken consumes a token of kind: exactly one caller gets it (a delete
// with compare-and-set on its revision), later ones get ErrNotFound.
func (s *Store) UseToken(ctx context.Context, kind, presented string, now time.Time) (Token, error) {
	key, ok := tokenKey(kind, presented)
	if !ok {
		return Token{}, ErrNotFound
	}
	t, rev, err := get[Token](ctx, s.tokens, key)
	if err != nil {
		return Token{}, err
	}
	if err := s.tokens.Delete(ctx, key, lastRevision(rev)); err != nil {
		return Token{}, ErrNotFound
	}
	if !now.Before(t.ExpiresAt) {
		return Token{}, ErrNotFound
	}
	return t, nil
}

// Invitations lists a brand's pending invitations.
func (s *Store) Invitations(ctx context.Context, brand string, now time.Time) ([]Token, error) {
	all, err := list[Token](ctx, s.tokens, Invitation+"."+brand+".*")
	out := all[:0]
	for _, t := range all {
		if now.Before(t.ExpiresAt) {
			out = append(out, t)
		}
	}
	return out, err
}

// DeleteInvitation revokes a brand's invitation by id.
func (s *Store) DeleteInvitation(ctx context.Context, brand, id string) error {
	lister, err := s.tokens.ListKeysFiltered(ctx, Invitation+"."+brand+".*")
	if err != nil {
		return err
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		t, _, err := get[Token](ctx, s.tokens, k)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if t.ID == id {
			return remove(ctx, s.tokens, k)
		}
	}
	return ErrNotFound
}
