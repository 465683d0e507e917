package hub

import (
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// wireEvent is an event the hub writes itself (a new monitor's snapshot), in PROTOCOL.md's shape.
type wireEvent struct {
	Type    string `json:"type"`
	Params  []any  `json:"params"`
	AgentID string `json:"agentId,omitempty"`
	TS      int64  `json:"ts,omitempty"`
	Seq     *int64 `json:"seq,omitempty"`
}

type wireLogin struct {
	IsLoggedIn bool   `json:"isLoggedIn"`
	AgentID    string `json:"agentId,omitempty"`
	Username   string `json:"username,omitempty"`
	SessionID  string `json:"sessionId,omitempty"`
}

type wireState struct {
	ActiveInteractionID *string              `json:"activeInteractionId"`
	Interactions        []*model.Interaction `json:"interactions"`
}

// resyncMessages describes the store's current state as events, for a monitor that has just
// subscribed: per agent its login, state and screen recording when known, one INTERACTIONS_STATE
// with its open interactions (the resync the monitor's WebSocket feed expects), and the audio
// alerts of those calls. Each carries the time it describes (the state's start, for instance) and
// the agent's last seq, so the first live event after it does not look like a gap.
func resyncMessages(sn *model.Snapshot, f *filter) [][]byte {
	open := make(map[string][]*model.Row)
	for _, r := range sn.Rows {
		if !r.Ended {
			open[r.AgentID] = append(open[r.AgentID], r)
		}
	}
	var out [][]byte
	for _, ag := range sn.Agents {
		if !f.agentPasses(ag.ID) {
			continue
		}
		for _, ev := range agentEvents(ag, open[ag.ID], f) {
			data, err := json.Marshal(ev)
			if err == nil {
				out = append(out, data)
			}
		}
	}
	return out
}

func agentEvents(ag *model.Agent, rows []*model.Row, f *filter) []wireEvent {
	var seq *int64
	if ag.HasSeq {
		seq = &ag.LastSeq
	}
	ev := func(typ string, at time.Time, params ...any) wireEvent {
		if params == nil {
			params = []any{}
		}
		return wireEvent{Type: typ, Params: params, AgentID: ag.ID, TS: millis(at), Seq: seq}
	}
	var out []wireEvent
	switch {
	case ag.LoggedIn:
		out = append(out, ev(model.EvLogin, lastChange(ag, model.ChangeLogin),
			wireLogin{IsLoggedIn: true, AgentID: ag.ID, Username: ag.Username, SessionID: ag.SessionID}))
	case !lastChange(ag, model.ChangeLogout).IsZero():
		out = append(out, ev(model.EvLogout, lastChange(ag, model.ChangeLogout)))
	}
	if ag.State != "" {
		params := []any{ag.State}
		if ag.State == model.AgentNotReady && ag.Reason != "" {
			params = append(params, ag.Reason)
		}
		out = append(out, ev(model.EvAgentStateChange, ag.Since, params...))
	}
	if ag.Screen != nil {
		out = append(out, ev(model.EvScreenRecording, ag.LastEvent, *ag.Screen))
	}
	st := wireState{Interactions: []*model.Interaction{}}
	if ag.ActiveInteraction != "" {
		st.ActiveInteractionID = &ag.ActiveInteraction
	}
	var alerts []wireEvent
	for _, r := range rows {
		if !f.interactionPasses(ag.ID, r.Data) {
			continue
		}
		st.Interactions = append(st.Interactions, r.Data)
		if r.AudioAlert != "" {
			alerts = append(alerts, ev(model.EvAudioQualityAlert, ag.LastEvent, r.Data.ID, r.AudioAlert))
		}
	}
	out = append(out, ev(model.EvInteractionsState, ag.LastEvent, st))
	return append(out, alerts...)
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
