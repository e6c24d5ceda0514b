package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ruche-project/ruche/pkg/kvcas"
)

// View is one saved view of the inbox: a name and the filter's query
// string (brand left out: the view belongs to one brand).
type View struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// MaxViews bounds a user's saved views on one brand.
const MaxViews = 50

// ErrTooMany is a save over MaxViews.
var ErrTooMany = errors.New("too many saved views")

// viewsKey is the users bucket's record of one user's views on one brand:
// ids and brands are hashed into one key token, whatever they hold.
func viewsKey(user, brand string) string { return "views." + digest(user+"\x00"+brand) }

// Views are user's saved views on brand, in the order they were saved.
func (s *Store) Views(ctx context.Context, user, brand string) ([]View, error) {
	v, _, err := get[[]View](ctx, s.users, viewsKey(user, brand))
	if errors.Is(err, ErrNotFound) {
		return []View{}, nil
	}
	return v, err
}

// PutView saves v, replacing the view of the same name in place; it
// returns the views as saved.
func (s *Store) PutView(ctx context.Context, user, brand string, v View) ([]View, error) {
	return s.changeViews(ctx, user, brand, func(views []View) ([]View, error) {
		if i := slices.IndexFunc(views, func(x View) bool { return x.Name == v.Name }); i >= 0 {
			views[i] = v
			return views, nil
		}
		if len(views) >= MaxViews {
			return nil, fmt.Errorf("%w: at most %d a brand", ErrTooMany, MaxViews)
		}
		return append(views, v), nil
	})
}

// DeleteView removes the view named name (ErrNotFound when there is none);
// it returns the views left.
func (s *Store) DeleteView(ctx context.Context, user, brand, name string) ([]View, error) {
	return s.changeViews(ctx, user, brand, func(views []View) ([]View, error) {
		i := slices.IndexFunc(views, func(x View) bool { return x.Name == name })
		if i < 0 {
			return nil, ErrNotFound
		}
		return slices.Delete(views, i, i+1), nil
	})
}

// changeViews is a compare-and-set of the views' record, retried when
// another tab saved first.
func (s *Store) changeViews(ctx context.Context, user, brand string, fn func([]View) ([]View, error)) ([]View, error) {
	key := viewsKey(user, brand)
	e, _, err := kvcas.Update(ctx, s.users, key, true, func(views *[]View) error {
		next, err := fn(*views)
		*views = next
		return err
	})
	if errors.Is(err, kvcas.ErrConflict) {
		return nil, fmt.Errorf("save views: %w (retried %d times)", ErrStale, kvcas.Attempts)
	}
	if err != nil {
		return nil, err
	}
	return e.Value, nil
}
