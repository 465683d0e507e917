package hub

import "github.com/deskwatch/deskwatch/model"

// The hub's DESKWATCH_RECLAIMED tells its monitors which interactions its floor's memory bound ended
// (model/held_reclaim.go) as the event that made it do so is relayed: a monitor following live
// ends them too, as the hub's snapshot for a new monitor leaves them out, rather than keep them
// open until its own bound does the same. Each hub on a log says what its own floor reclaimed to its
// own monitors (its estimate of what the floor holds can differ from another's: a floor started from
// a checkpoint holds shorter timelines); the markers are not in the log. A monitor with a service
// filter gets the interactions it was sent (filter.pass); one reading history those its copy of the
// floor reclaims (history.go).

// reclaimedBytes bounds the interaction ids one marker names by their bytes, as MaxReclaimedIDs
// by their number: a marker stays far below a monitor's --max-message.
const reclaimedBytes = 64 << 10

// reclaimedEvents makes the markers of what the floor's last event reclaimed, each at the time the
// floor ended its agent's interactions (the agent's own, not the triggering event's: that is
// another agent's, which its bridge chose).
func reclaimedEvents(rcs []model.Reclaim) (out []*liveMsg) {
	for _, rc := range rcs {
		ids := rc.Interactions
		for len(ids) > 0 {
			n, size := 0, 0
			for n < len(ids) && n < model.MaxReclaimedIDs && size+len(ids[n]) <= reclaimedBytes {
				size += len(ids[n])
				n++
			}
			n = max(n, 1)
			data, err := appendMarker(model.EvReclaimed, rc.Agent, millis(rc.At), model.NoSeq,
				model.Reclaimed{Interactions: ids[:n], Text: rc.Text})
			ids = ids[n:]
			if err != nil {
				continue
			}
			if ev, err := model.Decode(data); err == nil {
				out = append(out, &liveMsg{ev: ev, data: data})
			}
		}
	}
	return out
}

// relayReclaimedLocked relays, with h.mu held, the markers of what the floor's last event
// reclaimed.
func (h *Hub) relayReclaimedLocked() {
	rcs := h.store.LastReclaimed()
	if len(rcs) == 0 {
		return
	}
	for _, m := range reclaimedEvents(rcs) {
		h.streams.Broadcast(m.ev.AgentID, m, len(m.data))
	}
}

// passReclaimed is filter.pass for a DESKWATCH_RECLAIMED to a monitor with a service filter: it
// names only the interactions the monitor was sent (their ids are the agent's business beyond
// that), which it forgets: they ended; and without its text, which says what the agent held in
// every service.
func (f *filter) passReclaimed(ev model.Event, rc *model.Reclaimed) ([]byte, bool, error) {
	ids := make([]string, 0, len(rc.Interactions))
	for _, id := range rc.Interactions {
		if f.passed[ev.AgentID][id] {
			ids = append(ids, id)
			f.forget(ev.AgentID, id)
		}
	}
	if len(ids) == 0 {
		return nil, false, nil
	}
	data, err := appendMarker(model.EvReclaimed, ev.AgentID, millis(ev.TS), model.NoSeq,
		model.Reclaimed{Interactions: ids})
	return data, err == nil, err
}
