package accounts

import (
	"context"
	"errors"
)

// Team is a named group of a brand's members, used as an assignment queue.
type Team struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Teams reads a brand's teams and their revision (0 when none were saved).
func (s *Store) Teams(ctx context.Context, brand string) ([]Team, uint64, error) {
	t, rev, err := get[[]Team](ctx, s.teams, brand)
	if errors.Is(err, ErrNotFound) {
		return []Team{}, 0, nil
	}
	return t, rev, err
}

// PutTeams replaces a brand's teams if they are still at revision rev
// (ErrStale otherwise); it returns the new revision.
func (s *Store) PutTeams(ctx context.Context, brand string, teams []Team, rev uint64) (uint64, error) {
	return put(ctx, s.teams, brand, teams, rev)
}
