package access

import "time"

// Lockout policy: the first FreeAttempts failures in a row cost nothing;
// each one after locks the account for a doubling delay, up to MaxLock. A
// success resets the count.
const (
	FreeAttempts = 4
	FirstLock    = time.Second
	MaxLock      = 15 * time.Minute
)

// LockFor is how long an account stays locked after its failures-th failure
// in a row.
func LockFor(failures int) time.Duration {
	if failures <= FreeAttempts {
		return 0
	}
	d := FirstLock
	for i := FreeAttempts + 1; i < failures && d < MaxLock; i++ {
		d *= 2
	}
	return min(d, MaxLock)
}
