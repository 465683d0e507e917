package hub

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// emptyState is agent a1's INTERACTIONS_STATE with nothing open.
var emptyState = event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":null,"interactions":[]}]`)

// twoHubsOnOneLog starts two hubs on one log, as hubs in a cluster share one stream, with a
// GoneAfter of a second.
func twoHubsOnOneLog(t *testing.T) (a, b *logHub) {
	t.Helper()
	l := tempLog(t)
	cfg := Config{GoneAfter: time.Second}
	return startHubOnLog(t, l, cfg), startHubOnLog(t, l, cfg)
}

// connectA1 has agent a1's bridge connect to h (session session) and send its state, and waits
// until h says the desktop is connected.
func connectA1(t *testing.T, h *logHub, session string) *websocket.Conn {
	t.Helper()
	br := h.dial(t, "/ingest?session="+session, nil)
	send(t, br, emptyState)
	h.log.waitLog(t, `agent "a1": desktop connected`)
	return br
}

// TestDesktopMovedToAnotherHubIsNotGone: two hubs on one log (as in a cluster); a bridge that drops
// its connection to one hub and sends its agent's state through the other is connected again on
// both, and the first hub's gone timer does not declare the desktop gone.
func TestDesktopMovedToAnotherHubIsNotGone(t *testing.T) {
	t.Parallel()
	a, b := twoHubsOnOneLog(t)
	br := connectA1(t, a, "s1")
	_ = br.UnderlyingConn().Close() // no close frame: 1006
	a.log.waitLog(t, `agent "a1": desktop disconnected`)
	connectA1(t, b, "s2")
	a.waitApplied(t, 4)         // the state, connected, disconnected, connected
	time.Sleep(3 * time.Second) // three times GoneAfter
	if strings.Contains(a.log.String(), "desktop gone") {
		t.Fatalf("the first hub declared the desktop gone:\n%s", a.log.String())
	}
}

// TestRestartedHubAloneSaysDesktopsLeft: a hub alone on its log, killed and started again, says the
// desktops it held connected are disconnected ("hub restarted"); one whose bridge comes back is
// connected again, one whose bridge does not is gone after GoneAfter.
func TestRestartedHubAloneSaysDesktopsLeft(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{Alone: true, GoneAfter: time.Second}
	first := startLogHub(t, dir, cfg)
	state := func(agent string) string {
		return event("INTERACTIONS_STATE", agent, t0, 1, `[{"activeInteractionId":null,"interactions":[]}]`)
	}
	send(t, first.dial(t, "/ingest?session=s1", nil), state("a1"), state("b2"))
	first.waitApplied(t, 4) // two states, two connected
	first.crash()

	again := startLogHub(t, dir, cfg)
	again.log.waitLog(t, `agent "a1": desktop disconnected (hub restarted)`)
	again.log.waitLog(t, `agent "b2": desktop disconnected (hub restarted)`)
	send(t, again.dial(t, "/ingest?session=s2", nil), state("b2"))
	again.log.waitLog(t, `agent "b2": desktop connected`)
	again.log.waitLog(t, `agent "a1": desktop gone`)
	if strings.Contains(again.log.String(), `"b2": desktop gone`) {
		t.Errorf("b2's bridge came back, yet its desktop is gone:\n%s", again.log.String())
	}
}

// TestDesktopHeldByAnotherHubIsNotDisconnected: two hubs on one log; the agent's bridge is
// connected to both (a page that moved, the old connection not yet seen to end); when its
// connection to the first hub ends, that hub says nothing: the desktop is connected through the
// other one.
func TestDesktopHeldByAnotherHubIsNotDisconnected(t *testing.T) {
	t.Parallel()
	a, b := twoHubsOnOneLog(t)
	old := connectA1(t, a, "s1")
	connectA1(t, b, "s2")
	a.waitApplied(t, 4) // two states, two connected
	_ = old.UnderlyingConn().Close()
	a.log.waitLog(t, "ingest conn 1 (agent \"a1\") closed")
	time.Sleep(3 * time.Second) // three times GoneAfter
	if strings.Contains(a.log.String(), "desktop disconnected") || strings.Contains(a.log.String(), "desktop gone") {
		t.Fatalf("the first hub said the desktop left:\n%s", a.log.String())
	}
}
