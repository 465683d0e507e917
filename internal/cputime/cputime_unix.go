//go:build unix

// Package cputime reads the CPU time this process has used: for the SSH server's frame pacing
// and for benchmarks on a machine shared with other work (steadier there than wall time).
package cputime

import (
	"syscall"
	"time"
)

// Process is the user and system CPU time this process has used (children excluded).
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
