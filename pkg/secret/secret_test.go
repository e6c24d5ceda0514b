package secret_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/ruche-project/ruche/pkg/secret"
)

func TestBox(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal([]byte("app-secret"), []byte("demo/src-1"))
	if bytes.Contains(sealed, []byte("app-secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	t.Run("opens_with_same_ad", func(t *testing.T) {
		got, err := box.Open(sealed, []byte("demo/src-1"))
		if err != nil || string(got) != "app-secret" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})
	t.Run("refuses_other_ad", func(t *testing.T) {
		if _, err := box.Open(sealed, []byte("other/src-1")); !errors.Is(err, secret.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refuses_tampering", func(t *testing.T) {
		bad := append([]byte(nil), sealed...)
		bad[len(bad)-1] ^= 1
		if _, err := box.Open(bad, []byte("demo/src-1")); !errors.Is(err, secret.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refuses_other_key", func(t *testing.T) {
		other, _ := secret.NewBox(bytes.Repeat([]byte{8}, 32))
		if _, err := other.Open(sealed, []byte("demo/src-1")); !errors.Is(err, secret.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("nonces_differ", func(t *testing.T) {
		if bytes.Equal(sealed, box.Seal([]byte("app-secret"), []byte("demo/src-1"))) {
			t.Fatal("same plaintext sealed twice gives the same bytes")
		}
	})
}

func TestParseKey(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if _, err := secret.ParseKey(good); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "not base64 !", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := secret.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) = nil error", bad)
		}
	}
}
