package model

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// The events a hub adds to the stream it relays: whether an agent's desktop is connected to it,
// and where the snapshot a monitor receives on connecting ends. They carry no seq, so that they
// never disturb the agent's own count.
const (
	EvDesktop   = "DESKWATCH_DESKTOP"
	EvResyncEnd = "DESKWATCH_RESYNC_END"
)

// DesktopStatus is what a hub says of an agent's desktop; empty when nothing was said (a stream
// straight from one desktop, or from a hub that does not say).
type DesktopStatus string

// The desktop statuses of DESKWATCH_DESKTOP.
const (
	DesktopConnected    DesktopStatus = "connected"
	DesktopDisconnected DesktopStatus = "disconnected"
	DesktopGone         DesktopStatus = "gone"
)

// maxDesktopReason and maxDesktopHub bound the reason and the hub's name kept from a
// DESKWATCH_DESKTOP.
const (
	maxDesktopReason = 200
	maxDesktopHub    = 64
)

// Desktop is DESKWATCH_DESKTOP's argument.
type Desktop struct {
	Status DesktopStatus `json:"status"`
	Reason string        `json:"reason"`
	// Hub, on "connected", names the hub (its cluster server name) that said it: the one whose
	// bridge connection holds the desktop. Empty in older logs and from a hub without a name.
	Hub string `json:"hub,omitempty"`
}

// ResyncEnd is DESKWATCH_RESYNC_END's (empty) payload.
type ResyncEnd struct{}

// goneAtResync is the end of a row, and the reason an agent is gone, when a resync leaves it out.
const goneAtResync = "gone at resync"

func decodeDesktop(params []jsontext.Value) (*Desktop, error) {
	var d Desktop
	if err := param(params, 0, &d); err != nil {
		return nil, err
	}
	switch d.Status {
	case DesktopConnected, DesktopDisconnected, DesktopGone:
	default:
		return nil, reject("params[0].status: want connected, disconnected or gone, got %q",
			clipText(string(d.Status), 64))
	}
	d.Reason = clipText(d.Reason, maxDesktopReason)
	d.Hub = clipText(Sanitize(d.Hub), maxDesktopHub)
	return &d, nil
}

func decodeResyncEnd(params []jsontext.Value) (ResyncEnd, error) {
	if len(params) != 0 {
		return ResyncEnd{}, reject("params: want none, got %d argument(s)", len(params))
	}
	return ResyncEnd{}, nil
}

// BeginResync tells the store that its source has just (re)connected: until the next
// DESKWATCH_RESYNC_END it notes which agents the source's snapshot lists (an INTERACTIONS_STATE
// each), and at that event it ends every open interaction of the agents it did not list. A source
// that never sends the end (a file, an older hub) ends nothing.
func (s *Store) BeginResync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resync = map[string]bool{}
}

// endResync applies DESKWATCH_RESYNC_END: the agents the snapshot since BeginResync did not list
// are gone, and so are their open interactions. A listed agent the hub said nothing else of is
// connected (the hub's snapshot says so of the others).
func (s *Store) endResync(at time.Time, v uint64) {
	listed := s.resync
	if listed == nil {
		return
	}
	s.resync = nil
	s.endSlots(s.openRows(func(r *Row) bool { return !listed[r.AgentID] }), at, goneAtResync, EvResyncEnd)
	for _, id := range s.agentOrder {
		switch {
		case !listed[id]:
			s.markGone(id, at, v, goneAtResync)
		case s.agents[id].ag.Desktop == "":
			ag := s.touchAgent(id, at, v)
			s.setDesktop(ag, DesktopConnected, "", at)
			s.reweigh(ag)
		}
	}
}

// applyDesktop applies DESKWATCH_DESKTOP to agent ag.
func (s *Store) applyDesktop(ag *Agent, d *Desktop, at time.Time, v uint64) {
	switch d.Status {
	case DesktopGone: // its open rows end, and it is gone
		id := ag.ID
		s.endSlots(s.agentRows(id, nil), at, "desktop gone", EvDesktop)
		s.markGone(id, at, v, d.Reason)
		return
	case DesktopDisconnected:
		if ag.Desktop == DesktopDisconnected {
			return // already, since earlier: its rows stopped then
		}
		s.freezeRows(ag.ID, at, v)
	case DesktopConnected:
		s.freezeRows(ag.ID, time.Time{}, v)
	}
	s.setDesktop(ag, d.Status, d.Reason, at)
}

// reconnected clears a disconnected or gone agent's status when its desktop sends a snapshot of
// its own again (a bridge sends one first after every connect).
func (s *Store) reconnected(ag *Agent, at time.Time, v uint64) {
	if ag.Desktop == DesktopDisconnected || ag.Desktop == DesktopGone {
		s.freezeRows(ag.ID, time.Time{}, v)
		s.setDesktop(ag, DesktopConnected, "", at)
	}
}

func (s *Store) setDesktop(ag *Agent, st DesktopStatus, reason string, at time.Time) {
	ag.Desktop, ag.DesktopReason, ag.DesktopSince = st, reason, at
	if !s.keepsAgent(ChangeDesktop) {
		return
	}
	text := "desktop " + string(st)
	if reason != "" {
		text += ": " + reason
	}
	ag.Timeline = addChanges(ag.Timeline, &ag.timelineText, NewChange(at, ChangeDesktop, text, EvDesktop))
}

// endSlots ends the rows of slots (open rows, collected first: ending one may evict others and
// compact s.order in place), at at, with text as their timeline's last entry.
func (s *Store) endSlots(slots []*slot, at time.Time, text, typ string) {
	for _, sl := range slots {
		end := at // a row whose desktop went away ended when it was last seen, not when that was given up on
		if d := sl.row.DisconnectedAt; !d.IsZero() && d.Before(at) {
			end = d
		}
		s.end(sl, end, text, typ, endedByEvent)
	}
}

// openRows returns the open rows that match, and those the bound ended (agentRows). Ending rows
// collects them first with it: ending one may evict others and compact s.order in place.
func (s *Store) openRows(match func(*Row) bool) []*slot {
	var out []*slot
	for _, sl := range s.order {
		if !sl.gone && (!sl.row.Ended || sl.row.Reclaimed) && match(sl.row) {
			out = append(out, sl)
		}
	}
	return out
}

// markGone marks the agent's desktop gone, once: it is logged out (as the floor statistics count
// it) and has no active interaction any more.
func (s *Store) markGone(id string, at time.Time, v uint64, reason string) {
	if ag := s.touchAgent(id, at, v); ag.Desktop != DesktopGone {
		since := at // gone since it went away: its time in state does not jump to when that was given up on
		if ag.Desktop == DesktopDisconnected && ag.DesktopSince.Before(at) {
			since = ag.DesktopSince
		}
		s.setDesktop(ag, DesktopGone, reason, at)
		ag.DesktopSince, ag.ActiveInteraction, ag.LoggedIn = since, "", false
		ag.Timeline = capTimeline(ag.Timeline, &ag.timelineText)
		s.floorAgent(ag, since)
		s.reweigh(ag)
	}
}

// freezeRows marks the agent's open rows as disconnected at at (their clocks stop there and no
// rule alerts on them), or clears the mark when at is zero.
func (s *Store) freezeRows(id string, at time.Time, v uint64) {
	for _, sl := range s.agentRows(id, func(r *Row) bool { return !r.DisconnectedAt.Equal(at) }) {
		r := s.edit(sl)
		r.DisconnectedAt, r.Version = at, v
		s.count(r, +1)
	}
}

// LoggedOutSince is when a logged-out agent logged out: its desktop gone, else its last login
// change (a logout, a login that says it is not logged in); zero while it is logged in, or when
// neither is known.
func (a *Agent) LoggedOutSince() time.Time {
	switch {
	case a.LoggedIn:
		return time.Time{}
	case a.Desktop == DesktopGone:
		return a.DesktopSince
	}
	for i := len(a.Timeline) - 1; i >= 0; i-- {
		if k := a.Timeline[i].Kind; k == ChangeLogout || k == ChangeLogin {
			return a.Timeline[i].At()
		}
	}
	return time.Time{}
}

// Clock is now for an agent whose desktop is connected (or of which nothing was said); for one
// disconnected or gone, the time the hub said so, if earlier: its time in state stops there.
func (a *Agent) Clock(now time.Time) time.Time {
	if (a.Desktop == DesktopDisconnected || a.Desktop == DesktopGone) && now.After(a.DesktopSince) {
		return a.DesktopSince
	}
	return now
}
