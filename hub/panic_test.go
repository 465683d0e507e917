package hub

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestBridgeMessagePanicIsContained checks that a bug hit while handling one bridge message
// rejects only that message: the bridge's connection goes on (its next event reaches a monitor),
// the hub's lock is free (a new monitor gets its snapshot), the stack is logged and the rejection
// counted.
func TestBridgeMessagePanicIsContained(t *testing.T) {
	t.Parallel()
	th := startHubWith(t, Config{}, func(h *Hub) {
		h.messageHook = func(data []byte) {
			if bytes.Contains(data, []byte("boom")) {
				panic("boom")
			}
		}
	})
	br := th.dial(t, "/ingest", nil)
	send(t, br, event("ON_NEW_INTERACTION", "a1", t0, 1,
		`[{"interactionId":"boom","state":"delivered","type":"voice","subject":"boom"}]`))
	th.log.waitLog(t, "event caused an internal error (boom); it was skipped")
	send(t, br, event("ON_NEW_INTERACTION", "a1", t0, 2,
		`[{"interactionId":"i2","state":"delivered","type":"voice","subject":"after"}]`))
	mon := th.dial(t, "/stream", nil)
	_ = mon.SetReadDeadline(time.Now().Add(10 * time.Second))
	if data, err := readMessage(mon); err != nil || !strings.Contains(string(data), `"subject":"after"`) {
		t.Fatalf("a new monitor's snapshot: %v %s", err, data)
	}
	if out := th.log.String(); !strings.Contains(out, "goroutine") {
		t.Errorf("the stack was not logged:\n%s", out)
	}
	if body, _ := th.get(t, "/metrics"); !strings.Contains(body, `reason="internal"`) {
		t.Errorf("the internal error is not counted")
	}
}
