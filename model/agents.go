package model

import (
	"slices"
	"time"
)

// The writer's handles on agents: an agent to change, and each agent's rows read on their own.

// agentSlot is the writer's handle on an agent, like slot.
type agentSlot struct {
	ag    *Agent
	epoch uint64
	// rows is what the agent's rows not removed hold (Row.held), snap what their snapshots hold
	// (Row.snapHeld): what its share of the memory bound is counted against (held.go).
	rows, snap int64
	// slots are its rows' slots in order of insertion (addSlot), the evicted ones dropped from the
	// front as they go (dropEvicted) and from anywhere when the list is read (agentRows) or has
	// doubled (addSlot): what ends or freezes one agent's rows reads them, not every row.
	// compactAt is the length at which addSlot drops the evicted ones.
	slots     []*slot
	compactAt int
}

// touchAgent returns the agent to change (creating it on first sight): a copy when readers may
// have seen the current one, else the current one itself.
func (s *Store) touchAgent(id string, at time.Time, v uint64) *Agent {
	as := s.agentSlot(id)
	if as == nil {
		as = &agentSlot{ag: &Agent{ID: id, FirstSeen: at}, epoch: s.epoch}
		s.agents[id] = as
		s.agentOrder = append(s.agentOrder, id)
		s.heldGen++ // the agents share the bound among one more (held_reclaim.go)
	}
	ag := s.ownAgent(as)
	ag.LastEvent, ag.Version = at, v
	return ag
}

// agentSlot is s.agents[id], the last one looked up kept at hand.
func (s *Store) agentSlot(id string) *agentSlot {
	if as := s.lastAgent; as != nil && as.ag.ID == id {
		return as
	}
	as := s.agents[id]
	if as != nil {
		s.lastAgent = as
	}
	return as
}

// ownAgent returns the slot's agent to change: a copy when readers may have the current one (it is
// older than the store's epoch), else the current one itself.
func (s *Store) ownAgent(as *agentSlot) *Agent {
	if as.epoch != s.epoch {
		ag := *as.ag
		if as.epoch < s.fork { // other writers may append to its slices too (checkpoint.go)
			ag.Timeline, ag.States = slices.Clip(ag.Timeline), slices.Clip(ag.States)
		}
		as.ag, as.epoch = &ag, s.epoch
	}
	return as.ag
}

// agentRows returns the agent's open rows that match (all of them for a nil match), and those the
// memory bound ended (their own end is still to come: Row.Reclaimed), in order of insertion,
// dropping the slots evicted since it last read them.
func (s *Store) agentRows(id string, match func(*Row) bool) []*slot {
	as := s.agents[id]
	if as == nil {
		return nil
	}
	var out []*slot
	live := as.slots[:0]
	for _, sl := range as.slots {
		if sl.gone {
			continue
		}
		live = append(live, sl)
		if (!sl.row.Ended || sl.row.Reclaimed) && (match == nil || match(sl.row)) {
			out = append(out, sl)
		}
	}
	clear(as.slots[len(live):])
	as.slots = live
	return out
}

// addSlot puts a new row's slot at the end of its agent's list, first dropping the evicted ones
// once the list has doubled since the last time (a long replay of one agent's interactions).
func (s *Store) addSlot(sl *slot) {
	as := s.agentSlot(sl.row.AgentID)
	if as == nil {
		return
	}
	if len(as.slots) >= as.compactAt {
		s.agentRows(sl.row.AgentID, func(*Row) bool { return false })
		as.compactAt = max(2*len(as.slots), 64)
	}
	as.slots = append(as.slots, sl)
}

// dropEvicted drops the evicted slots at the front of the agent's list: rows go oldest first, so
// that an evicted row keeps nothing alive there.
func (s *Store) dropEvicted(agentID string) {
	if as := s.agentSlot(agentID); as != nil {
		for len(as.slots) > 0 && as.slots[0].gone {
			as.slots[0], as.slots = nil, as.slots[1:]
		}
	}
}
