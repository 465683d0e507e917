package logcap

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A burst passes whole; past it lines pass at the rate, the rest are counted and said once.
func TestWriterBoundsTheLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	l := New(&out, 10, 5)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		fmt.Fprintf(l, "line %d\n", i)
	}
	if got := strings.Count(out.String(), "\n"); got != 5 || l.Dropped() != 995 {
		t.Fatalf("a flood at one instant: %d lines out, %d dropped; want 5 and 995:\n%s", got, l.Dropped(), out.String())
	}
	now = now.Add(350 * time.Millisecond) // three more may pass
	for i := range 20 {
		fmt.Fprintf(l, "later %d\n", i)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5+1+3 || lines[5] != "2026/12/07 10:00:00 log: 995 lines left out since 10:00:00 (over 10 a second); the counts in /metrics are whole" ||
		lines[6] != "later 0" || lines[8] != "later 2" || l.Dropped() != 1012 {
		t.Fatalf("after 300 ms: %d dropped\n%s", l.Dropped(), out.String())
	}
	now = now.Add(time.Hour) // the bucket holds no more than the burst
	out.Reset()
	for i := range 20 {
		fmt.Fprintf(l, "much later %d\n", i)
	}
	if got := strings.Count(out.String(), "much later"); got != 5 {
		t.Errorf("after an hour's quiet %d lines passed, want the burst of 5:\n%s", got, out.String())
	}
}
