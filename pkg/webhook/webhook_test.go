package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/webhook"
)

// independent computes the signature from the scheme's description alone.
func independent(secret string, t time.Time, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", t.Unix(), body)
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(m.Sum(nil)))
}

func TestSignAndVerify(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	body := `{"event":"draft.approved","data":{"text":"Bonjour Léa"}}`
	sig := webhook.Sign("whsec_k", at, []byte(body))
	if want := independent("whsec_k", at, body); sig != want {
		t.Fatalf("Sign = %s, want %s", sig, want)
	}
	for name, tc := range map[string]struct {
		secret, header, body string
		now                  time.Time
		ok                   bool
	}{
		"valid":                 {"whsec_k", sig, body, at.Add(time.Minute), true},
		"rotated_secret_listed": {"whsec_k", independent("old", at, body)[0:strings.Index(sig, ",")] + ",v1=00," + sig[strings.Index(sig, ",")+1:], body, at, true},
		"body_changed":          {"whsec_k", sig, body + " ", at, false},
		"other_secret":          {"whsec_x", sig, body, at, false},
		"replayed_later":        {"whsec_k", sig, body, at.Add(10 * time.Minute), false},
		"from_the_future":       {"whsec_k", sig, body, at.Add(-10 * time.Minute), false},
		"malformed":             {"whsec_k", "v1=abc", body, at, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, []byte(tc.body), tc.now, webhook.DefaultTolerance)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if a, b := webhook.NewSecret(), webhook.NewSecret(); a == b || !strings.HasPrefix(a, "whsec_") || len(a) < 40 {
		t.Fatalf("secrets %q %q", a, b)
	}
}
