package accounts

import "context"

// State is an OIDC sign-in between the redirect to the provider and its
// callback, kept under the state parameter's digest.
type State struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	// Return is where to send the browser once signed in (a local path).
	Return string `json:"return"`
}

// CreateState stores a sign-in state; the bucket forgets it after StateTTL.
func (s *Store) CreateState(ctx context.Context, state string, st State) error {
	return create(ctx, s.states, digest(state), st)
}

// UseState consumes a state: a callback replayed gets ErrNotFound.
func (s *Store) UseState(ctx context.Context, state string) (State, error) {
	st, rev, err := get[State](ctx, s.states, digest(state))
	if err != nil {
		return State{}, err
	}
	if err := s.states.Delete(ctx, digest(state), lastRevision(rev)); err != nil {
		return State{}, ErrNotFound
	}
	return st, nil
}
