package hub

import (
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// The attacker's report: a token bound to agent "t" sent a state change and ON_INTERACTION_REMOVED
// for interaction "a/c2", whose row key ("t/a/c2") was that of agent "t/a"'s interaction "c2": the
// victim's row disappeared from the hub's snapshot. Row keys are now one-to-one.
func TestBoundTokenCannotReachAnotherAgentsRow(t *testing.T) {
	t.Parallel()
	_, in := tokenFile(t, "ingest", "unb-tok\ntt-tok agent=t\n")
	th := startHub(t, Config{IngestTokens: in})
	mon := th.firstMonitor(t)

	unb := th.dial(t, "/ingest?token=unb-tok", nil)
	victim := event("ON_NEW_INTERACTION", "t/a", t0, 1, "["+interaction("c2", "delivered", "Sales")+"]")
	send(t, unb, victim)
	readN(t, mon, 1)

	tt := th.dial(t, "/ingest?token=tt-tok", nil)
	attack := strings.Replace(interaction("a/c2", "hold", "Sales"), `"subject":"s"`, `"subject":"ATTACKER"`, 1)
	send(t, tt,
		event("ON_INTERACTION_STATE_CHANGE", "t", t0+10, 1, "["+attack+"]"),
		event("ON_INTERACTION_REMOVED", "t", t0+20, 2, "["+strings.Replace(attack, `"hold"`, `"completed"`, 1)+"]"))
	readN(t, mon, 2)

	late := th.dial(t, "/stream", nil)
	th.waitSubscribers(t, 2)
	marker := event("ON_AGENT_STATE_CHANGE", "t", t0+30, 3, `["ready"]`)
	send(t, tt, marker)
	open, _ := monitorView(t, readUntil(t, late, marker))
	if state, ok := open[model.RowKey("t/a", "c2")]; !ok || state != "delivered" || len(open) != 1 {
		t.Errorf("new monitor's open interactions %v, want agent t/a's c2 (delivered) only", open)
	}
}

// An identifier over its bound is rejected by the decoder with its length, not its text: the hub's
// log line stays short however long the agentId.
func TestHubRejectsLongAgentIDBriefly(t *testing.T) {
	t.Parallel()
	th := startHub(t, Config{})
	br := th.dial(t, "/ingest", nil)
	long := strings.Repeat("U", 500000)
	send(t, br, event("ON_AGENT_STATE_CHANGE", long, t0, 1, `["ready"]`))
	th.log.waitLog(t, "agentId: 500000 bytes, longer than 256")
	if l := th.log.line(t, "agentId: 500000 bytes"); len(l) > 1000 {
		t.Errorf("the rejection's log line is %d bytes long", len(l))
	}
	if sn := th.store.Snapshot(); len(sn.Agents) != 0 {
		t.Errorf("the hub keeps %d agents, want none", len(sn.Agents))
	}
}
