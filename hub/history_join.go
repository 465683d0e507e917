package hub

import (
	"context"
	"errors"
)

// A monitor reading history joins the live monitors at the message of the log it has read last,
// when the hub's floor has applied that message and no later one: from the next one on, the fan
// sends it what every monitor gets, with nothing missed nor sent twice. When the floor is behind
// (the apply loop has yet to get there), the monitor waits for it, following the log on: the apply
// loop joins it when it applies that message (joinWaitingLocked) and wakes it, so that a monitor
// that has read to the end of a quiet log joins all the same. When the floor is ahead, the monitor
// reads on, and tries again after the next message it reads.

// errCaughtUp ends a history monitor's reading of the log: it has joined the live monitors.
var errCaughtUp = errors.New("caught up with the floor")

// historyJoin is one history monitor's place among those waiting to join: the message it read last
// (seq), and, once the apply loop has joined it, joined; wake stops its reading of the log. Guarded
// by h.mu.
type historyJoin struct {
	s      *subscriber
	seq    uint64
	joined bool
	wake   context.CancelFunc
}

// joinOrWait joins j's monitor to the live monitors when the floor has applied message seq and no
// later one; when the floor has not got there yet, it leaves j to the apply loop (waiting). It
// reports whether the monitor joined.
func (h *Hub) joinOrWait(j *historyJoin, seq uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch at := h.lg.seq; {
	case at == seq:
		return h.joinLocked(j)
	case at < seq:
		j.seq = seq
		h.lg.waiting[j] = struct{}{}
	}
	return false
}

// unwait takes j from the monitors waiting to join, reporting whether it has joined meanwhile.
func (h *Hub) unwait(j *historyJoin) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.lg.waiting, j)
	return j.joined
}

// joinLocked joins j's monitor to the live monitors (h.mu is held), routed by its filter's agents.
func (h *Hub) joinLocked(j *historyJoin) bool {
	j.s.Keys = j.s.filter.agentKeys()
	j.joined = h.streams.JoinLocked(j.s.Subscriber)
	return j.joined
}

// joinWaitingLocked joins the waiting monitors that read to the message the floor has just applied,
// and wakes them from their reading of the log; one that read to a message the floor has passed
// (a gap in the log) reads on (h.mu is held).
func (h *Hub) joinWaitingLocked() {
	for j := range h.lg.waiting {
		if j.seq > h.lg.seq {
			continue // the floor is not there yet
		}
		if j.seq == h.lg.seq {
			h.joinLocked(j)
			j.wake()
		}
		delete(h.lg.waiting, j)
	}
}
