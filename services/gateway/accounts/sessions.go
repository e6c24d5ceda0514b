package accounts

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
)

// Session is a signed-in browser. The cookie holds "<user id>.<secret>";
// the bucket keeps it under "<user id>.<sha256 of secret>".
type Session struct {
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	// CSRF is the token state-changing requests must echo in a header.
	CSRF string `json:"csrf"`
	// Via says how the person signed in: password, oidc, invitation, reset.
	Via string `json:"via"`
}

// CreateSession stores a new session for user; the token is returned once.
func (s *Store) CreateSession(ctx context.Context, userID, via string, now time.Time) (string, Session, error) {
	secret := NewSecret()
	sess := Session{UserID: userID, CreatedAt: now, LastSeen: now, CSRF: NewSecret(), Via: via}
	if err := create(ctx, s.sessions, userID+"."+digest(secret), sess); err != nil {
		return "", Session{}, err
	}
	return userID + "." + secret, sess, nil
}

func sessionKey(token string) (string, bool) {
	p, ok := splitToken(token, 2)
	if !ok {
		return "", false
	}
	return p[0] + "." + digest(p[1]), true
}

// Session reads the session of a presented token (ErrNotFound when unknown
// or malformed).
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	key, ok := sessionKey(token)
	if !ok {
		return Session{}, ErrNotFound
	}
	sess, _, err := get[Session](ctx, s.sessions, key)
	return sess, err
}

// TouchSession records activity on a session, for the idle timeout.
func (s *Store) TouchSession(ctx context.Context, token string, now time.Time) error {
	key, ok := sessionKey(token)
	if !ok {
		return ErrNotFound
	}
	_, err := update(ctx, s.sessions, key, func(sess *Session) error { sess.LastSeen = now; return nil })
	return err
}

// DeleteSession revokes one session.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	key, ok := sessionKey(token)
	if !ok {
		return nil
	}
	return remove(ctx, s.sessions, key)
}

// DeleteSessions revokes every session of a user still in the bucket (the
// user's SessionsValidAfter covers one created meanwhile).
func (s *Store) DeleteSessions(ctx context.Context, userID string) error {
	if !validKeyToken(userID) {
		return ErrNotFound
	}
	lister, err := s.sessions.ListKeysFiltered(ctx, userID+".*")
	if err != nil {
		return err
	}
	var errs []error
	for k := range lister.Keys() {
		errs = append(errs, remove(ctx, s.sessions, k))
	}
	return errors.Join(errs...)
}

// CSRFMatches compares a presented CSRF token in constant time.
func (sess Session) CSRFMatches(presented string) bool {
	return presented != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(sess.CSRF)) == 1
}
