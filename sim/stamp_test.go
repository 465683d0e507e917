package sim

import (
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestStampAndSnapshotEnvelopes: simSent goes in before params and nothing else changes; a
// welcome message loses its seq; both still decode to the same event.
func TestStampAndSnapshotEnvelopes(t *testing.T) {
	t.Parallel()
	ev := model.AppendEvent(nil, model.EvLogin, "a.jones", 1700000000000, 12, []byte(`[{"agentId":"a.jones"}]`))
	at := time.UnixMicro(1700000000123456)
	stamped := string(stampSent(ev, at))
	want := `{"type":"ON_LOGIN","agentId":"a.jones","ts":1700000000000,"seq":12,"simSent":1700000000123456,"params":[{"agentId":"a.jones"}]}`
	if stamped != want {
		t.Errorf("stamped:\n%s\nwant\n%s", stamped, want)
	}
	bare := string(withoutSeq(ev))
	if want := `{"type":"ON_LOGIN","agentId":"a.jones","ts":1700000000000,"params":[{"agentId":"a.jones"}]}`; bare != want {
		t.Errorf("without seq:\n%s\nwant\n%s", bare, want)
	}
	for _, b := range []string{stamped, bare} {
		if _, err := model.Decode([]byte(b)); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	t.Parallel()
	var h hist
	for i := range 100 {
		h.add(time.Duration(i+1) * time.Millisecond)
	}
	h.add(time.Minute) // beyond the last bucket
	c := h.counts()
	if p50, p99 := quantile(c, 0.5), quantile(c, 0.99); p50 < 50*time.Millisecond || p50 > 52*time.Millisecond ||
		p99 < 99*time.Millisecond || p99 > 101*time.Millisecond {
		t.Errorf("p50 %s p99 %s", p50, p99)
	}
	if h.max.Load() != time.Minute.Microseconds() || atLeast(c, 0) != 101 {
		t.Errorf("max %dµs count %d", h.max.Load(), atLeast(c, 0))
	}
	// 1 ms … 100 ms and a minute: 100 ms and the minute are LateAfter or more, 99 ms is not.
	for d, want := range map[time.Duration]int64{LateAfter: 2, 99 * time.Millisecond: 3, 0: 101, time.Hour: 1} {
		if n := atLeast(c, d); n != want {
			t.Errorf("atLeast(%s) = %d; want %d", d, n, want)
		}
	}
	h.reset()
	if quantile(h.counts(), 0.5) != 0 {
		t.Error("reset left samples")
	}
}
