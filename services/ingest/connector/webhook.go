package connector

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// Webhook is the listening side of a network that pushes deliveries to
// Ruche. Implementations follow the network's documented protocol.
type Webhook interface {
	// Name is the network's name in webhook URLs: /v1/webhooks/{name}/{source}.
	Name() string
	// RequiredSecrets names the source secrets the protocol needs.
	RequiredSecrets() []string
	// Challenge answers the network's subscription handshake (a GET). It
	// returns ErrBadChallenge when the request is not a valid handshake.
	Challenge(q url.Values, src Source) (body []byte, contentType string, err error)
	// Verify checks a delivery's signature on the raw body, in constant time.
	// It returns ErrBadSignature when the delivery is not authentic.
	Verify(h http.Header, body []byte, src Source) error
	// Parse turns an authentic delivery into interactions. Items it cannot
	// read are reported in Delivery.Skipped and the rest are kept; an error
	// means the delivery as a whole is malformed (an *httpx.Error naming the
	// field when possible).
	Parse(body []byte, src Source, now time.Time) (Delivery, error)
}

// Delivery is what one webhook request carried.
type Delivery struct {
	Items []v1.Received
	// Updates are edits of interactions' texts; Deletions are interactions
	// deleted on the network.
	Updates   []v1.Updated
	Deletions []v1.Deleted
	Skipped   []Skipped
}

// Skipped is an item of a delivery that could not be read.
type Skipped struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// Errors of Webhook implementations.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrBadChallenge = errors.New("bad challenge")
)

// VerifySignature checks header against the HMAC-SHA256 of body with secret,
// in constant time. header is "sha256=<hex>" (a bare hex digest is accepted).
func VerifySignature(secret, body []byte, header string) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(header), "sha256="))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the signature header value of body for secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
