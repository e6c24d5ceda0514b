// Package webhook signs Ruche's outbound webhooks and lets a receiver check
// them. The scheme is Stripe's: the header
//
//	Ruche-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
//
// with the webhook's secret as the key. A receiver recomputes the HMAC over
// the raw bytes it received, compares in constant time and refuses a
// timestamp outside its tolerance (a replayed delivery).
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	HeaderSignature = "Ruche-Signature"
	HeaderEvent     = "Ruche-Event"
	HeaderDelivery  = "Ruche-Delivery"
)

// DefaultTolerance is how far a receiver should accept a timestamp from its
// clock.
const DefaultTolerance = 5 * time.Minute

// Sign is the signature header of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against body at now: one of its v1
// signatures must match and its timestamp be within tolerance.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("webhook signature: malformed header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook signature: timestamp %s is outside the tolerance", time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("webhook signature: mismatch")
}

// NewSecret draws a signing secret ("whsec_" and 32 random bytes).
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}
