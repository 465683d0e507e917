//go:build unix

package e2e

import (
	"syscall"
	"time"
)

// CPUTime is the user and system CPU time this process has used (children excluded): what a
// benchmark on a machine shared with other work cost, steadier there than the time it took.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
