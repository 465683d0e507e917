package hub

import (
	"errors"

	"github.com/deskwatch/deskwatch/model"
)

// A monitor's token may be scoped (tokenfile.go): to agents (agents=, teams=) and to services
// (services=). restrict narrows the monitor's filter to the scope when it connects; from then on
// the filter's methods decide every message the monitor is sent, whatever it asked for:
//
//   - agentPasses: only the scope's agents (the fan routes live events by them, agentKeys);
//   - pass: of those agents' interactions, only those of the scope's services (and an interaction
//     that passed keeps passing, on the same agent, until it ends: a Sales monitor sees its call
//     transferred to Support, with its new service, until it ends, and nothing of Support's other
//     calls); agent-level events (login, state, screen recording, server errors, the hub's
//     DESKWATCH_DESKTOP) pass for the scope's agents, or, when the scope names services and no
//     agents, only for an agent while it has an interaction this monitor was sent; an audio alert
//     only for a call it was sent; the active interaction only when it is one it was sent (else
//     null);
//   - snapshotAgent, interactionPasses and activeShown: the same rules for the snapshot.
//
// Any path that sends events to a monitor (live, snapshot, history) must ask them: agentPasses,
// then pass, for each event.

// errNothing is cutSnapshot's answer for a snapshot that has nothing this subscriber may see.
var errNothing = errors.New("nothing to send")

// restrict limits the filter to the token's scope: its agents and services intersected with those
// the monitor asked for (all of the scope's when it asked for none). It reports false when the
// monitor asked only for agents, or only for services, outside the scope.
func (f *filter) restrict(g *grant) bool {
	if g == nil {
		return true
	}
	if g.agents != nil {
		f.agents = intersect(g.agents, f.agents)
	}
	if g.services != nil {
		f.services = intersect(g.services, f.services)
		f.scoped, f.needWork = true, g.agents == nil
		if f.passed == nil {
			f.passed = make(map[string]map[string]bool)
		}
	}
	return (f.agents == nil || len(f.agents) > 0) && (f.services == nil || len(f.services) > 0)
}

// intersect is scope limited to want, or scope when want is nil (the monitor asked for nothing).
func intersect(scope, want map[string]bool) map[string]bool {
	out := make(map[string]bool, len(scope))
	for k := range scope {
		if want == nil || want[k] {
			out[k] = true
		}
	}
	return out
}

// agentLevelPasses decides for an event about the agent rather than one of its interactions, of an
// agent agentPasses let through: with needWork, only while the agent has an open interaction this
// subscriber was sent.
func (f *filter) agentLevelPasses(agentID string) bool {
	return !f.needWork || len(f.passed[agentID]) > 0
}

// snapshotAgent reports whether the snapshot describes the agent with these open rows at all (its
// agent-level entries included): with needWork, only when one of them is of the scope's services.
func (f *filter) snapshotAgent(agentID string, rows []*model.Row) bool {
	if !f.agentPasses(agentID) {
		return false
	}
	if !f.needWork {
		return true
	}
	for _, r := range rows {
		if f.services[model.Str(r.Data.Service)] || f.passed[agentID][r.Data.ID] {
			return true
		}
	}
	return false
}

// activeShown is the agent's active interaction as this subscriber may see it: "" (null) when the
// scope limits services and the interaction is not one it was sent.
func (f *filter) activeShown(agentID, id string) string {
	if f.scoped && id != "" && !f.passed[agentID][id] {
		return ""
	}
	return id
}

// passSwitch decides ON_ACTIVE_INTERACTION_SWITCHED: an agent-level event, with the interaction
// made null when the subscriber may not see it.
func (f *filter) passSwitch(ev model.Event, p *model.ActiveSwitch) ([]byte, bool, error) {
	if !f.agentLevelPasses(ev.AgentID) {
		return nil, false, nil
	}
	if f.activeShown(ev.AgentID, p.ID) == p.ID {
		return nil, true, nil
	}
	seq := model.NoSeq
	if ev.HasSeq {
		seq = ev.Seq
	}
	return model.AppendEvent(nil, ev.Type, ev.AgentID, millis(ev.TS), seq, []byte("[null]")), true, nil
}

// endAll moves the agent's open interactions to the ended ones (its desktop is gone: they end).
func (f *filter) endAll(agentID string) {
	for id := range f.passed[agentID] {
		f.ended.add(agentID, id)
	}
	delete(f.passed, agentID)
}
