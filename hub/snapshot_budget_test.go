package hub

import (
	"strings"
	"testing"
	"time"
)

// TestFilteredSnapshotsWaitForTheBudget: a ?service= monitor encodes its snapshot only within the
// bytes the hub may hold for such snapshots at once. While the budget is spent, a new filtered
// monitor is sent nothing (an unfiltered one, whose snapshot is shared, is not held up); once it
// is given back, the waiting monitor gets its whole snapshot; a monitor that leaves while it waits
// is ended, not left waiting.
func TestFilteredSnapshotsWaitForTheBudget(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{snapshotBudget: 1 << 20})
	if n := th.agentBound(256); n != 1<<20 {
		t.Errorf("an agent with 256 open interactions reserves %d bytes, want the whole budget %d", n, 1<<20)
	}
	br := th.dial(t, "/ingest", nil)
	send(t, br,
		event("ON_NEW_INTERACTION", "a1", t0, 1, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a2", t0, 1, "["+interaction("i2", "delivered", "Sales")+"]"))
	th.waitMetric(t, "deskwatch_hub_events_in_total", 2)

	b := th.snapBudget
	if !b.acquire(nil, b.size) { // another monitor's snapshot holds it all
		t.Fatal("acquire")
	}
	gone := th.dial(t, "/stream?service=Sales", nil)
	waiting := th.dial(t, "/stream?service=Sales", nil)
	got := make(chan []string, 1)
	go func() {
		_ = waiting.SetReadDeadline(time.Now().Add(10 * time.Second))
		var msgs []string
		for {
			_, data, err := waiting.ReadMessage()
			if err != nil {
				got <- append(msgs, "error: "+err.Error())
				return
			}
			msgs = append(msgs, string(data))
			if strings.HasPrefix(string(data), resyncEnd) {
				got <- msgs
				return
			}
		}
	}()
	if all := readN(t, th.dial(t, "/stream", nil), 2); !strings.Contains(strings.Join(all, ""), `"i2"`) {
		t.Errorf("an unfiltered monitor's snapshot %q, want both agents'", all)
	}
	_ = gone.Close()
	th.log.waitLog(t, "closed after 0 messages: monitor closed") // its handler did not wait on
	select {
	case msgs := <-got:
		t.Fatalf("a filtered monitor was sent its snapshot while the budget was spent: %q", msgs)
	case <-time.After(300 * time.Millisecond):
	}
	if p := b.peak.Load(); p != b.size {
		t.Errorf("peak %d reserved, want %d", p, b.size)
	}
	b.release(b.size)
	msgs := <-got
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, `"i1"`) || !strings.Contains(all, `"i2"`) ||
		!strings.HasPrefix(msgs[len(msgs)-1], resyncEnd) {
		t.Errorf("the waiting monitor's snapshot:\n%s", all)
	}
	if p := b.peak.Load(); p != b.size {
		t.Errorf("peak %d reserved, over the budget %d", p, b.size)
	}
	if h := b.held.Load(); h != 0 {
		t.Errorf("%d bytes still reserved after the snapshots", h)
	}
}
