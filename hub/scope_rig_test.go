package hub

import (
	"testing"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// The floor of the scope tests: agents a1 and a2 (team East), b1 (West), c1 (no team); services
// Sales and Support. c1 never has a Sales interaction.
const scopeTeams = "team East a1,a2\nteam West b1\n"

// scopeFloor is what the floor did before the monitors connect: every agent logged in and ready,
// a1 with Sales call i1 and Support call i2 (in front of a1), a2 with Support call i3, b1 with
// Sales call i4 (with an audio alert), c1 with nothing; screen recording and alerts on several.
func scopeFloor() []string {
	var out []string
	for _, a := range []string{"a1", "a2", "b1", "c1"} {
		out = append(out,
			event("ON_LOGIN", a, t0, 1, `[{"isLoggedIn":true,"agentId":"`+a+`","username":"u-`+a+`"}]`),
			event("ON_AGENT_STATE_CHANGE", a, t0+1, 2, `["ready"]`),
			event("ON_SCREEN_RECORDING_STATE_CHANGE", a, t0+2, 3, `[{"allowed":true,"active":true,"muted":false}]`))
	}
	return append(out,
		event("ON_NEW_INTERACTION", "a1", t0+10, 4, "["+interaction("i1", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a1", t0+11, 5, "["+interaction("i2", "delivered", "Support")+"]"),
		event("ON_ACTIVE_INTERACTION_SWITCHED", "a1", t0+12, 6, `["i2"]`),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "a1", t0+13, 7, `["i2","jitter"]`),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "a1", t0+14, 8, `["i1","loss"]`),
		event("ON_NEW_INTERACTION", "a2", t0+15, 4, "["+interaction("i3", "delivered", "Support")+"]"),
		event("ON_NEW_INTERACTION", "b1", t0+16, 4, "["+interaction("i4", "delivered", "Sales")+"]"),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "b1", t0+17, 5, `["i4","jitter"]`),
	)
}

// scopeLive is what the floor does while the monitors watch; it ends with scopeMarker, an event
// of a1 while a1 has its Sales call open, which every monitor in these tests may see.
func scopeLive() []string {
	return []string{
		event("ON_AGENT_STATE_CHANGE", "b1", t0+20, 6, `["not_ready","lunch"]`),
		event("ON_NEW_INTERACTION", "b1", t0+21, 7, "["+interaction("i5", "delivered", "Sales")+"]"),
		event("ON_NEW_INTERACTION", "a2", t0+22, 5, "["+interaction("i6", "delivered", "Sales")+"]"),
		event("ON_INTERACTION_STATE_CHANGE", "a2", t0+23, 6, "["+interaction("i3", "connected", "Support")+"]"),
		event("ON_CALL_AUDIO_QUALITY_ALERT", "a2", t0+24, 7, `["i3","jitter"]`),
		event("INTERACTIONS_STATE", "b1", t0+25, 8, `[{"activeInteractionId":"i4","interactions":[`+
			interaction("i4", "connected", "Sales")+`,`+interaction("i7", "delivered", "Support")+`]}]`),
		event("ON_SERVER_ERROR", "c1", t0+26, 4, `[{"code":1,"name":"x","timestamp":0,"message":"m"}]`),
		event("ON_AGENT_STATE_CHANGE", "c1", t0+27, 5, `["not_ready","break"]`),
		event("INTERACTIONS_STATE", "a1", t0+28, 9, `[{"activeInteractionId":"i2","interactions":[`+
			interaction("i1", "connected", "Sales")+`,`+interaction("i2", "connected", "Support")+`]}]`),
		event("ON_ACTIVE_INTERACTION_SWITCHED", "a1", t0+29, 10, `["i2"]`),
		scopeMarker,
	}
}

var scopeMarker = event("ON_AGENT_STATE_CHANGE", "a1", t0+30, 11, `["busy"]`)

// scope is what one scoped monitor may be sent: events about the agents of agentLevel, and the
// interactions (agent/id keys) of ids, their audio alerts and their being in front of the agent.
type scope struct {
	agentLevel map[string]bool
	ids        map[string]bool
}

// check fails the test on the first message outside the scope (every message it is given is
// decoded: a message the monitor could not read is a failure too).
func (s scope) check(t *testing.T, what string, msgs []string) {
	t.Helper()
	for i, m := range msgs {
		ev, err := model.Decode([]byte(m))
		if err != nil {
			t.Fatalf("%s: message %d does not decode: %v\n%s", what, i+1, err, m)
		}
		leak := func(why string) { t.Fatalf("%s: message %d is outside the scope (%s):\n%s", what, i+1, why, m) }
		key := func(id string) bool { return s.ids[model.RowKey(ev.AgentID, id)] }
		switch p := ev.Payload.(type) {
		case model.ResyncEnd:
		case *model.Interaction:
			if !key(p.ID) {
				leak("interaction " + p.ID)
			}
		case *model.InteractionsState:
			listed := map[string]bool{}
			for _, in := range p.Interactions {
				if listed[in.ID] = true; !key(in.ID) {
					leak("interaction " + in.ID)
				}
			}
			if a := model.Str(p.ActiveInteractionID); a != "" && !listed[a] {
				leak("active interaction " + a)
			}
			if len(p.Interactions) == 0 && !s.agentLevel[ev.AgentID] {
				leak("an empty snapshot of an agent out of the scope")
			}
		case *model.AudioQualityAlert:
			if !key(p.CallID) {
				leak("alert on " + p.CallID)
			}
		default:
			if sw, ok := p.(*model.ActiveSwitch); ok && sw.ID != "" && !key(sw.ID) {
				leak("switch to " + sw.ID)
			}
			if !s.agentLevel[ev.AgentID] {
				leak("agent-level event of " + ev.AgentID)
			}
		}
	}
}

// strSet is a set of the given strings.
func strSet(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// keys are agent/id row keys: keys("a1", "i1", "b1", "i4").
func keys(pairs ...string) map[string]bool {
	m := map[string]bool{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[model.RowKey(pairs[i], pairs[i+1])] = true
	}
	return m
}

// watchScoped dials /stream at path with header, reads its snapshot to its end, and returns it.
func watchScoped(t *testing.T, th *testHub, path string, header map[string][]string) (*websocket.Conn, []string) {
	t.Helper()
	c := th.dial(t, path, header)
	var snap []string
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("%s: read snapshot: %v", path, err)
		}
		snap = append(snap, string(data))
		if len(data) > len(resyncEnd) && string(data[:len(resyncEnd)]) == resyncEnd {
			return c, snap
		}
	}
}
