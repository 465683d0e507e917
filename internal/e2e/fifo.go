//go:build unix

package e2e

import (
	"path/filepath"
	"syscall"
	"testing"
)

// Fifo makes a named pipe called name in a new temporary directory of the test and returns its
// path; where the system has no named pipes, the test is skipped.
func Fifo(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	return path
}
