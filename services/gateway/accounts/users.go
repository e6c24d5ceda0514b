package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/services/gateway/access"
)

// User is a person: their roles per brand, how they sign in, and the state
// of their sign-ins.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// Roles maps a brand to the user's role on it.
	Roles map[string]access.Role `json:"roles"`
	// PasswordHash is argon2id (access.HashPassword); empty for OIDC-only
	// users.
	PasswordHash string `json:"password_hash,omitempty"`
	// OIDCSubject is "<issuer> <sub>" of the identity provider's account.
	OIDCSubject string    `json:"oidc_subject,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// SessionsValidAfter revokes every session and reset token issued
	// before it (sign out everywhere, password change).
	SessionsValidAfter time.Time `json:"sessions_valid_after"`
	// Failures counts failed sign-ins in a row; LockedUntil is when the
	// next attempt may be tried (access.LockFor).
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// Brands lists the brands the user has a role on, sorted.
func (u User) Brands() []string {
	out := make([]string, 0, len(u.Roles))
	for b := range u.Roles {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}

// NormalizeEmail lowercases and trims an address, and checks its shape.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	return s, nil
}

func userKey(id string) string              { return "u." + id }
func emailKey(email string) string          { return "email." + digest(email) }
func subjectKey(subj string) string         { return "oidc." + digest(subj) }
func userIndex(id string) map[string]string { return map[string]string{"id": id} }

// CreateUser stores a new user with a fresh id; the email (and OIDC
// subject, when set) must be unused (ErrExists).
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return User{}, err
	}
	u.Email, u.ID = email, newID()
	if u.Roles == nil {
		u.Roles = map[string]access.Role{}
	}
	if err := create(ctx, s.users, emailKey(email), userIndex(u.ID)); err != nil {
		return User{}, fmt.Errorf("email %s: %w", email, err)
	}
	if u.OIDCSubject != "" {
		if err := create(ctx, s.users, subjectKey(u.OIDCSubject), userIndex(u.ID)); err != nil {
			_ = remove(ctx, s.users, emailKey(email))
			return User{}, fmt.Errorf("identity: %w", err)
		}
	}
	if err := create(ctx, s.users, userKey(u.ID), u); err != nil {
		return User{}, err
	}
	return u, nil
}

// User reads a user by id.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	if !validKeyToken(id) {
		return User{}, ErrNotFound
	}
	u, _, err := get[User](ctx, s.users, userKey(id))
	return u, err
}

// UserByEmail reads a user by email address.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, ErrNotFound
	}
	return s.userByIndex(ctx, emailKey(email))
}

// UserBySubject reads the user an OIDC identity is linked to.
func (s *Store) UserBySubject(ctx context.Context, subject string) (User, error) {
	return s.userByIndex(ctx, subjectKey(subject))
}

func (s *Store) userByIndex(ctx context.Context, key string) (User, error) {
	idx, _, err := get[map[string]string](ctx, s.users, key)
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, idx["id"])
}

// LinkSubject links an OIDC identity to an existing user.
func (s *Store) LinkSubject(ctx context.Context, id, subject string) (User, error) {
	if err := create(ctx, s.users, subjectKey(subject), userIndex(id)); err != nil {
		return User{}, fmt.Errorf("identity: %w", err)
	}
	return s.UpdateUser(ctx, id, func(u *User) error { u.OIDCSubject = subject; return nil })
}

// UpdateUser changes a user with compare-and-set on its revision.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(*User) error) (User, error) {
	if !validKeyToken(id) {
		return User{}, ErrNotFound
	}
	return update(ctx, s.users, userKey(id), fn)
}

// Members lists the users with a role on brand, by email.
func (s *Store) Members(ctx context.Context, brand string) ([]User, error) {
	all, err := list[User](ctx, s.users, "u.*")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, u := range all {
		if _, ok := u.Roles[brand]; ok {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

// IsMember reports whether user id has a role on brand.
func (s *Store) IsMember(ctx context.Context, brand, id string) (bool, error) {
	u, err := s.User(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, ok := u.Roles[brand]
	return ok, nil
}
