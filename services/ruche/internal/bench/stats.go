package bench

import (
	"slices"
	"time"
)

// percentiles of d (sorted in place), in milliseconds, for each of ps
// (0 to 100). An empty sample gives zeros.
func percentiles(d []time.Duration, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if len(d) == 0 {
		return out
	}
	slices.Sort(d)
	for i, p := range ps {
		k := int(p / 100 * float64(len(d)-1))
		out[i] = float64(d[k]) / float64(time.Millisecond)
	}
	return out
}

// rate is n events over d, per second.
func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
