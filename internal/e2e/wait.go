package e2e

import (
	"testing"
	"time"
)

// Recv returns the next value from ch, failing the test if none comes within timeout; what names the
// value awaited ("Run's return", say) in the failure.
func Recv[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("no %s within %v", what, timeout)
		var zero T
		return zero
	}
}
