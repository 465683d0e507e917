package hub

import (
	"strings"
	"testing"
	"time"
)

// TestApplyLoopEndsWhenTheLogCloses: a log closed under a running hub ends its apply loop with one
// line, rather than a retry and a log line every followPause for as long as the hub runs.
func TestApplyLoopEndsWhenTheLogCloses(t *testing.T) {
	t.Parallel()
	l := openLog(t, t.TempDir())
	lh := startHubOnLog(t, l, Config{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lh.lg.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the apply loop still runs 10s after its log closed; log:\n%s", lh.log.String())
	}
	if n := strings.Count(lh.log.String(), "log: following from seq"); n != 1 {
		t.Errorf("%d lines about following the closed log, want 1:\n%s", n, lh.log.String())
	}
}
