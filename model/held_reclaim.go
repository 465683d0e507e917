package model

import (
	"cmp"
	"container/heap"
	"fmt"
	"time"
	"unsafe"
)

// Reclaiming the bound from the agents over their shares. The share rule (admitHeld) holds an agent
// to its share only once the store is crowded: what agents took before then stays theirs, so a few
// agents that never end their interactions can hold three quarters of the bound, and many others
// fill the last quarter between them, each within its share. At the bound an agent within its share
// is then still taken, while the agents over their shares hold at least what it adds beyond them:
// once it is applied, the oldest interactions of the agents furthest over their shares are ended
// ("ended at the memory bound"), each agent's until it holds no more than its share (the last one
// ended may take it below: interactions are ended whole), until the store is a 256th under its
// bound (so that the next events are taken without another pass), and forgotten as ended rows are.
// Max-min fairness: the agents that hold the most give back first.
//
// What the agents' own records add (logins, states, a desktop's comings and goings) never ends
// interactions: reclaim follows an event that added to the rows past the bound, or one taken at the
// bound by the rule above. Those records are bounded by trimAgents, which runs again once they have
// grown by a sixteenth of the bound, so the events exempt at the bound (those that end
// interactions, a desktop gone) can take the store past it by that much.

// reclaimSlack is how far under the bound a reclaim takes the store: a 256th of it (4 MiB of the
// default bound, a few thousand interactions ended in one pass, which reads every agent once), so
// that the passes are few and each holds the store's lock briefly.
func (s *Store) reclaimSlack() int64 { return s.maxHeld / 256 }

// overCache keeps overShare's answer while nothing it reads has changed (Store.heldGen).
type overCache struct {
	ok  bool
	gen uint64
	n   int64
}

// overShare is what the agents' rows hold beyond their shares (rowShare), altogether: what a
// reclaim can take back. It reads every agent, once for each change of the rows or the agents.
func (s *Store) overShare() int64 {
	if s.over.ok && s.over.gen == s.heldGen {
		return s.over.n
	}
	share, n := s.rowShare(len(s.agents)), int64(0)
	for _, as := range s.agents {
		n += max(as.rows-share, 0)
	}
	s.over = overCache{ok: true, gen: s.heldGen, n: n}
	return n
}

// newAgentBytes is what a new agent id will hold once it is made (its own record and its floor
// record), nothing for a known agent (as not nil).
func (s *Store) newAgentBytes(as *agentSlot, id string) int64 {
	if as != nil {
		return 0
	}
	n := int64(unsafe.Sizeof(Agent{})) + int64(len(id))
	if !s.floor.off {
		n += int64(unsafe.Sizeof(agentRec{})) + ringBytes[vec](s.floor.nb)
	}
	return n
}

// rowsHeld is what the rows not removed hold.
func (s *Store) rowsHeld() int64 { return s.stats.Held - s.stats.HeldEnded - s.stats.HeldAgents }

// pastHeld reports whether the rows not removed and the agents hold more than the bound.
func (s *Store) pastHeld() bool {
	return s.maxHeld > 0 && s.stats.Held-s.stats.HeldEnded > s.maxHeld
}

// opensRows reports whether ev opens or changes interactions (a snapshot, a new one, a change to
// one not completed): at the bound only those are taken with room reclaimed for them, since
// reclaim follows what the rows gained (a removal or an activity record of an interaction not known
// adds an ended row, and a new agent's records, which no reclaim would answer).
func opensRows(ev Event) bool {
	if in, ok := ev.Payload.(*Interaction); ok {
		return opens(ev.Type, in)
	}
	return true
}

// reclaimWhy says why the store ends an agent's interactions at the bound; the timeline of each
// says "ended at the memory bound " and it (a hub's monitors: "ended at the hub's memory bound ").
func reclaimWhy(held, share, bound int64) string {
	return fmt.Sprintf("(--max-memory %s): its agent's interactions held %s, over the agent's share of %s, and "+
		"another agent's needed the room", heldText(int(bound)), heldText(int(held)), heldText(int(share)))
}

// reclaim ends the oldest interactions of the agents over their shares, those furthest over first,
// each until it holds no more than its share, until the store is reclaimSlack under its bound
// (apply calls it once an event that added rows has taken the store past the bound, or after one
// taken at the bound). Each agent's end at its own time (its last event's, Reclaim.At), not at,
// the time of the event that needed the room: that is another agent's, which its bridge chose.
func (s *Store) reclaim(at time.Time, typ string) {
	share, target := s.rowShare(len(s.agents)), s.maxHeld-s.reclaimSlack()
	if s.stats.Held-s.stats.HeldEnded <= target {
		return
	}
	var over overHeap
	for _, as := range s.agents {
		if as.rows > share {
			over = append(over, as)
		}
	}
	heap.Init(&over) // the few furthest over are taken from thousands: no sort of them all
	for over.Len() > 0 && s.stats.Held-s.stats.HeldEnded > target {
		as := heap.Pop(&over).(*agentSlot)
		why := reclaimWhy(as.rows, share, s.maxHeld)
		rc := Reclaim{Agent: as.ag.ID, At: cmp.Or(as.ag.LastEvent, at), Reclaimed: Reclaimed{Text: why}}
		for _, sl := range s.agentRows(as.ag.ID, nil) {
			if as.rows <= share || s.stats.Held-s.stats.HeldEnded <= target {
				break
			}
			if sl.row.Ended {
				continue // reclaimed before (agentRows lists those too)
			}
			rc.Interactions = append(rc.Interactions, sl.row.Data.ID)
			s.end(sl, boundEnd(sl.row, rc.At), "ended at the memory bound "+why, typ, endedByBound)
			s.stats.Reclaimed++
		}
		if len(rc.Interactions) > 0 {
			s.lastReclaim = append(s.lastReclaim, rc)
		}
	}
}

// boundEnd is when the memory bound ends r at its agent's time when: then, or at the row's last
// change if later (an agent's events need not come in order of time).
func boundEnd(r *Row, when time.Time) time.Time {
	if n := len(r.Timeline); n > 0 && r.Timeline[n-1].At().After(when) {
		return r.Timeline[n-1].At()
	}
	return when
}

// endReclaimed counts, on r (being edited: count(r, +1) follows), the end of an interaction the
// bound had ended (Row.Reclaimed): its removal or completion, its desktop gone, a resync that no
// longer lists it (text says which), which the bound's end left uncounted,
// now counted at at, in the floor statistics and its agent's Handled, as any end. Once the bound
// has forgotten the row (an ended row goes first past the bound), its end is not counted.
func (s *Store) endReclaimed(r *Row, at time.Time, text, typ string) {
	r.Reclaimed, r.statsEnded, r.EndedAt = false, false, at
	r.Timeline = addChanges(r.Timeline, &r.timelineText, NewChange(at, ChangeEnded, text+" (after the memory bound had ended it)", typ))
	if as := s.agentSlot(r.AgentID); as != nil {
		ag := s.ownAgent(as)
		ag.Handled++
		s.reweigh(ag)
	}
}

// overHeap orders agents by what their rows hold, the most first (their ids break ties).
type overHeap []*agentSlot

func (h overHeap) Len() int { return len(h) }
func (h overHeap) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[j].rows, h[i].rows), cmp.Compare(h[i].ag.ID, h[j].ag.ID)) < 0
}
func (h overHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *overHeap) Push(x any)   { *h = append(*h, x.(*agentSlot)) }
func (h *overHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
