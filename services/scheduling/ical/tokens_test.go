package ical_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/scheduling/ical"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	conn := testkit.NATS(t)
	clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tokens, err := ical.OpenTokens(ctx, conn.JS, 1, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no_token_no_feed", func(t *testing.T) {
		if err := tokens.Check(ctx, "cafe-lumiere", "anything"); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("Check = %v", err)
		}
		if _, err := tokens.Info(ctx, "cafe-lumiere"); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("Info = %v", err)
		}
	})
	first, info, err := tokens.Create(ctx, "cafe-lumiere", "user:alice")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("created_token_opens_only_its_brand", func(t *testing.T) {
		if len(first) != 43 || info.CreatedBy != "user:alice" || !info.CreatedAt.Equal(clock) {
			t.Errorf("token %d chars, info %+v", len(first), info)
		}
		if err := tokens.Check(ctx, "cafe-lumiere", first); err != nil {
			t.Errorf("Check(own token) = %v", err)
		}
		if err := tokens.Check(ctx, "other-brand", first); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("Check(other brand) = %v", err)
		}
		if err := tokens.Check(ctx, "cafe-lumiere", first[:42]+string(first[42]^1)); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("Check(altered token) = %v", err)
		}
	})
	t.Run("stored_hashed", func(t *testing.T) {
		kv, err := conn.JS.KeyValue(ctx, ical.TokensBucket)
		if err != nil {
			t.Fatal(err)
		}
		e, err := kv.Get(ctx, "cafe-lumiere")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(e.Value()), first) {
			t.Errorf("the bucket holds the token itself: %s", e.Value())
		}
	})
	t.Run("a_new_token_replaces_the_old", func(t *testing.T) {
		second, _, err := tokens.Create(ctx, "cafe-lumiere", "user:bob")
		if err != nil {
			t.Fatal(err)
		}
		if second == first {
			t.Fatal("same token twice")
		}
		if err := tokens.Check(ctx, "cafe-lumiere", first); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("old token still opens the feed: %v", err)
		}
		if err := tokens.Check(ctx, "cafe-lumiere", second); err != nil {
			t.Errorf("new token refused: %v", err)
		}
		if err := tokens.Revoke(ctx, "cafe-lumiere"); err != nil {
			t.Fatal(err)
		}
		if err := tokens.Check(ctx, "cafe-lumiere", second); !errors.Is(err, ical.ErrNoToken) {
			t.Errorf("revoked token still opens the feed: %v", err)
		}
		if err := tokens.Revoke(ctx, "cafe-lumiere"); err != nil {
			t.Errorf("second revoke = %v", err)
		}
	})
}
