//go:build unix

package classify

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, every thread (the
// collector's included): on a shared machine it is steadier than the wall
// clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
