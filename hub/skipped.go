package hub

import (
	"errors"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// The hub's DESKWATCH_SKIPPED stands in the place of a bridge's event it rejected over one of its
// limits (a *limitError but the cap on agents), for an event with a seq of an agent the floor
// holds: monitors and the floor then count that seq as arrived, not lost, and list the hub's reason
// with the rejected messages. An agent the floor does not hold (refused by a cap, or whose first
// event was the one rejected) gets none: nothing counts its seq, and a marker for each new agent
// id would let a bridge write the log and the floor's session records without bound. A marker is
// a small event of its own (a few hundred bytes, its text the rejection's), one a rejected message:
// a bridge's rejected messages cost the log and the monitors no more than its accepted ones can.

// skippedEvent is the DESKWATCH_SKIPPED for ev, rejected with err, when one is said.
func skippedEvent(ev model.Event, err error) ([]byte, model.Event, bool) {
	var le *limitError
	if !ev.HasSeq || !errors.As(err, &le) || le.reason == "agent-cap" {
		return nil, model.Event{}, false
	}
	at := ev.TS // in the stream's event time, where the event would have been
	if at.IsZero() {
		at = time.Now()
	}
	data, err := appendMarker(model.EvSkipped, ev.AgentID, millis(at), ev.Seq,
		model.Skipped{Reason: le.reason, Text: model.Sanitize(le.msg)})
	if err != nil {
		return nil, model.Event{}, false
	}
	sk, err := model.Decode(data)
	return data, sk, err == nil
}

// appendMarker is one of the hub's own events (DESKWATCH_SKIPPED, DESKWATCH_RECLAIMED): agent's, at
// ts (Unix ms), with seq (model.NoSeq for none), its one argument arg.
func appendMarker(typ, agent string, ts, seq int64, arg any) ([]byte, error) {
	params, err := json.Marshal([]any{arg})
	if err != nil {
		return nil, err
	}
	return model.AppendEvent(nil, typ, agent, ts, seq, params), nil
}

// skipped publishes the marker of a bridge's event rejected at ingest, for an agent the connection
// publishes for. With a log the floor may not hold the agent yet (its first events still on their
// way): the apply loop then drops the marker (floor.apply).
func (h *Hub) skipped(b *bridgeConn, ev model.Event, err error) {
	if !b.agents[ev.AgentID] || !h.store.Knows(ev.AgentID) {
		return
	}
	data, sk, ok := skippedEvent(ev, err)
	if !ok {
		return
	}
	if _, err := h.publish(b.session, data, sk); err != nil {
		h.log.Printf("ingest conn %d msg %d (agent %s): its rejection not said to monitors: %s", b.id, b.msgs,
			logValue(ev.AgentID), logText(err.Error()))
	}
}

// skippedLocked applies and relays, with h.mu held, the marker of an event of the log the floor
// refused when it applied it (a cap reached after the event was checked): every hub on the log
// refuses it alike, and says so alike.
func (h *Hub) skippedLocked(session string, ev model.Event, err error, received time.Time) {
	if data, sk, ok := skippedEvent(ev, err); ok {
		_, _ = h.applyLocked(session, data, sk, received)
	}
}

// passSkipped is filter.pass for a DESKWATCH_SKIPPED to a monitor with a service filter: the
// rejected event may have been of another service's interaction, and the rejection's text names
// interactions and what the agent holds in every service, so the monitor gets the marker with its
// reason alone, and no seq (it is sent none: streamWriter.live).
func (f *filter) passSkipped(ev model.Event, sk *model.Skipped) ([]byte, bool, error) {
	if !f.agentLevelPasses(ev.AgentID) {
		return nil, false, nil
	}
	data, err := appendMarker(model.EvSkipped, ev.AgentID, millis(ev.TS), model.NoSeq, model.Skipped{Reason: sk.Reason})
	return data, err == nil, err
}
