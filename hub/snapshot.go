package hub

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// wireLogin is ON_LOGIN's argument as the hub's snapshot writes it.
type wireLogin struct {
	IsLoggedIn bool   `json:"isLoggedIn"`
	AgentID    string `json:"agentId,omitempty"`
	Username   string `json:"username,omitempty"`
	SessionID  string `json:"sessionId,omitempty"`
}

// maxLoggedSkips bounds the log lines one snapshot build (or one monitor) writes about entries it
// could not encode or filter; the rest are only counted.
const maxLoggedSkips = 10

// snapEntry is the store at one version as new monitors receive it, shared by every monitor that
// subscribes at that version, outside the hub's lock: its open rows grouped once, by the first
// monitor's writer; encoded once for monitors without a service filter, by the first of theirs (a
// monitor with one encodes what its filter passes, agent by agent).
type snapEntry struct {
	sn *model.Snapshot

	grouped sync.Once
	open    map[string][]*model.Row // per agent, its open rows

	encoded sync.Once
	agents  []agentMsgs // encoded for monitors without a service filter
}

// agentMsgs are one agent's snapshot messages.
type agentMsgs struct {
	id   string
	msgs []*outMsg
}

// group groups the open rows by agent, once per entry.
func (e *snapEntry) group(h *Hub) {
	e.grouped.Do(func() {
		h.m.snapshotBuilds.Inc()
		e.open = make(map[string][]*model.Row)
		for _, r := range e.sn.Rows {
			if !r.Ended {
				e.open[r.AgentID] = append(e.open[r.AgentID], r)
			}
		}
	})
}

// build encodes the unfiltered snapshot, once per entry.
func (e *snapEntry) build(h *Hub) {
	e.group(h)
	e.encoded.Do(func() {
		skips := h.skipLogger(fmt.Sprintf("snapshot of version %d", e.sn.Version), "snapshot")
		all := &filter{}
		e.agents = make([]agentMsgs, 0, len(e.sn.Agents))
		for _, ag := range e.sn.Agents {
			e.agents = append(e.agents, agentMsgs{id: ag.ID, msgs: h.encodeAgent(ag, e.open[ag.ID], all, skips)})
		}
	})
}

// describeSnapshot says what s is about to be sent, for its connection's log line.
func (h *Hub) describeSnapshot(s *subscriber, e *snapEntry) string {
	if s.filter.services != nil {
		return fmt.Sprintf("snapshot of version %d, encoded for its filter", e.sn.Version)
	}
	e.build(h)
	n := 0
	for _, a := range e.agents {
		if s.filter.agentPasses(a.id) {
			n += len(a.msgs)
		}
	}
	return fmt.Sprintf("snapshot of %d messages", n)
}

// skipLogger returns the function that logs (the first maxLoggedSkips times) and counts an entry
// left out of what a monitor is sent.
func (h *Hub) skipLogger(what, where string) func(format string, args ...any) {
	n := 0
	return func(format string, args ...any) {
		h.m.skipped.WithLabelValues(where).Inc()
		n++
		switch {
		case n <= maxLoggedSkips:
			h.log.Printf("%s: %s", what, fmt.Sprintf(format, args...))
		case n == maxLoggedSkips+1:
			h.log.Printf("%s: further entries left out are counted in /metrics, not logged", what)
		}
	}
}

// encodeAgent describes one agent as events, for a monitor that has just subscribed (see
// snapshotEvents), each prepared to be sent.
func (h *Hub) encodeAgent(ag *model.Agent, rows []*model.Row, f *filter, skip func(string, ...any)) []*outMsg {
	events := h.snapshotEvents(ag, rows, f, skip)
	out := make([]*outMsg, len(events))
	for i, data := range events {
		out[i] = prepare(data)
	}
	return out
}

// snapshotEvents describes one agent as events in the envelope's shape (model.AppendEvent): its
// login, state and screen recording when known, one INTERACTIONS_STATE with its open interactions
// that f passes (the resync the monitor's WebSocket feed expects, model.AppendSnapshot), the hub's
// DESKWATCH_DESKTOP when the agent's desktop is disconnected or gone, and the audio alerts of those
// calls. Each carries the time it describes (the state's start, for instance) and, but for the
// hub's own event, the agent's last seq, so the first live event after it does not look like a gap.
// An entry that cannot be encoded is left out, alone, and reported to skip: never sent whole in
// place of a filtered one.
func (h *Hub) snapshotEvents(ag *model.Agent, rows []*model.Row, f *filter, skip func(string, ...any)) [][]byte {
	if !f.snapshotAgent(ag.ID, rows) { // the scope's rules (scope.go)
		return nil
	}
	seq := model.NoSeq
	if ag.HasSeq && f.services == nil { // a service filter's monitor is sent no seq (streamWriter.live)
		seq = ag.LastSeq
	}
	var out [][]byte
	event := func(typ string, at time.Time, params ...any) {
		if params == nil {
			params = []any{}
		}
		p, err := json.Marshal(params)
		if err != nil {
			skip("agent %q: %s left out: %v", ag.ID, typ, err)
			return
		}
		out = append(out, model.AppendEvent(nil, typ, ag.ID, millis(at), seq, p))
	}
	switch {
	case ag.LoggedIn:
		event(model.EvLogin, lastChange(ag, model.ChangeLogin),
			wireLogin{IsLoggedIn: true, AgentID: ag.ID, Username: ag.Username, SessionID: ag.SessionID})
	case !lastChange(ag, model.ChangeLogout).IsZero():
		event(model.EvLogout, lastChange(ag, model.ChangeLogout))
	}
	if ag.State != "" {
		params := []any{ag.State}
		if ag.State == model.AgentNotReady && ag.Reason != "" {
			params = append(params, ag.Reason)
		}
		event(model.EvAgentStateChange, ag.Since, params...)
	}
	if ag.Screen != nil {
		event(model.EvScreenRecording, ag.LastEvent, *ag.Screen)
	}
	interactions := []jsontext.Value{}
	var alerts []*model.Row
	for _, r := range rows {
		if !f.interactionPasses(ag.ID, r.Data) {
			continue
		}
		data, err := h.encodeInteraction(r.Data)
		if err != nil {
			skip("agent %q: interaction %q left out: %v", ag.ID, r.Data.ID, err)
			continue
		}
		interactions = append(interactions, data)
		if r.AudioAlert != "" {
			alerts = append(alerts, r)
		}
	}
	active := f.activeShown(ag.ID, ag.ActiveInteraction)
	out = append(out, h.resyncMessages(ag.ID, active, interactions, millis(ag.LastEvent), seq, skip)...)
	if st := ag.Desktop; st == model.DesktopDisconnected || st == model.DesktopGone {
		// After its INTERACTIONS_STATE, which says the desktop is back: it is not (desktop.go).
		if data, err := desktopEvent(ag.ID, st, ag.DesktopReason, ag.DesktopSince); err == nil {
			out = append(out, data)
		} else {
			skip("agent %q: %s left out: %v", ag.ID, model.EvDesktop, err)
		}
	}
	for _, r := range alerts {
		event(model.EvAudioQualityAlert, ag.LastEvent, r.Data.ID, r.AudioAlert)
	}
	return out
}

// resyncMessages writes an agent's open interactions as one INTERACTIONS_STATE when it fits in
// MaxMessage, as a monitor with the same --max-message accepts it. An agent whose interactions are
// larger together gets an INTERACTIONS_STATE with as many as fit, then each of the rest as an
// ON_INTERACTION_STATE_CHANGE of its own, which the monitor applies as one more open interaction of
// that agent: the same state, in messages no monitor refuses for their size. An interaction larger
// than the limit on its own is left out and reported to skip.
func (h *Hub) resyncMessages(agentID, active string, interactions []jsontext.Value, ts, seq int64,
	skip func(string, ...any)) [][]byte {
	limit := h.cfg.MaxMessage
	whole := model.AppendSnapshot(nil, agentID, active, interactions, ts, seq)
	if len(whole) <= limit {
		return [][]byte{whole}
	}
	size := len(model.AppendSnapshot(nil, agentID, active, []jsontext.Value{}, ts, seq))
	k := 0
	for ; k < len(interactions) && size+len(interactions[k])+1 <= limit; k++ {
		size += len(interactions[k]) + 1
	}
	out := [][]byte{model.AppendSnapshot(nil, agentID, active, interactions[:k], ts, seq)}
	for _, in := range interactions[k:] {
		params := append(append(make([]byte, 0, len(in)+2), '['), in...)
		msg := model.AppendEvent(nil, model.EvInteractionStateChange, agentID, ts, seq, append(params, ']'))
		if len(msg) > limit {
			skip("agent %q: an interaction of %d bytes left out of the snapshot (limit %d)", agentID, len(msg), limit)
			continue
		}
		out = append(out, msg)
	}
	return out
}

// marshalInteraction is how the snapshot encodes an interaction (tests replace it per hub).
func marshalInteraction(in *model.Interaction) (jsontext.Value, error) {
	data, err := json.Marshal(in)
	return jsontext.Value(data), err
}

// lastChange is when the agent's timeline last recorded a change of kind, or the zero time.
func lastChange(ag *model.Agent, kind model.ChangeKind) time.Time {
	for i := len(ag.Timeline) - 1; i >= 0; i-- {
		if ag.Timeline[i].Kind == kind {
			return ag.Timeline[i].At()
		}
	}
	if kind == model.ChangeLogin {
		return ag.FirstSeen
	}
	return time.Time{}
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
