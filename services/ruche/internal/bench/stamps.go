package bench

import (
	"sync/atomic"
	"time"
)

const (
	chunkBits = 14
	chunkSize = 1 << chunkBits
)

// stamps holds one time per request number, written concurrently without
// locks: the generator stamps acceptance, the NATS subscription stamps
// moderation. Zero means "not seen".
type stamps struct {
	base   time.Time
	chunks [1 << 14]atomic.Pointer[[chunkSize]atomic.Int64]
}

func newStamps(base time.Time) *stamps { return &stamps{base: base} }

func (s *stamps) set(n int64, t time.Time) {
	if n < 0 || n >= int64(len(s.chunks))*chunkSize {
		return
	}
	c := s.chunks[n>>chunkBits].Load()
	if c == nil {
		fresh := new([chunkSize]atomic.Int64)
		if !s.chunks[n>>chunkBits].CompareAndSwap(nil, fresh) {
			c = s.chunks[n>>chunkBits].Load()
		} else {
			c = fresh
		}
	}
	c[n&(chunkSize-1)].Store(int64(t.Sub(s.base)) + 1)
}

// get returns the time stamped for n, since base.
func (s *stamps) get(n int64) (time.Duration, bool) {
	if n < 0 || n >= int64(len(s.chunks))*chunkSize {
		return 0, false
	}
	c := s.chunks[n>>chunkBits].Load()
	if c == nil {
		return 0, false
	}
	v := c[n&(chunkSize-1)].Load()
	return time.Duration(v - 1), v != 0
}
