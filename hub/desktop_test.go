package hub

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// desktopOf decodes a DESKWATCH_DESKTOP the hub sent, failing the test on anything else.
func desktopOf(t *testing.T, msg, agent string) *model.Desktop {
	t.Helper()
	ev, err := model.Decode([]byte(msg))
	if err != nil || ev.Type != model.EvDesktop || ev.AgentID != agent || ev.HasSeq || ev.TS.IsZero() {
		t.Fatalf("got %s (%v), want the hub's DESKWATCH_DESKTOP for %s with a ts and no seq", msg, err, agent)
	}
	return ev.Payload.(*model.Desktop)
}

// A bridge's first INTERACTIONS_STATE makes its agent's desktop connected; the bridge dropping its
// connection (1006) makes it disconnected; GoneAfter later it is gone, and the hub's store has
// ended its interactions, so the next monitor's snapshot lists none.
func TestDesktopConnectedDisconnectedGone(t *testing.T) {
	t.Parallel()
	th, mon, br := startRelay(t, Config{GoneAfter: time.Second})
	snap := event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":null,"interactions":[`+
		interaction("i1", "delivered", "Sales")+`]}]`)
	send(t, br, snap)
	got := readN(t, mon, 2)
	if got[0] != snap {
		t.Fatalf("got %s, want the bridge's snapshot", got[0])
	}
	if d := desktopOf(t, got[1], "a1"); d.Status != model.DesktopConnected {
		t.Fatalf("desktop %s, want connected", d.Status)
	}
	_ = br.UnderlyingConn().Close() // no close frame: 1006
	d := desktopOf(t, readN(t, mon, 1)[0], "a1")
	if d.Status != model.DesktopDisconnected || !strings.Contains(d.Reason, "bridge closed (1006") {
		t.Fatalf("desktop %s (%s), want disconnected, bridge closed (1006 …)", d.Status, d.Reason)
	}
	if d := desktopOf(t, readN(t, mon, 1)[0], "a1"); d.Status != model.DesktopGone {
		t.Fatalf("desktop %s, want gone", d.Status)
	}
	if sn := th.store.Snapshot(); sn.Stats.Open != 0 {
		t.Errorf("the hub still holds %d open interactions of a gone desktop", sn.Stats.Open)
	}
	late := th.dial(t, "/stream", nil)
	if got := readN(t, late, 1)[0]; strings.Contains(got, `"i1"`) {
		t.Errorf("a later monitor's snapshot lists the gone desktop's interaction: %s", got)
	}
}

// A bridge that comes back within GoneAfter makes the desktop connected again, and it is not gone;
// a bridge may not send the hub's own events.
func TestDesktopBackBeforeGone(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{GoneAfter: time.Second})
	mon := th.firstMonitor(t)
	snap := event("INTERACTIONS_STATE", "a1", t0, 0, `[{"activeInteractionId":null,"interactions":[]}]`)
	br := th.dial(t, "/ingest", nil)
	send(t, br, snap)
	readN(t, mon, 2)
	_ = br.Close()
	if d := desktopOf(t, readN(t, mon, 1)[0], "a1"); d.Status != model.DesktopDisconnected {
		t.Fatalf("desktop %s, want disconnected", d.Status)
	}
	br2 := th.dial(t, "/ingest", nil)
	send(t, br2, snap, `{"type":"DESKWATCH_DESKTOP","agentId":"a1","params":[{"status":"gone"}]}`)
	got := readN(t, mon, 2)
	if d := desktopOf(t, got[1], "a1"); d.Status != model.DesktopConnected {
		t.Fatalf("desktop %s, want connected again", d.Status)
	}
	th.log.waitLog(t, "DESKWATCH_DESKTOP is the hub's own event; a bridge may not send it")
	_ = mon.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, data, err := mon.ReadMessage(); err == nil {
		t.Fatalf("after the bridge came back got %s", data)
	}
}

// A monitor that joins while an agent's desktop is disconnected gets, after the agent's
// INTERACTIONS_STATE, the hub's DESKWATCH_DESKTOP saying so, then the end of the snapshot.
func TestDesktopInSnapshot(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{GoneAfter: time.Hour})
	br := th.dial(t, "/ingest", nil)
	send(t, br, event("INTERACTIONS_STATE", "a1", t0, 1, `[{"activeInteractionId":null,"interactions":[`+
		interaction("i1", "delivered", "Sales")+`]}]`))
	th.log.waitLog(t, "desktop connected")
	_ = br.UnderlyingConn().Close()
	th.log.waitLog(t, "desktop disconnected")
	late := th.dial(t, "/stream", nil)
	_ = late.SetReadDeadline(time.Now().Add(5 * time.Second))
	var types []string
	for len(types) == 0 || types[len(types)-1] != model.EvResyncEnd {
		_, data, err := late.ReadMessage()
		if err != nil {
			t.Fatalf("late monitor: %v after %q", err, types)
		}
		ev, err := model.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if ev.Type == model.EvDesktop {
			desktopOf(t, string(data), "a1")
		}
	}
	if want := []string{model.EvInteractionsState, model.EvDesktop, model.EvResyncEnd}; !slices.Equal(types, want) {
		t.Errorf("late monitor's snapshot %q, want %q", types, want)
	}
}
