//go:build unix

package testsupport

import (
	"syscall"
	"time"
)

// CPUTime is the process's user and system CPU time so far: what a
// benchmark on a shared machine reports beside wall time, since it does not
// count the time spent waiting for a core.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
