package cmd_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// publishDesk opens a raw bridge connection on the hub's /ingest for agent and sends its login,
// state and a snapshot with one call on hold (started a minute ago).
func publishDesk(t *testing.T, addr, agent, call string) *websocket.Conn {
	t.Helper()
	br, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = br.Close() })
	now := time.Now()
	for i, ev := range []string{
		`{"type":"ON_LOGIN","params":[{"isLoggedIn":true,"agentId":"` + agent + `"}]`,
		`{"type":"ON_AGENT_STATE_CHANGE","params":["busy"]`,
		`{"type":"INTERACTIONS_STATE","params":[{"activeInteractionId":"` + call + `","interactions":[` +
			`{"interactionId":"` + call + `","state":"hold","type":"voice","subject":"Renewal","associatedObjects":` +
			`{"list":[],"selected":null},"callParties":[],"callMuted":false,"callRecording":true,"attachedData":{},` +
			fmt.Sprintf(`"startTime":%d}]}]`, now.Add(-time.Minute).UnixMilli()),
	} {
		msg := fmt.Sprintf(`%s,"agentId":%q,"ts":%d,"seq":%d}`, ev, agent, now.UnixMilli(), i+1)
		if err := br.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	return br
}

// TestStaleIsNotShownAsLive runs the real hub and the real monitor in a terminal: a bridge that
// drops its connection (1006) shows as disconnected in the agents view (of a monitor that joins
// later too); a hub that goes away dims the monitor's view under a banner that says since when; a
// hub that comes back empty ends what the monitor had open.
func TestStaleIsNotShownAsLive(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	h, addr := startHubCmd(t, "--gone-after", "10m")
	term := e2e.Start(t, 120, 20, nil, bin+" ws://"+addr+"/stream")
	term.WaitFor(15*time.Second, "connected since")
	publishDesk(t, addr, "a.jones", "c-1")
	smith := publishDesk(t, addr, "b.smith", "c-2")
	term.WaitFor(15*time.Second, "2 open", "c-1", "c-2")
	term.Keys("Tab")
	term.WaitFor(5*time.Second, "DESKTOP", "a.jones", "b.smith", "connected")

	_ = smith.UnderlyingConn().Close() // the page is gone: no close frame
	screen := term.WaitFor(10*time.Second, "disconnected")
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "a.jones") && strings.Contains(l, "disconnected") {
			t.Errorf("a.jones's desktop is still connected:\n%s", screen)
		}
	}
	term.Keys("Tab", "Tab") // agents → services → interactions
	term.WaitFor(5*time.Second, "c-1", "c-2")

	// A monitor that joins now learns it from the hub's snapshot.
	late := e2e.Start(t, 120, 20, nil, bin+" ws://"+addr+"/stream")
	late.WaitFor(15*time.Second, "2 open")
	late.Keys("Tab")
	late.WaitFor(5*time.Second, "DESKTOP", "disconnected")

	h.Stop(syscall.SIGTERM, 10*time.Second)
	screen = term.WaitFor(10*time.Second, "source down since", "— reconnecting")
	if !strings.Contains(screen, "c-2") {
		t.Errorf("the table should still show what was received while the source is down:\n%s", screen)
	}

	// The hub comes back empty (restarted): its resync says the floor is empty, and the monitor's
	// open interactions end, gone at resync.
	e2e.StartProcess(t, e2e.ProcessOptions{}, "hub", "--listen", addr, "--in-memory").WaitLine(hubBridges, 30*time.Second)
	term.WaitGone(40*time.Second, "source down since")
	term.WaitFor(10*time.Second, "0 open")
}
