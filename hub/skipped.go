package hub

import (
	"errors"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// skipped publishes the hub's DESKWATCH_SKIPPED in the place of a bridge's event it rejected over
// one of its limits (err, a *limitError): for an event with a seq, of an agent the connection
// publishes for and the floor holds (an agent refused by a cap, or not allowed to the
// token, says nothing). Monitors and
// the floor then count that seq as arrived, not lost, and list the hub's reason with the rejected
// messages. It costs the log and the monitors what a small event costs: the bridge's rejected
// events are bounded as its accepted ones are.
func (h *Hub) skipped(b *bridgeConn, ev model.Event, err error) {
	var le *limitError
	if !ev.HasSeq || !b.agents[ev.AgentID] || !errors.As(err, &le) || le.reason == "agent-cap" {
		return // the floor has no such agent to count the seq of
	}
	at := ev.TS // in the stream's event time, where the event would have been
	if at.IsZero() {
		at = time.Now()
	}
	params, err := json.Marshal([]model.Skipped{{Reason: le.reason, Text: model.Sanitize(le.msg)}})
	if err != nil {
		return
	}
	data := model.AppendEvent(nil, model.EvSkipped, ev.AgentID, millis(at), ev.Seq, params)
	sk, err := model.Decode(data)
	if err == nil {
		_, err = h.publish(b.session, data, sk)
	}
	if err != nil {
		h.log.Printf("ingest conn %d msg %d (agent %s): its rejection not said to monitors: %s", b.id, b.msgs,
			logValue(ev.AgentID), logText(err.Error()))
	}
}
