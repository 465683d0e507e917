package nanos

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	if n := Of(time.Time{}); n != 0 {
		t.Errorf("Of(zero) = %d, want 0", n)
	}
	if at := Time(0); !at.IsZero() {
		t.Errorf("Time(0) = %v, want the zero time", at)
	}
	at := time.Date(2026, 12, 6, 9, 30, 0, 123, time.UTC)
	if got := Time(Of(at)); !got.Equal(at) {
		t.Errorf("Time(Of(%v)) = %v", at, got)
	}
}
