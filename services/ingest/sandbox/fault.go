package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// FaultMode is an error the API can be told to make, as real platforms do.
type FaultMode string

// Fault modes.
const (
	// FaultUnauthorized answers 401, as for a revoked token.
	FaultUnauthorized FaultMode = "unauthorized"
	// FaultRateLimited answers 429 with Retry-After and X-RateLimit-Reset.
	FaultRateLimited FaultMode = "rate_limited"
	// FaultServerError answers a 5xx (Status, 500 by default).
	FaultServerError FaultMode = "server_error"
	// FaultSlow delays each answer by DelayMS before serving it.
	FaultSlow FaultMode = "slow"
)

// Fault is the error mode of the platform API (the /api/v1/sandbox control
// routes are never affected).
type Fault struct {
	Mode FaultMode `json:"mode"`
	// Count is how many requests are affected; 0 means until cleared.
	Count int `json:"count,omitempty"`
	// RetryAfterSeconds of a 429 (1 by default).
	RetryAfterSeconds int `json:"retry_after_seconds,omitempty"`
	// Status of a server error: 500 (default), 502, 503 or 504.
	Status int `json:"status,omitempty"`
	// DelayMS of a slow answer.
	DelayMS int `json:"delay_ms,omitempty"`
}

// Validate checks a fault before it is set.
func (f Fault) Validate() error {
	switch f.Mode {
	case FaultUnauthorized, FaultRateLimited:
	case FaultServerError:
		if f.Status != 0 && (f.Status < 500 || f.Status > 599) {
			return fmt.Errorf("status must be a 5xx, got %d", f.Status)
		}
	case FaultSlow:
		if f.DelayMS <= 0 || f.DelayMS > 120_000 {
			return fmt.Errorf("delay_ms must be 1 to 120000, got %d", f.DelayMS)
		}
	default:
		return fmt.Errorf("unknown fault mode %q (unauthorized, rate_limited, server_error, slow)", f.Mode)
	}
	if f.Count < 0 || f.RetryAfterSeconds < 0 {
		return fmt.Errorf("count and retry_after_seconds may not be negative")
	}
	return nil
}

// SetFault makes the API fail in mode f until cleared (or for f.Count
// requests).
func (n *Network) SetFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fault = f
	return nil
}

// ClearFault restores normal service.
func (n *Network) ClearFault() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fault = Fault{}
}

// takeFault returns the fault that applies to this request, if any, and
// counts it.
func (n *Network) takeFault() (Fault, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.fault
	if f.Mode == "" {
		return Fault{}, false
	}
	if f.Count > 0 {
		n.fault.Count--
		if n.fault.Count == 0 {
			n.fault = Fault{}
		}
	}
	return f, true
}

// withFaults wraps the platform API with the current error mode.
func (n *Network) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := n.takeFault()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Mode {
		case FaultUnauthorized:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token was revoked"`)
			writeError(w, http.StatusUnauthorized, "invalid_token", "the access token was revoked")
		case FaultRateLimited:
			after := max(1, f.RetryAfterSeconds)
			w.Header().Set("Retry-After", strconv.Itoa(after))
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(n.now().Add(time.Duration(after)*time.Second).Unix(), 10))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests")
		case FaultServerError:
			status := f.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			writeError(w, status, "server_error", "something went wrong on our side")
		case FaultSlow:
			select {
			case <-time.After(time.Duration(f.DelayMS) * time.Millisecond):
				next.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		}
	})
}
