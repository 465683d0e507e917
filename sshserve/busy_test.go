package sshserve

import (
	"testing"
)

// The frame interval lengthens while the server uses more than its budget of the CPU, up to a
// second, and comes back to the configured one once it uses well under.
func TestFrameIntervalFollowsCPU(t *testing.T) {
	t.Parallel()
	least := DefaultFrameInterval
	d := least
	for range 30 {
		d = nextInterval(d, least, 1.5)
	}
	if d != maxFrameInterval {
		t.Fatalf("after a busy spell the interval is %s, want %s", d, maxFrameInterval)
	}
	if next := nextInterval(d, least, frameBudget*0.9); next != d {
		t.Errorf("near the budget the interval moved from %s to %s", d, next)
	}
	for range 30 {
		d = nextInterval(d, least, 0.1)
	}
	if d != least {
		t.Errorf("once idle the interval is %s, want %s", d, least)
	}
	if d := nextInterval(least, least, 0.95); d <= least || d > least*2 {
		t.Errorf("one busy step from %s gives %s", least, d)
	}
}
