package model

import (
	"fmt"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// The store's memory bound. The caps on counts (caps.go, retention) bound how many rows and agents
// a source can make the store keep; this bounds what they hold. Within the decoder's bounds on one
// interaction (decode_bounds.go) a row can still hold a few hundred kilobytes (256 parties, 1,024
// attachedData members, each a value of its own), and a timeline up to 500 changes: 100,000 open
// rows of them would be tens of gigabytes.
//
// The store keeps an estimate of what each row and each agent holds (Stats.Held): the row or agent
// itself, its snapshots with all their strings, lists and maps, its timeline and state history.
// Past the bound (WithMaxHeld), the ended rows are forgotten first, oldest first, as retention
// forgets them; while the rows that are not ended and the agents hold it all, an event that could
// add to them is refused (CapHeld) and only those that end interactions are taken, until some end.
// What one admitted event adds is bounded by its size (MaxMessage) and the decoder's bounds, so the
// estimate passes the bound by one event at most.

// DefaultMaxHeld is the store's memory bound by default: 1 GiB, over twice what the store holds at
// its caps on counts with the generator's interactions (about 2 KB a row with its timeline, 20 KB an
// agent with its floor records and a few hundred state changes: 100,000 open rows, 10,000 ended and
// 10,000 agents take some 440 MB).
const DefaultMaxHeld = 1 << 30

// WithMaxHeld sets the store's memory bound in bytes of its estimate (0: none).
func WithMaxHeld(n int64) Option { return func(s *Store) { s.maxHeld = max(n, 0) } }

// Sizes the estimate uses: a string or a slice header, a map's own, and a map entry's beyond its
// key's and value's headers and bytes: its slot's share of a table that may have just doubled, and
// the allocator's rounding of its two strings (TestHeldEstimate measures them).
const (
	strHeader   = int64(unsafe.Sizeof(""))
	sliceHeader = int64(unsafe.Sizeof([]byte(nil)))
	mapBytes    = 64
	entryBytes  = 48
)

// weighPayload records, in each interaction the payload holds, what it holds in memory: the
// decoder's last step, so that the store's writer does not walk it again.
func weighPayload(payload any) {
	switch p := payload.(type) {
	case *Interaction:
		p.held = interactionBytes(p)
	case *InteractionsState:
		for i := range p.Interactions {
			p.Interactions[i].held = interactionBytes(&p.Interactions[i])
		}
	}
}

// HeldBytes is what the event's decoded payload holds in memory, as the decoder estimated it for
// its interactions (0 for other payloads): for a reader that holds decoded events ahead of the
// store (a replay's read-ahead) and bounds them.
func (ev *Event) HeldBytes() int64 {
	switch p := ev.Payload.(type) {
	case *Interaction:
		return p.heldBytes()
	case *InteractionsState:
		n := int64(0)
		for i := range p.Interactions {
			n += p.Interactions[i].heldBytes()
		}
		return n
	}
	return 0
}

// heldBytes is what in holds in memory: recorded by the decoder, else estimated now (an interaction
// made otherwise, in a test).
func (in *Interaction) heldBytes() int64 {
	if in == nil {
		return 0
	}
	if in.held > 0 {
		return in.held
	}
	return interactionBytes(in)
}

// interactionBytes estimates the memory of an interaction: the struct, every string, list and map
// it holds, each list at its capacity.
func interactionBytes(in *Interaction) int64 {
	n := int64(unsafe.Sizeof(*in)) + int64(len(in.ID)+len(in.State)+len(in.Type)+len(in.Subject))
	for _, p := range [...]*string{in.PhoneNumber, in.Email, in.Description, in.Disposition,
		in.GlobalInteractionID, in.Service, in.PlaybackURL, in.RecordingURL, in.DNIS, in.ANI} {
		if p != nil {
			n += strHeader + int64(len(*p))
		}
	}
	if in.CallDirection != nil {
		n += strHeader + int64(len(*in.CallDirection))
	}
	if in.Origination != nil {
		n += strHeader + int64(len(*in.Origination))
	}
	for _, f := range [...]*float64{in.StartTime, in.EndTime, in.Duration} {
		if f != nil {
			n += 8
		}
	}
	n += int64(cap(in.CallParties)) * int64(unsafe.Sizeof(CallParty{}))
	for i := range in.CallParties {
		p := &in.CallParties[i]
		n += int64(len(p.ID)+len(p.Name)+len(p.Phone)) + extraBytes(p.Extra)
		if p.UserID != nil {
			n += strHeader + int64(len(*p.UserID))
		}
	}
	ao := &in.AssociatedObjects
	n += int64(cap(ao.List))*int64(unsafe.Sizeof(AssociatedObject{})) + int64(cap(ao.Selected)) + extraBytes(ao.Extra)
	for i := range ao.List {
		o := &ao.List[i]
		n += int64(len(o.ID)+len(o.Type)+len(o.DisplayName)+len(o.DisplayType)+cap(o.CustomFields)+cap(o.Source)) +
			extraBytes(o.Extra)
	}
	if in.AttachedData != nil {
		n += mapBytes
		for k, v := range in.AttachedData {
			n += 2*strHeader + entryBytes + int64(len(k)+len(v))
		}
	}
	return n + extraBytes(in.Extra)
}

// extraBytes estimates the memory of an Extra map: the members kept as they came.
func extraBytes(m map[string]jsontext.Value) int64 {
	if m == nil {
		return 0
	}
	n := int64(mapBytes)
	for k, v := range m {
		n += strHeader + sliceHeader + entryBytes + int64(len(k)+cap(v))
	}
	return n
}

// changeBytes is what one timeline entry holds beyond its text.
const changeBytes = int64(unsafe.Sizeof(Change{}))

// weigh is what the row holds: itself, its strings, its snapshots (Data, and Record when it is
// another) and its timeline. The snapshots' share is kept in snapHeld, set where they are assigned.
func (r *Row) weigh() int64 {
	return int64(unsafe.Sizeof(*r)) + int64(len(r.Key)+len(r.AgentID)+len(r.AudioAlert)) + r.snapHeld +
		int64(len(r.Timeline))*changeBytes + r.timelineText
}

// setSnapshots sets the row's snapshots and what they hold.
func (r *Row) setSnapshots(data, record *Interaction) {
	r.Data, r.Record = data, record
	r.snapHeld = data.heldBytes()
	if record != data {
		r.snapHeld += record.heldBytes()
	}
}

// weigh is what the agent holds: itself, its strings, its timeline and its state history.
func (ag *Agent) weigh() int64 {
	n := int64(unsafe.Sizeof(*ag)) + int64(len(ag.ID)+len(ag.Username)+len(ag.SessionID)+len(ag.Reason)+
		len(ag.ActiveInteraction)+len(ag.AudioAlert)+len(ag.DesktopReason))
	if ag.Screen != nil {
		n += int64(unsafe.Sizeof(*ag.Screen))
	}
	return n + int64(len(ag.Timeline))*changeBytes + ag.timelineText +
		int64(len(ag.States))*int64(unsafe.Sizeof(StateSpan{})) + ag.spanText
}

// agentWeight is what the agent holds (weigh) and what the floor statistics hold for it.
func (s *Store) agentWeight(ag *Agent) int64 { return ag.weigh() + s.floor.agentBytes(ag.ID) }

// reweigh counts the agent again in Stats.Held, once it has changed.
func (s *Store) reweigh(ag *Agent) {
	w := s.agentWeight(ag)
	if w != ag.held {
		s.heldGen++
	}
	s.stats.Held += w - ag.held
	s.stats.HeldAgents += w - ag.held
	ag.held = w
}

// agentBytes is what the floor statistics hold for agent id: its record and ring, and a record and a
// ring for each not-ready reason it keeps (at most maxFloorReasons and the rest).
func (f *FloorStats) agentBytes(id string) int64 {
	a := f.agents[id]
	if a == nil {
		return 0
	}
	perReason := strHeader + 8 + entryBytes + int64(unsafe.Sizeof(reasonRec{})) + ringBytes[span](f.nb)
	return int64(unsafe.Sizeof(*a)) + int64(len(a.reason)) + ringBytes[vec](f.nb) + int64(len(a.reasons))*perReason +
		a.reasonBytes
}

// ringBytes is what a bucket ring of slots buckets holds once it is written.
func ringBytes[V summable[V]](slots int) int64 {
	return int64(slots/ringPageSlots) * (8 + int64(unsafe.Sizeof(ringPage[V]{})))
}

// The agents' history kept past the bound (trimAgents): their latest changes and state spans.
const (
	keepAgentTimeline = 32
	keepAgentSpans    = 64
)

// trimAgents forgets the agents' older history, the memory bound's second resort after the ended
// rows: every agent keeps its latest keepAgentTimeline changes and keepAgentSpans state spans. It
// runs near the bound (nearHeld, from evict) when the agents hold more than a quarter of it,
// and again only once they have grown by a sixteenth of it since (each run reads every agent).
func (s *Store) trimAgents() {
	if s.stats.HeldAgents <= s.maxHeld/4 || s.stats.HeldAgents <= s.trimmedTo+s.maxHeld/16 {
		return
	}
	for _, id := range s.agentOrder {
		if as := s.agents[id]; longHistory(as.ag) {
			ag := s.ownAgent(as)
			trimHistory(ag)
			s.reweigh(ag)
		}
	}
	s.trimmedTo = s.stats.HeldAgents
	s.stats.Trimmed++
}

// longHistory reports whether the agent keeps more history than the bound's trims leave.
func longHistory(ag *Agent) bool {
	return len(ag.Timeline) > keepAgentTimeline || len(ag.States) > keepAgentSpans
}

// trimHistory keeps the agent's latest keepAgentTimeline changes and keepAgentSpans state spans.
func trimHistory(ag *Agent) {
	if len(ag.Timeline) > keepAgentTimeline {
		ag.Timeline = keepChanges(ag.Timeline, keepAgentTimeline, &ag.timelineText)
	}
	if len(ag.States) > keepAgentSpans {
		ag.States = keepSpans(ag.States, keepAgentSpans, &ag.spanText)
	}
}

// weighRow adds (d = +1) or takes away (d = -1) the row's share of Stats.Held: the share it had
// when it was added, so that the two always match.
func (s *Store) weighRow(r *Row, d int) {
	if d > 0 {
		r.held = r.weigh()
	}
	s.stats.Held += int64(d) * r.held
	if r.Ended {
		s.stats.HeldEnded += int64(d) * r.held
	}
}

// overHeld reports whether the store holds more than its bound.
func (s *Store) overHeld() bool { return s.maxHeld > 0 && s.stats.Held > s.maxHeld }

// nearHeld reports whether the store is past its bound or crowded: where evict has work beyond
// retention's.
func (s *Store) nearHeld() bool { return s.overHeld() || s.crowded() }

// crowded reports whether the rows not removed and the agents hold three quarters of the bound or
// more: from there on each agent adds rows only within its share (admitHeld).
func (s *Store) crowded() bool {
	return s.maxHeld > 0 && s.stats.Held-s.stats.HeldEnded >= s.maxHeld-s.maxHeld/4
}

// rowShare is what each of agents agents' rows may hold once the store is crowded: of the bound's
// first three quarters, what the agents themselves do not hold, divided among them. The last
// quarter is left to the agents under their share (new ones too).
func (s *Store) rowShare(agents int) int64 {
	return max(s.maxHeld-s.maxHeld/4-s.stats.HeldAgents, 0) / int64(max(agents, 1))
}

// admitHeld refuses an event that could add to what the store holds while the rows retention cannot
// forget and the agents hold its bound already. The events of a known agent that end interactions
// are taken, and those that trail the end of one the bound made the store forget (an activity
// record, a last snapshot): they are dropped as stale, as after retention. Nothing makes a new agent.
//
// From three quarters of the bound on (crowded), an event adds to its agent's rows only within the
// agent's share (rowShare): a few agents that never end their interactions (a hostile bridge within
// the hub's caps) are held to their shares there, and leave the rest of the bound to the others, a
// new agent too. At the bound, an agent within its share is taken while the agents over their shares
// can give back what it adds (held_reclaim.go). The agents' own records and history are bounded apart
// (trimAgents). reclaim says an event taken at the bound, after which apply reclaims.
func (s *Store) admitHeld(ev Event) (reclaim bool, err error) {
	if !s.crowded() {
		return false, nil
	}
	if _, end := ev.Payload.(ResyncEnd); end {
		return false, nil // the hub's word that a snapshot is over: it ends the rows of agents it left out
	}
	as := s.agents[ev.AgentID]
	adds := ev.HeldBytes()
	if as != nil {
		switch p := ev.Payload.(type) {
		case *Desktop:
			if p.Status == DesktopGone {
				return false, nil // it ends the agent's rows
			}
		case *Interaction:
			if ev.Type == EvInteractionRemoved || p.State.Ends() && ev.Type == EvInteractionStateChange ||
				!opens(ev.Type, p) && s.forgotten.has(RowKey(ev.AgentID, p.ID)) {
				return false, nil
			}
		case *InteractionsState:
			// A snapshot whose interactions hold no more than the agent's rows' snapshots replaces
			// them (and ends those it leaves out): a desktop back after a disconnect tells what
			// ended meanwhile.
			if adds -= as.snap; adds <= 0 {
				return false, nil
			}
		}
	}
	used := s.stats.Held - s.stats.HeldEnded
	agents, rows := len(s.agents), int64(0)
	if as == nil {
		agents++
	} else {
		rows = as.rows
	}
	share := s.rowShare(agents)
	if used >= s.maxHeld {
		// An agent within its share is taken while the agents over theirs hold what it adds beyond
		// them (a new agent's records too): apply then ends their oldest interactions (reclaim), so
		// that the store leaves the bound, even when the event adds nothing (a change repeated).
		// Nothing else adds at the bound.
		if adds > 0 && opensRows(ev) && rows+adds <= share && s.overShare() >= adds+s.newAgentBytes(as, ev.AgentID) {
			return true, nil
		}
		return false, &CapError{Cap: CapHeld, Agent: ev.AgentID, N: int(used), Limit: int(s.maxHeld),
			AgentsHeld: int(s.stats.HeldAgents)}
	}
	if adds == 0 {
		return false, nil // no rows: the agent's own records, which trimAgents bounds
	}
	if rows+adds > share {
		return false, &CapError{Cap: CapShare, Agent: ev.AgentID, N: int(rows + adds), Limit: int(s.maxHeld), Agents: agents,
			AgentsHeld: int(s.stats.HeldAgents), Share: int(share), Holds: int(rows)}
	}
	return false, nil
}

// heldText says a memory figure for a CapHeld refusal.
func heldText(n int) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
