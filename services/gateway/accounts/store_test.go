package accounts_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

func open(t *testing.T) *accounts.Store {
	conn := testkit.NATS(t)
	s, err := accounts.Open(context.Background(), conn.JS, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConcurrentUpdates: writers racing on one user lose nothing (each
// update is a compare-and-set, retried when another got there first).
func TestConcurrentUpdates(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, accounts.User{Email: "Lea@Example.com", Roles: map[string]access.Role{"a": access.Analyst}})
	if err != nil || u.Email != "lea@example.com" {
		t.Fatalf("%+v %v", u, err)
	}
	if _, err := s.CreateUser(ctx, accounts.User{Email: "lea@example.COM"}); !errors.Is(err, accounts.ErrExists) {
		t.Fatalf("same email twice: %v", err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := s.UpdateUser(ctx, u.ID, func(u *accounts.User) error { u.Failures++; return nil }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got, _ := s.User(ctx, u.ID); got.Failures != 20 {
		t.Fatalf("failures = %d, want 20", got.Failures)
	}
}

// TestTokenUsedOnce: of callers racing on one link, exactly one gets it.
func TestTokenUsedOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Now()
	link, _, err := s.CreateToken(ctx, accounts.Token{Kind: accounts.Invitation, Brand: "a", Role: access.Moderator, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseToken(ctx, accounts.PasswordReset, link, now); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("an invitation used as a reset: %v", err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.UseToken(ctx, accounts.Invitation, link, now); err == nil {
				won.Add(1)
			} else if !errors.Is(err, accounts.ErrNotFound) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d callers used the link", won.Load())
	}
}

// TestViews: a user's saved views are per brand and per user, a save of
// the same name replaces it in place, tabs saving at once lose nothing.
func TestViews(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if v, err := s.Views(ctx, "u1", "a"); err != nil || len(v) != 0 {
		t.Fatalf("no views yet: %v %v", v, err)
	}
	if _, err := s.PutView(ctx, "u1", "a", accounts.View{Name: "Urgent", Query: "min_priority=70"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutView(ctx, "u1", "a", accounts.View{Name: "Négatifs", Query: "sentiment=negative"}); err != nil {
		t.Fatal(err)
	}
	v, err := s.PutView(ctx, "u1", "a", accounts.View{Name: "Urgent", Query: "min_priority=80"})
	if err != nil || len(v) != 2 || v[0] != (accounts.View{Name: "Urgent", Query: "min_priority=80"}) {
		t.Fatalf("replaced in place: %v %v", v, err)
	}
	for _, other := range [][2]string{{"u1", "b"}, {"u2", "a"}} {
		if v, _ := s.Views(ctx, other[0], other[1]); len(v) != 0 {
			t.Fatalf("%s on %s sees %v", other[0], other[1], v)
		}
	}
	if _, err := s.DeleteView(ctx, "u1", "a", "nope"); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("delete a missing view: %v", err)
	}
	if v, err := s.DeleteView(ctx, "u1", "a", "Urgent"); err != nil || len(v) != 1 || v[0].Name != "Négatifs" {
		t.Fatalf("delete: %v %v", v, err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := s.PutView(ctx, "u3", "a", accounts.View{Name: string(rune('A' + i)), Query: "q=x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v, _ := s.Views(ctx, "u3", "a"); len(v) != 4 {
		t.Fatalf("racing saves kept %v", v)
	}
	for i := range accounts.MaxViews + 1 {
		_, err = s.PutView(ctx, "u4", "a", accounts.View{Name: string(rune('a' + i)), Query: ""})
	}
	if !errors.Is(err, accounts.ErrTooMany) {
		t.Fatalf("past %d views: %v", accounts.MaxViews, err)
	}
}
