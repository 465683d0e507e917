package hub

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestLargeMessagesReadWithinTheBudget is the attacker's case: bridges that start large messages
// and trickle them hold what they sent. Past its first 64 KiB a message is read on only within
// the hub-wide budget (here room for one message of --max-message), so a second bridge's large
// message waits while the first holds it, and a small message is read at once meanwhile; the
// first, never finished, is closed at --message-timeout, which frees the budget; the second, whose
// time ran again from when the hub read on, is then handled, not taken for slow.
func TestLargeMessagesReadWithinTheBudget(t *testing.T) {
	t.Parallel()
	const limit = 256 << 10
	th, mon, br := startRelay(t, Config{MaxMessage: limit, readBudget: 300 << 10, Limits: Limits{MessageTimeout: time.Second}})
	start := func(agent string) (io.WriteCloser, []byte) {
		msg := []byte(event("ON_NEW_INTERACTION", agent, t0, 1, "["+strings.Replace(interaction("i1", "delivered", "Sales"),
			`"subject":"s"`, `"subject":"`+strings.Repeat("x", 200<<10)+`"`, 1)+"]"))
		w, err := th.dial(t, "/ingest", nil).NextWriter(websocket.TextMessage)
		if err == nil {
			_, err = w.Write(msg[:100<<10])
		}
		if err != nil {
			t.Fatal(err)
		}
		return w, msg[100<<10:]
	}
	held := func(n int64) func() bool { return func() bool { return th.reads.held.Load() == n } }
	start("trickler") // never finished
	if !e2e.Until(10*time.Second, 10*time.Millisecond, held(limit)) {
		t.Fatalf("the first large message holds %d of the read budget, want %d", th.reads.held.Load(), limit)
	}
	w, rest := start("bridge")
	if _, err := w.Write(rest); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sendRelayed(t, br, mon, []sentMsg{{event("ON_NEW_INTERACTION", "small", t0, 1, "["+interaction("s1", "delivered", "Sales")+"]"), true, ""}})
	if n := th.reads.held.Load(); n != limit {
		t.Errorf("%d of the read budget held while the second large message waits, want %d (the first's)", n, limit)
	}
	body, _ := th.get(t, "/metrics")
	if n := metricValue(t, body, `deskwatch_hub_events_rejected_total{reason="interaction-size"}`); n != 0 {
		t.Error("the second large message was handled while the first held the read budget")
	}
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="slow-message"}`, 1)     // the trickler, cut
	th.waitMetric(t, `deskwatch_hub_events_rejected_total{reason="interaction-size"}`, 1) // the second, read whole
	if !e2e.Until(10*time.Second, 10*time.Millisecond, held(0)) {
		t.Errorf("%d of the read budget still held", th.reads.held.Load())
	}
	if p := th.reads.peak.Load(); p != limit {
		t.Errorf("at most %d of large messages read at once, want one message's %d", p, limit)
	}
}
