package hub

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/deskwatch/deskwatch/internal/positive"
	"github.com/deskwatch/deskwatch/model"
)

// Defaults for the limits in Config. Every resource a bridge or a monitor can make the hub spend is
// bounded by one of them (README.md, "Hub limits").
const (
	DefaultMaxAgents               = 10000
	DefaultMaxAgentsPerBridge      = 16
	DefaultMaxInteractionsPerAgent = 256
	DefaultMaxParties              = 64
	DefaultMaxConnections          = 2000
	DefaultMaxPendingBytes         = 16 << 20
)

// defaultSnapshotInterval is the least time between two snapshots taken for new monitors while
// events arrive: a thousand monitors connecting at once, under load, cost one or two.
const defaultSnapshotInterval = time.Second

// Limits are the hub's bounds on what peers can make it hold; zero fields take the defaults.
type Limits struct {
	// MaxAgents bounds the agents the hub keeps state for; an event of a further agent is rejected.
	MaxAgents int
	// MaxAgentsPerBridge bounds the distinct agentIds one bridge connection may send events for.
	MaxAgentsPerBridge int
	// MaxInteractionsPerAgent bounds one agent's open interactions; an event that would open one
	// more (or an INTERACTIONS_STATE listing more) is rejected.
	MaxInteractionsPerAgent int
	// MaxParties bounds the call parties of one interaction in an event.
	MaxParties int
	// MaxConnections bounds the WebSocket connections (bridges and monitors together); a further
	// one is refused with HTTP 503.
	MaxConnections int
	// MaxPendingBytes bounds the bytes of live events waiting for one monitor (its snapshot, shared
	// with every other monitor, is not counted); a monitor past it is disconnected as too slow.
	MaxPendingBytes int64
}

func (l *Limits) defaults() {
	l.MaxAgents = positive.Or(l.MaxAgents, DefaultMaxAgents)
	l.MaxAgentsPerBridge = positive.Or(l.MaxAgentsPerBridge, DefaultMaxAgentsPerBridge)
	l.MaxInteractionsPerAgent = positive.Or(l.MaxInteractionsPerAgent, DefaultMaxInteractionsPerAgent)
	l.MaxParties = positive.Or(l.MaxParties, DefaultMaxParties)
	l.MaxConnections = positive.Or(l.MaxConnections, DefaultMaxConnections)
	l.MaxPendingBytes = positive.Or(l.MaxPendingBytes, DefaultMaxPendingBytes)
}

// limitError is an event refused by a limit: reason labels the metric, the message says which
// limit (and its flag).
type limitError struct {
	reason string
	msg    string
}

func (e *limitError) Error() string { return e.msg }

// agentOpen is the hub's record of one agent: the interactions it has open, for the cap.
type agentOpen map[string]struct{}

// admitBridge checks the per-bridge agent cap and remembers the agent for the bridge.
func (h *Hub) admitBridge(b *bridgeConn, agentID string) error {
	if agentID == "" || b.agents[agentID] {
		return nil
	}
	if len(b.agents) >= h.cfg.Limits.MaxAgentsPerBridge {
		return &limitError{"agent-cap", fmt.Sprintf("agent %q would be this connection's agent number %d, "+
			"over the limit of %d (--max-agents-per-bridge)", agentID, len(b.agents)+1, h.cfg.Limits.MaxAgentsPerBridge)}
	}
	if b.agents == nil {
		b.agents = make(map[string]bool)
	}
	b.agents[agentID] = true
	return nil
}

// admitLocked checks the hub-wide limits for ev before it is applied and, when it passes, records
// what it opens and ends. The caller holds h.mu.
func (h *Hub) admitLocked(ev model.Event) error {
	lim := h.cfg.Limits
	open, known := h.agents[ev.AgentID]
	if !known && len(h.agents) >= lim.MaxAgents {
		return &limitError{"agent-cap", fmt.Sprintf("agent %q would be agent number %d, over the limit of %d (--max-agents)",
			ev.AgentID, len(h.agents)+1, lim.MaxAgents)}
	}
	var list []model.Interaction
	switch p := ev.Payload.(type) {
	case *model.Interaction:
		list = []model.Interaction{*p}
	case *model.InteractionsState:
		list = p.Interactions
		if len(list) > lim.MaxInteractionsPerAgent {
			return &limitError{"interaction-cap", fmt.Sprintf("%d interactions listed, over the limit of %d (--max-interactions-per-agent)",
				len(list), lim.MaxInteractionsPerAgent)}
		}
	}
	for i := range list {
		if n := len(list[i].CallParties); n > lim.MaxParties {
			return &limitError{"party-cap", fmt.Sprintf("interaction %q has %d call parties, over the limit of %d (--max-parties)",
				list[i].ID, n, lim.MaxParties)}
		}
	}
	in, single := ev.Payload.(*model.Interaction)
	if single && opensInteraction(ev.Type, in) {
		if _, ok := open[in.ID]; !ok && len(open) >= lim.MaxInteractionsPerAgent {
			return &limitError{"interaction-cap", fmt.Sprintf("interaction %q would be agent %q's open interaction number %d, "+
				"over the limit of %d (--max-interactions-per-agent)", in.ID, ev.AgentID, len(open)+1, lim.MaxInteractionsPerAgent)}
		}
	}
	if open == nil {
		open = make(agentOpen)
		h.agents[ev.AgentID] = open
	}
	switch {
	case ev.Type == model.EvDesktop && ev.Payload.(*model.Desktop).Status == model.DesktopGone:
		clear(open) // the store ends them too
	case ev.Type == model.EvInteractionsState:
		clear(open)
		for i := range list {
			open[list[i].ID] = struct{}{}
		}
	case single && opensInteraction(ev.Type, in):
		open[in.ID] = struct{}{}
	case single && (ev.Type == model.EvInteractionRemoved || in.State == model.StateCompleted):
		delete(open, in.ID)
	}
	return nil
}

// opensInteraction mirrors the store: a new interaction, or a state change to a state other than
// completed, shows an interaction open.
func opensInteraction(typ string, in *model.Interaction) bool {
	return typ == model.EvNewInteraction || typ == model.EvInteractionStateChange && in.State != model.StateCompleted
}

// acquireConn counts a WebSocket connection against MaxConnections, answering 503 when the hub is
// full. A true result must be paired with releaseConn.
func (h *Hub) acquireConn(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	if n := h.connCount.Add(1); n > int64(h.cfg.Limits.MaxConnections) {
		h.connCount.Add(-1)
		h.m.refused.WithLabelValues(endpoint, "capacity").Inc()
		h.log.Printf("%s from %s refused: %d connections open, the limit (--max-connections)", endpoint,
			r.RemoteAddr, h.cfg.Limits.MaxConnections)
		http.Error(w, "hub full: too many connections", http.StatusServiceUnavailable)
		return false
	}
	return true
}

func (h *Hub) releaseConn() { h.connCount.Add(-1) }

// rejectLimit logs and counts an event refused by a limit. It is acknowledged all the same (a
// bridge would otherwise send it again after every reconnect), and monitors see its seq as a gap.
func (h *Hub) rejectLimit(b *bridgeConn, err error) {
	reason := "invalid"
	var le *limitError
	if errors.As(err, &le) {
		reason = le.reason
	}
	h.m.rejected.WithLabelValues(reason).Inc()
	h.rejectf(b, b.msgs, "%v", err)
}
