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

// Until checks cond every interval until it holds or timeout has passed, and says whether it held.
func Until(timeout, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(every)
	}
	return true
}
