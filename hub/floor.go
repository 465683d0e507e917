package hub

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// floor is the state events are applied to: the store, and what tells a resent event from a new
// one. The hub holds one (under h.mu); with a log, each monitor that asks for history replays the
// log into one of its own, so it makes the very decisions the hub made (history.go).
type floor struct {
	store    *model.Store
	sessions map[string]agentSeq          // per agent: the bridge session and last seq applied
	replays  map[string]map[string]string // per agent: slot -> key of the last agent-state packet
}

// agentSeq remembers the last seq applied for an agent from one bridge session (one page load).
type agentSeq struct {
	Session string `json:"session"`
	Seq     int64  `json:"seq"`
}

// newFloor returns an empty floor with the hub's caps on agents, interactions and parties
// (limits.go).
func newFloor(cfg *Config) *floor {
	return &floor{
		store: model.NewStore(model.WithRetention(1), model.WithoutFloorStats(),
			model.WithCaps(cfg.Limits.MaxAgents, model.DefaultMaxOpen),
			model.WithAgentCaps(cfg.Limits.MaxInteractionsPerAgent, cfg.Limits.MaxParties),
			model.WithMaxHeld(cfg.Limits.MaxMemory),
			model.WithAgentTimeline(model.ChangeLogin, model.ChangeLogout)), // what lastChange reads
		sessions: make(map[string]agentSeq),
		replays:  make(map[string]map[string]string),
	}
}

// apply applies ev, of a bridge session ("" for the hub's own events), received at received. It
// reports false for a duplicate, which changes nothing, and the limit an event over one passes.
func (f *floor) apply(session string, ev model.Event, received time.Time) (bool, error) {
	dup, key := f.duplicate(session, ev)
	if dup {
		return false, nil
	}
	if _, skip := ev.Payload.(*model.Skipped); skip && !f.store.Knows(ev.AgentID) {
		return false, nil // an agent the floor does not hold: nothing counts its seq (skipped.go)
	}
	if err := f.store.ApplyChecked(ev, model.EventTime(ev, received)); err != nil {
		return false, capError(err)
	}
	f.remember(session, ev, key)
	return true, nil
}

// duplicate reports an event a reconnecting bridge sent again: a seq it already sent in this
// session, or a replay of the agent's login or state that changes nothing. It also returns the
// event's replay key (replayKey; "" for an event that sets no replayed state), for remember.
func (f *floor) duplicate(session string, ev model.Event) (bool, string) {
	if ev.HasSeq && session != "" {
		last, ok := f.sessions[ev.AgentID]
		if ok && last.Session == session && ev.Seq <= last.Seq {
			return true, ""
		}
	}
	slot := replaySlot(ev.Type)
	if slot == "" {
		return false, ""
	}
	key := replayKey(ev)
	return !ev.HasSeq && !ev.TS.IsZero() && f.replays[ev.AgentID][slot] == key, key
}

// remember records an applied event for duplicate; key is the replay key duplicate returned.
func (f *floor) remember(session string, ev model.Event, key string) {
	if ev.HasSeq && session != "" {
		f.sessions[ev.AgentID] = agentSeq{Session: session, Seq: ev.Seq}
	}
	slot := replaySlot(ev.Type)
	if slot == "" {
		return
	}
	seen := f.replays[ev.AgentID]
	if seen == nil {
		seen = make(map[string]string, 3)
		f.replays[ev.AgentID] = seen
	}
	seen[slot] = key
}

// replayKey is what a replayed agent-state packet repeats, as the hex SHA-256 of its type, ts and
// payload: 64 bytes per agent and slot, however large the packet (the floor and every checkpoint
// keep one per agent and slot).
func replayKey(ev model.Event) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%+v", ev.Type, ev.TS.UnixMilli(), ev.Payload))
	return hex.EncodeToString(sum[:])
}

// replaySlot names the piece of agent state an event sets, for the event types a bridge replays
// on reconnect (without seq, with their original ts).
func replaySlot(typ string) string {
	switch typ {
	case model.EvLogin, model.EvLogout:
		return "login"
	case model.EvAgentStateChange:
		return "state"
	case model.EvScreenRecording:
		return "screen"
	}
	return ""
}
