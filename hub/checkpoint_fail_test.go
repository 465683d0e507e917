package hub

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFailedCheckpointIsNotTriedPerMessage: a checkpoint that cannot be saved (a floor over the
// checkpoint size fails every time) is tried again after a pause, not after each message: every
// try copies and encodes the whole floor and logs a line.
func TestFailedCheckpointIsNotTriedPerMessage(t *testing.T) {
	t.Parallel()
	var tries atomic.Int64
	l := tempLog(t)
	th := startHubOnLogWith(t, l, Config{CheckpointEvery: 1}, func(h *Hub) {
		h.saveHook = func(uint64) error {
			tries.Add(1)
			return errors.New("jetlog: checkpoint too large")
		}
	})
	const n = 40
	br := th.dial(t, "/ingest?session=s1", nil)
	for _, ev := range deskEvents("a1", n) {
		send(t, br, ev)
	}
	th.waitApplied(t, n)
	if got := tries.Load(); got > 3 {
		t.Errorf("%d tries to save a checkpoint over %d messages; want one, and again only after a pause", got, n)
	}
	if lines := strings.Count(th.log.String(), "not saved"); lines > 3 {
		t.Errorf("%d lines about a checkpoint not saved; want one per try, at most 3", lines)
	}
}
