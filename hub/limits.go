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
	DefaultMessageTimeout          = 30 * time.Second
	DefaultMaxInteractionBytes     = 64 << 10
)

// The hub's log takes at most logLinesPerSecond lines a second on average, logLinesBurst at once
// (a thousand bridges reconnecting after a restart say so whole); the lines over that are left out
// and counted, so that a peer that connects and sends bad messages in a loop cannot fill the disk.
const (
	logLinesPerSecond = 100
	logLinesBurst     = 2000
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
	// MaxConnections bounds the WebSocket connections (bridges and monitors together, each kind
	// at most seven eighths, a token bound to agents a few per agent: conns.go); a further one is
	// refused with HTTP 503.
	MaxConnections int
	// MaxPendingBytes bounds the bytes of live events waiting for one monitor (its snapshot, shared
	// with every other monitor, is not counted); a monitor past it is disconnected as too slow.
	MaxPendingBytes int64
	// MessageTimeout bounds the time one message from a bridge may take to arrive, from its first
	// frame, pongs or not: a bridge still sending it then is closed (it would hold its read buffer,
	// up to 64 times MaxMessage, for as long as it answers pings).
	MessageTimeout time.Duration
	// MaxInteractionBytes bounds the bytes of an event per interaction it holds: an interaction's
	// event over it, or an INTERACTIONS_STATE over it times the interactions it lists, is rejected.
	// With MaxInteractionsPerAgent it bounds what one agent's desktop can make the hub hold (and
	// copy into every monitor's snapshot): 256 × 64 KiB = 16 MiB by default, where MaxMessage alone
	// would let it hold 256 MiB.
	MaxInteractionBytes int
	// MaxMonitorJoins bounds the monitors joining /stream a second per stream token (per source
	// address without stream tokens), thirty times that at once; a further one is refused with
	// HTTP 429 and Retry-After. Each join is written a snapshot of the floor.
	MaxMonitorJoins int
	// MaxMemory bounds the memory the floor's interactions and agents hold, as the store estimates
	// it (model.WithMaxHeld): at it, only events that end interactions are taken.
	MaxMemory int64
	// MaxBridgeBytes bounds the bytes a second the hub reads from one bridge connection (from all
	// the connections of a token bound to agents, that per agent), on average, 16 seconds of it at
	// once: past it the hub reads the bridge slower (throttle.go).
	MaxBridgeBytes int64
}

func (l *Limits) defaults() {
	l.MaxAgents = positive.Or(l.MaxAgents, DefaultMaxAgents)
	l.MaxAgentsPerBridge = positive.Or(l.MaxAgentsPerBridge, DefaultMaxAgentsPerBridge)
	l.MaxInteractionsPerAgent = positive.Or(l.MaxInteractionsPerAgent, DefaultMaxInteractionsPerAgent)
	l.MaxParties = positive.Or(l.MaxParties, DefaultMaxParties)
	l.MaxConnections = positive.Or(l.MaxConnections, DefaultMaxConnections)
	l.MaxPendingBytes = positive.Or(l.MaxPendingBytes, DefaultMaxPendingBytes)
	l.MessageTimeout = positive.Or(l.MessageTimeout, DefaultMessageTimeout)
	l.MaxInteractionBytes = positive.Or(l.MaxInteractionBytes, DefaultMaxInteractionBytes)
	l.MaxMonitorJoins = positive.Or(l.MaxMonitorJoins, DefaultMaxMonitorJoins)
	l.MaxMemory = positive.Or(l.MaxMemory, model.DefaultMaxHeld)
	l.MaxBridgeBytes = positive.Or(l.MaxBridgeBytes, DefaultMaxBridgeBytes)
}

// limitError is an event refused by a limit: reason labels the metric, the message says which
// limit (and its flag).
type limitError struct {
	reason string
	msg    string
}

func (e *limitError) Error() string { return e.msg }

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

// admitSize refuses an event of n bytes that holds more than MaxInteractionBytes per interaction.
func (h *Hub) admitSize(ev model.Event, n int) error {
	limit := h.cfg.Limits.MaxInteractionBytes
	switch p := ev.Payload.(type) {
	case *model.Interaction:
		if n > limit {
			return &limitError{"interaction-size", fmt.Sprintf("interaction %q: event of %d bytes, over the limit of %d "+
				"for one interaction (--max-interaction-bytes)", p.ID, n, limit)}
		}
	case *model.InteractionsState:
		if k := max(len(p.Interactions), 1); n > limit*k {
			return &limitError{"interaction-size", fmt.Sprintf("%d bytes for %d interactions, over the limit of %d "+
				"per interaction (--max-interaction-bytes)", n, len(p.Interactions), limit)}
		}
	}
	return nil
}

// capError says which of the hub's limits the store's cap err (model.CapError) is, and its flag.
func capError(err error) error {
	var ce *model.CapError
	if !errors.As(err, &ce) {
		return &limitError{"store-cap", err.Error()}
	}
	switch ce.Cap {
	case model.CapAgents:
		return &limitError{"agent-cap", fmt.Sprintf("agent %q would be agent number %d, over the limit of %d (--max-agents)",
			ce.Agent, ce.N, ce.Limit)}
	case model.CapListed:
		return &limitError{"interaction-cap", fmt.Sprintf("%d interactions listed, over the limit of %d (--max-interactions-per-agent)",
			ce.N, ce.Limit)}
	case model.CapParties:
		return &limitError{"party-cap", fmt.Sprintf("interaction %q has %d call parties, over the limit of %d (--max-parties)",
			ce.Interaction, ce.N, ce.Limit)}
	case model.CapHeld:
		return &limitError{"memory-cap", err.Error()}
	case model.CapShare:
		return &limitError{"memory-share", err.Error()}
	case model.CapAgentOpen:
		return &limitError{"interaction-cap", fmt.Sprintf("interaction %q would be agent %q's open interaction number %d, "+
			"over the limit of %d (--max-interactions-per-agent)", ce.Interaction, ce.Agent, ce.N, ce.Limit)}
	}
	return &limitError{"store-cap", err.Error()}
}

// refuse counts a request to endpoint refused for reason (the metric's label), logs why, and
// answers it with status and text (status 0: the WebSocket upgrader has answered already).
func (h *Hub) refuse(w http.ResponseWriter, r *http.Request, endpoint, reason string, status int, text, why string) {
	h.m.refused.WithLabelValues(endpoint, reason).Inc()
	h.log.Printf("%s from %s refused: %s", endpoint, r.RemoteAddr, why)
	if status != 0 {
		http.Error(w, text, status)
	}
}

// rejectLimit logs and counts an event refused by a limit, with its seq when it has one. It is
// acknowledged all the same (a bridge would otherwise send it again after every reconnect), and
// monitors get the hub's DESKWATCH_SKIPPED in its place (skipped.go).
func (h *Hub) rejectLimit(b *bridgeConn, ev model.Event, err error) {
	reason := "invalid"
	var le *limitError
	if errors.As(err, &le) {
		reason = le.reason
	}
	h.m.rejected.WithLabelValues(reason).Inc()
	who := "agent " + logValue(b.agentID)
	if ev.HasSeq { // what monitors' rejected logs name it by (DESKWATCH_SKIPPED)
		who += fmt.Sprintf(", seq %d", ev.Seq)
	}
	h.rejectLine(b, b.msgs, who, err.Error())
}
