package model

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// EvSkipped is the hub's word that it rejected one of an agent's events (a limit of its own: the
// memory bound, a cap on interactions or parties, an interaction too large). It carries the
// rejected event's agentId and seq, so that a reader counts that seq as arrived, not lost, and the
// hub's reason; a reader lists it with the rejected messages. The hub writes it in the event's place in
// its stream; a bridge may not send it.
const EvSkipped = "DESKWATCH_SKIPPED"

// maxSkippedReason bounds the reason kept from a DESKWATCH_SKIPPED.
const maxSkippedReason = 512

// Skipped is DESKWATCH_SKIPPED's argument: why the hub rejected the event (its metric's reason, as
// "memory-share", and its log's words).
type Skipped struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

func decodeSkipped(params []jsontext.Value) (*Skipped, error) {
	var sk Skipped
	if err := param(params, 0, &sk); err != nil {
		return nil, err
	}
	sk.Reason, sk.Text = clipText(Sanitize(sk.Reason), 64), clipText(Sanitize(sk.Text), maxSkippedReason)
	return &sk, nil
}

// SkippedReason is what the rejected log says of a DESKWATCH_SKIPPED of agent's event seq.
func SkippedReason(sk *Skipped, agent string, seq int64, hasSeq bool) string {
	what := "an event"
	if hasSeq {
		what = fmt.Sprintf("event seq %d", seq)
	}
	text := fmt.Sprintf("rejected by the hub (%s): agent %q's %s", sk.Reason, agent, what)
	if sk.Text != "" {
		text += ": " + sk.Text
	}
	return text
}

// skip takes a DESKWATCH_SKIPPED (s.mu held): listed with the rejected messages, its seq counted
// as arrived for a known agent. It never makes an agent and is never refused.
func (s *Store) skip(ev Event, sk *Skipped, at time.Time) {
	s.rejectLocked(Origin{}, SkippedReason(sk, ev.AgentID, ev.Seq, ev.HasSeq), nil, at, ev.AgentID, ev.Seq, ev.HasSeq)
}
