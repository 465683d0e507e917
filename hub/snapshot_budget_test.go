package hub

import (
	"fmt"
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

// TestBudgetShrinksToWhatWasEncoded: an agent's snapshot reserved at its worst case keeps only its
// encoded size while it is written, so that slow monitors of small agents do not hold the budget.
func TestBudgetShrinksToWhatWasEncoded(t *testing.T) {
	t.Parallel()
	b := newByteBudget(1000)
	if !b.acquire(nil, 600) {
		t.Fatal("acquire")
	}
	if n := b.shrink(600, 50); n != 50 || b.held.Load() != 50 {
		t.Fatalf("shrink to 50: kept %d, %d held", n, b.held.Load())
	}
	if !b.sem.TryAcquire(950) { // the rest is free again
		t.Fatal("the bytes given back are not free")
	}
	b.sem.Release(950)
	if n := b.shrink(50, 80); n != 50 { // never more than was reserved
		t.Fatalf("shrink past the reservation kept %d", n)
	}
	b.release(50)
	if h := b.held.Load(); h != 0 {
		t.Errorf("%d held at the end", h)
	}
}

// TestLargeMessagesDecodeWithinTheBudget: bridges' messages decode within the hub-wide budget
// (decoding can take 200 times a message's bytes, each connection in its own goroutine): six
// bridges sending 200 KB messages at once decode them one at a time under a budget of 300 KB;
// every message is still handled.
func TestLargeMessagesDecodeWithinTheBudget(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{decodeBudget: 300 << 10})
	big := strings.Replace(interaction("i1", "delivered", "Sales"), `"subject":"s"`,
		`"subject":"`+strings.Repeat("x", 200<<10)+`"`, 1)
	for a := range 6 { // each connection's goroutine decodes its own message as it arrives
		send(t, th.dial(t, "/ingest", nil), event("ON_NEW_INTERACTION", fmt.Sprint("a", a), t0, 1, "["+big+"]"))
	}
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="interaction-size"}`, 6) // over 64 KiB an interaction
	if p := th.decodes.peak.Load(); p == 0 || p > 300<<10 {
		t.Errorf("%d bytes of large messages decoded at once, want some and at most the budget of %d", p, 300<<10)
	}
}
